using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using LeakAnalyzers.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace LeakAnalyzers.Benchmarks;

internal sealed record FixAllRow(string Fixer, string Rules, int Before, int After, int NewErrors, double Ms);

/// <summary>Times Fix All in solution scope for each code fix of LeakAnalyzers.CodeFixes, as the IDE runs it: the compilation and diagnostics exist already.</summary>
internal static class FixAllBenchmark
{
    public static async Task<List<FixAllRow>> RunAsync(IReadOnlyList<CorpusFile> files, ImmutableArray<MetadataReference> references, CSharpCompilationOptions options, int runs)
    {
        var analyzers = AnalyzerSets.LeakAnalyzers();
        var projectId = ProjectId.CreateNewId();
        var solution = new AdhocWorkspace().CurrentSolution.AddProject(ProjectInfo.Create(
            projectId, VersionStamp.Default, "Corpus", "Corpus", LanguageNames.CSharp,
            compilationOptions: options.WithConcurrentBuild(true), parseOptions: new CSharpParseOptions(LanguageVersion.Latest), metadataReferences: references));
        foreach (var file in files)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId), file.Name, SourceText.From(file.Text, Encoding.UTF8), filePath: "/corpus/" + file.Name);
        }

        var project = solution.GetProject(projectId)!;
        var diagnostics = await DiagnosticsAsync(project, analyzers);
        var errors = await ErrorCountAsync(project);
        var rows = new List<FixAllRow>();
        foreach (var fixer in AnalyzerSets.LeakCodeFixes())
        {
            var fixable = diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)).ToImmutableArray();
            var trigger = await FirstActionAsync(solution, fixer, fixable);
            if (trigger is null)
            {
                rows.Add(new FixAllRow(fixer.GetType().Name, string.Join(", ", fixer.FixableDiagnosticIds), fixable.Length, fixable.Length, 0, 0));
                continue;
            }

            var samples = new List<double>();
            Solution? fixedSolution = null;
            for (var run = 0; run < runs; run++)
            {
                var context = new FixAllContext(
                    solution.GetDocument(trigger.Value.Diagnostic.Location.SourceTree)!,
                    fixer,
                    FixAllScope.Solution,
                    trigger.Value.Action.EquivalenceKey,
                    fixer.FixableDiagnosticIds,
                    new FixedDiagnostics(fixable),
                    CancellationToken.None);
                var stopwatch = Stopwatch.StartNew();
                var action = await fixer.GetFixAllProvider()!.GetFixAsync(context);
                var operations = action is null ? ImmutableArray<CodeActionOperation>.Empty : await action.GetOperationsAsync(CancellationToken.None);
                fixedSolution = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
                samples.Add(stopwatch.Elapsed.TotalMilliseconds);
            }

            var fixedProject = fixedSolution!.GetProject(projectId)!;
            var after = (await DiagnosticsAsync(fixedProject, analyzers)).Count(d => fixer.FixableDiagnosticIds.Contains(d.Id));
            var newErrors = await ErrorCountAsync(fixedProject) - errors;
            rows.Add(new FixAllRow(fixer.GetType().Name, string.Join(", ", fixer.FixableDiagnosticIds), fixable.Length, after, newErrors, samples.OrderBy(s => s).ElementAt(samples.Count / 2)));
        }

        return rows;
    }

    private static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Project project, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var compilation = (await project.GetCompilationAsync())!;
        return await compilation.WithAnalyzers(analyzers, project.AnalyzerOptions).GetAnalyzerDiagnosticsAsync();
    }

    private static async Task<int> ErrorCountAsync(Project project) =>
        (await project.GetCompilationAsync())!.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);

    private static async Task<(Diagnostic Diagnostic, CodeAction Action)?> FirstActionAsync(Solution solution, CodeFixProvider fixer, ImmutableArray<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            var actions = new List<CodeAction>();
            var document = solution.GetDocument(diagnostic.Location.SourceTree)!;
            await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
            if (actions.Count > 0)
            {
                return (diagnostic, actions[0]);
            }
        }

        return null;
    }

    /// <summary>Hands Fix All the diagnostics computed before timing starts.</summary>
    private sealed class FixedDiagnostics : FixAllContext.DiagnosticProvider
    {
        private readonly ImmutableArray<Diagnostic> _diagnostics;

        public FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) => _diagnostics = diagnostics;

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return _diagnostics.Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);
    }
}
