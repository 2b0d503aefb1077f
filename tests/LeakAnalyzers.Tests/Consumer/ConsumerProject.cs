using LeakAnalyzers.Tests.Infrastructure;
using Xunit;

namespace LeakAnalyzers.Tests.Consumer;

/// <summary>
/// A throw-away console project that installs the packed package the way users do: a
/// PackageReference, a nuget.config that adds the private feed beside the machine's sources,
/// and its own packages folder so the global NuGet cache is not polluted.
/// </summary>
public sealed class ConsumerProject : IDisposable
{
    private readonly TempDirectory _directory;

    /// <param name="targetFramework">net10.0 (an Exe with implicit usings), or another framework: a library with the SDK's default language version.</param>
    public ConsumerProject(PackedPackage package, string program, string targetFramework = "net10.0")
    {
        Assert.True(package.Pack.Succeeded, "Packing LeakAnalyzers failed:" + Environment.NewLine + package.Pack);
        _directory = new TempDirectory("leakanalyzers-consumer");

        var kind = targetFramework == "net10.0"
            ? "<OutputType>Exe</OutputType><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable>"
            : "<OutputType>Library</OutputType>";
        File.WriteAllText(_directory.Combine("Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>{targetFramework}</TargetFramework>
                {kind}
                <RestorePackagesPath>{_directory.Combine("packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LeakAnalyzers" Version="{package.Version}" PrivateAssets="all" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(_directory.Combine("nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="leakanalyzers-under-test" value="{package.FeedDirectory}" />
              </packageSources>
            </configuration>
            """);
        // Stop MSBuild from importing Directory.Build.* files of folders above the temp folder.
        File.WriteAllText(_directory.Combine("Directory.Build.props"), "<Project />");
        File.WriteAllText(_directory.Combine("Directory.Build.targets"), "<Project />");
        File.WriteAllText(ProgramPath, program);
    }

    public string Directory => _directory.Path;

    public string ProgramPath => _directory.Combine("Program.cs");

    public string Program => File.ReadAllText(ProgramPath);

    /// <summary><c>dotnet build</c>, always recompiling so every run reports its warnings.</summary>
    public Task<ProcessResult> BuildAsync(params string[] arguments) =>
        ProcessRunner.DotNetAsync(Directory, new[] { "build", "--no-incremental" }.Concat(arguments).ToArray());

    /// <summary><c>dotnet build</c> as a developer or a CI job runs it: an up-to-date project is not recompiled and reports nothing.</summary>
    public Task<ProcessResult> BuildIncrementalAsync(params string[] arguments) =>
        ProcessRunner.DotNetAsync(Directory, new[] { "build" }.Concat(arguments).ToArray());

    /// <summary><c>dotnet format analyzers</c>: applies the package's code fixes as a user's CI would.</summary>
    public Task<ProcessResult> FormatAnalyzersAsync(params string[] diagnosticIds) =>
        ProcessRunner.DotNetAsync(Directory, new[] { "format", "analyzers", "--diagnostics" }.Concat(diagnosticIds).Concat(new[] { "--severity", "warn" }).ToArray());

    public void Dispose() => _directory.Dispose();
}
