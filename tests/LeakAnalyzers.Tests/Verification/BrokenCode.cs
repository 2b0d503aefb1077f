using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit.Sdk;

namespace LeakAnalyzers.Tests.Verification;

/// <summary>
/// What the SDK testing library does not do: analyze code that does not compile without
/// asserting anything about its diagnostics. Only analyzer exceptions (AD0001) fail here.
/// </summary>
public static class BrokenCode
{

    /// <summary>Whether a half-typed statement is reported does not matter; a crash does.</summary>
    public static async Task NeverThrowsAsync<TAnalyzer>(string source)
        where TAnalyzer : DiagnosticAnalyzer, new() =>
        await AnalyzeAsync(CreateProject("Test0.cs", source, TestReferences.FrameworkReferences), ImmutableArray.Create<DiagnosticAnalyzer>(new TAnalyzer()));

    /// <summary>A project of one document (plus the implicit usings) with the given references.</summary>
    public static Project CreateProject(string name, string source, ImmutableArray<MetadataReference> references)
    {
        var projectId = ProjectId.CreateNewId();
        var solution = new AdhocWorkspace().CurrentSolution.AddProject(ProjectInfo.Create(
            projectId, VersionStamp.Default, "Broken", "Broken", LanguageNames.CSharp,
            filePath: "/src/Broken/Broken.csproj",
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: references));
        solution = solution
            .AddDocument(DocumentId.CreateNewId(projectId), name, SourceText.From(source, Encoding.UTF8), filePath: "/src/Broken/" + name)
            .AddDocument(DocumentId.CreateNewId(projectId), "GlobalUsings.g.cs", SourceText.From(TestReferences.ImplicitUsings, Encoding.UTF8), filePath: "/src/Broken/obj/GlobalUsings.g.cs");
        return solution.GetProject(projectId)!;
    }

    /// <summary>The analyzers' diagnostics, run concurrently; fails with every analyzer exception.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Project project, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var compilation = (await project.GetCompilationAsync())!;
        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            project.AnalyzerOptions,
            (exception, analyzer, _) => { lock (exceptions) { exceptions.Add($"{analyzer.GetType().Name}: {exception}"); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
        var crashes = exceptions.Concat(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage())).ToList();
        if (crashes.Count > 0)
        {
            throw FailException.ForFailure("An analyzer threw:" + Environment.NewLine + string.Join(Environment.NewLine, crashes));
        }

        return diagnostics;
    }
}
