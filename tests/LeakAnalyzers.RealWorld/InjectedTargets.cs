using System.Security;

namespace LeakAnalyzers.RealWorld;

/// <summary>The MSBuild file imported after Microsoft.Common.targets: adds the analyzer and makes sure analyzers run and warn.</summary>
internal static class InjectedTargets
{
    /// <param name="framework">When set, multi-targeted projects that list it build only it (restore included).</param>
    public static string For(string analyzerPath, string? framework) => $"""
        <Project>
          <PropertyGroup Condition="'{framework}' != '' and '$(TargetFramework)' == '' and $([System.String]::Copy(';$(TargetFrameworks);').Contains(';{framework};'))">
            <TargetFrameworks>{framework}</TargetFrameworks>
          </PropertyGroup>
          <PropertyGroup>
            <RunAnalyzers>true</RunAnalyzers>
            <RunAnalyzersDuringBuild>true</RunAnalyzersDuringBuild>
            <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
          </PropertyGroup>
          <ItemGroup>
            <Analyzer Include="{SecurityElement.Escape(analyzerPath)}" />
          </ItemGroup>
        </Project>
        """;
}
