using System.Collections.Immutable;
using System.Text;
using LeakAnalyzers.Corpus;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace LeakAnalyzers.Tests.Robustness;

/// <summary>
/// The benchmark's generated service corpus analyzed by every analyzer concurrently and
/// sequentially gives the same diagnostics: no rule depends on the order callbacks run in.
/// </summary>
public sealed class ConcurrencyTests
{
    /// <summary>Every rule fires at least twice; 1,000 files took 90 s on a loaded 2-core machine, 300 files 43 s.</summary>
    private const int CorpusFiles = 200;

    [Fact]
    public async Task Concurrent_and_sequential_analysis_report_the_same_diagnostics_on_the_corpus()
    {
        var trees = ServiceCorpus.Generate(CorpusFiles)
            .Select(file => CSharpSyntaxTree.ParseText(file.Text, new CSharpParseOptions(LanguageVersion.Latest), "/corpus/" + file.Name, Encoding.UTF8));
        var compilation = CSharpCompilation.Create(
            "Corpus",
            trees,
            TestReferences.FrameworkReferences,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var analyzers = AllComponents.Analyzers();

        var concurrent = await AnalyzeAsync(compilation, analyzers, concurrent: true);
        var sequential = await AnalyzeAsync(compilation, analyzers, concurrent: false);

        Assert.Empty(concurrent.Where(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", StringComparison.Ordinal)).Select(d => d.ToString()));
        var concurrentLeaks = Describe(concurrent.Where(d => d.Id.StartsWith("LEAK", StringComparison.Ordinal)));
        Assert.Equal(Describe(sequential), concurrentLeaks);
        Assert.Equal(new[] { "LEAK001", "LEAK002", "LEAK003", "LEAK007", "LEAK008" }, concurrentLeaks.Select(d => d.Split(' ')[0]).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>The concurrent run also returns the compiler's diagnostics, so the corpus is checked for errors on the way.</summary>
    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, bool concurrent)
    {
        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, analyzer, _) => { lock (exceptions) { exceptions.Add($"{analyzer.GetType().Name}: {exception}"); } },
            concurrentAnalysis: concurrent,
            logAnalyzerExecutionTime: false);
        var withAnalyzers = compilation.WithAnalyzers(analyzers, options);
        var diagnostics = concurrent ? await withAnalyzers.GetAllDiagnosticsAsync() : await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics;
    }

    private static List<string> Describe(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics
            .Select(d => $"{d.Id} {d.Location.SourceTree?.FilePath}{d.Location.SourceSpan} {d.GetMessage()}")
            .Order(StringComparer.Ordinal)
            .ToList();
}
