using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using LeakAnalyzers.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LeakAnalyzers.Benchmarks;

/// <summary>
/// Per-document latency as the IDE sees it: one document of the generated corpus is edited, the
/// compilation is updated with the new tree, and a fresh <c>CompilationWithAnalyzers</c> (as for a
/// new project snapshot) computes the semantic diagnostics of that document only
/// (<c>GetAnalyzerSemanticDiagnosticsAsync</c>). Each rule's time is the driver's execution time of
/// its analyzer in that request; the process is warm, as the IDE is.
/// </summary>
internal static class DocumentLatencyBenchmark
{
    /// <summary>The files edited: one of each kind the corpus generates (DTOs, repository, typed client, service, controller, endpoints, worker, report).</summary>
    private const int DocumentsEdited = 8;

    public static async Task RunAsync(string[] args, Action<string> write)
    {
        var size = int.Parse(Option(args, "--size") ?? "1000", CultureInfo.InvariantCulture);
        var edits = int.Parse(Option(args, "--edits") ?? "5", CultureInfo.InvariantCulture);
        var problems = new List<string>();
        var sets = AnalyzerSets.Create(problems)
            .Where(set => set.Run is "LEAK" or "IDisposableAnalyzers" or "CA2000")
            .ToList();
        var groups = sets.GroupBy(set => set.Run).Select(group => group.ToList()).ToList();
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: false)
            .WithSpecificDiagnosticOptions(sets.SelectMany(set => set.RuleIds).Distinct().Select(id => KeyValuePair.Create(id, ReportDiagnostic.Warn)));
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var files = ServiceCorpus.Generate(size);
        var trees = files.Select(file => CSharpSyntaxTree.ParseText(file.Text, parseOptions, "/corpus/" + file.Name, Encoding.UTF8)).ToList();
        var compilation = CSharpCompilation.Create("Corpus", trees, Machine.References(), options);

        write($"Per-document latency, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        write($"Machine: {Machine.Describe()}; load average at the start: {Machine.LoadAverage()}");
        write($"Command: dotnet run -c Release --project tests/LeakAnalyzers.Benchmarks -- {string.Join(' ', args)}");
        foreach (var problem in problems)
        {
            write($"Anchor unavailable: {problem}");
        }

        // The IDE edits a project whose declarations are bound already.
        compilation.GetDeclarationDiagnostics();

        // Warm-up: JIT every analyzer on edits of other documents.
        var warmUpDocuments = Enumerable.Range(1, DocumentsEdited).Select(i => trees[i]).ToList();
        foreach (var tree in warmUpDocuments)
        {
            await MeasureEditAsync(compilation, tree, 0, groups);
        }

        var edited = trees.Skip(1 + size / 2).Take(DocumentsEdited).ToList();
        var samples = sets.ToDictionary(set => set.Name, _ => new List<double>());
        var walls = groups.ToDictionary(group => group[0].Run, _ => new List<double>());
        for (var edit = 1; edit <= edits; edit++)
        {
            foreach (var tree in edited)
            {
                var (times, wallMs) = await MeasureEditAsync(compilation, tree, edit, groups);
                foreach (var (name, ms) in times)
                {
                    samples[name].Add(ms);
                }

                foreach (var (run, ms) in wallMs)
                {
                    walls[run].Add(ms);
                }
            }
        }

        write($"Corpus: {size} files, {ServiceCorpus.CountLines(files):N0} lines; edited: {string.Join(", ", edited.Select(t => Path.GetFileName(t.FilePath)))} ({edited.Sum(t => t.GetText().Lines.Count):N0} lines), {edits} edits each ({edits * edited.Count} samples a rule).");
        write("Each edit: a comment inserted before the document's last brace, Compilation.ReplaceSyntaxTree, a new CompilationWithAnalyzers (concurrentAnalysis: false, logAnalyzerExecutionTime: true) per driver run, GetAnalyzerSemanticDiagnosticsAsync(model of the edited tree). LEAK analyzers share a run; IDisposableAnalyzers and CA2000 run alone.");
        write(string.Empty);
        write("| Analyzer | p50 ms | p95 ms | max ms |");
        write("| --- | ---: | ---: | ---: |");
        foreach (var set in sets)
        {
            var values = samples[set.Name];
            var name = set.Name.StartsWith("All LEAK", StringComparison.Ordinal) ? $"**{set.Name}**" : set.Name;
            write($"| {name} | {Percentile(values, 50):F2} | {Percentile(values, 95):F2} | {values.Max():F2} |");
        }

        foreach (var (run, values) in walls)
        {
            write($"| Whole request, {run} run (wall, incl. the compiler's binding of the document) | {Percentile(values, 50):F2} | {Percentile(values, 95):F2} | {values.Max():F2} |");
        }

        write(string.Empty);
        var slowest = sets.Where(set => set.IsLeak && set.Analyzers.Length == 1).Select(set => (set.Name, P95: Percentile(samples[set.Name], 95))).MaxBy(s => s.P95);
        write($"Target p95 < 5 ms per rule: {(slowest.P95 < 5 ? "met" : "MISSED")} (slowest: {slowest.Name} at {slowest.P95:F2} ms).");
        write($"Load average at the end: {Machine.LoadAverage()}");
    }

    private static async Task<(Dictionary<string, double> Times, Dictionary<string, double> WallMs)> MeasureEditAsync(
        CSharpCompilation compilation, SyntaxTree tree, int edit, List<List<AnalyzerSet>> groups)
    {
        var text = tree.GetText().ToString();
        var insertAt = text.LastIndexOf('}');
        var editedTree = tree.WithChangedText(tree.GetText().Replace(insertAt, 0, $"// edit {edit}\n"));
        var editedCompilation = compilation.ReplaceSyntaxTree(tree, editedTree);
        var times = new Dictionary<string, double>();
        var walls = new Dictionary<string, double>();
        foreach (var group in groups)
        {
            var analyzers = group.SelectMany(set => set.Analyzers).Distinct().ToImmutableArray();
            var withAnalyzers = editedCompilation.WithAnalyzers(
                analyzers,
                new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: true, reportSuppressedDiagnostics: false));
            var stopwatch = Stopwatch.StartNew();
            var model = editedCompilation.GetSemanticModel(editedTree);
            var diagnostics = await withAnalyzers.GetAnalyzerSemanticDiagnosticsAsync(model, filterSpan: null, CancellationToken.None);
            walls[group[0].Run] = stopwatch.Elapsed.TotalMilliseconds;
            if (diagnostics.Any(d => d.Id == "AD0001"))
            {
                throw new InvalidOperationException($"{group[0].Run} threw on {tree.FilePath}: {diagnostics.First(d => d.Id == "AD0001").GetMessage()}");
            }

            var executionTimes = new Dictionary<DiagnosticAnalyzer, double>();
            foreach (var analyzer in analyzers)
            {
                executionTimes[analyzer] = (await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).ExecutionTime.TotalMilliseconds;
            }

            foreach (var set in group)
            {
                times[set.Name] = set.Analyzers.Sum(a => executionTimes[a]);
            }
        }

        return (times, walls);
    }

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
