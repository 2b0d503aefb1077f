using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using LeakAnalyzers.Tests.Infrastructure;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace LeakAnalyzers.Tests.Coverage;

/// <summary>
/// Measured fix coverage: each rule's Fix All (solution scope, the action <c>dotnet format</c>
/// takes) over every positive source of the rule tests (<see cref="PositiveSources"/>). A
/// diagnostic counts as fixed when it is gone and the fix added no compiler error. Fails when a
/// fix adds a compiler error, when a source keeps a diagnostic and its test is listed neither in the
/// rule page's "No fix for" section (by design) nor in its "Not fixed yet" section, or when
/// docs/fix-coverage.md does not show these numbers.
/// </summary>
public sealed class FixCoverageTests
{
    private static readonly string[] Rules = { "LEAK001", "LEAK002", "LEAK003", "LEAK004", "LEAK005", "LEAK006", "LEAK007", "LEAK008" };

    /// <summary>Assemblies of the test process that test sources must not see (the tools, not the platform).</summary>
    private static readonly string[] ToolAssemblyPrefixes =
    {
        "Microsoft.CodeAnalysis", "LeakAnalyzers", "xunit", "Microsoft.TestPlatform", "Microsoft.VisualStudio", "testhost", "Humanizer", "Microsoft.Build", "Newtonsoft",
    };

    /// <summary>Set to 1 to write the measured table into docs/fix-coverage.md instead of failing on a difference.</summary>
    private const string UpdateVariable = "LEAK_UPDATE_FIX_COVERAGE";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    [Fact]
    public async Task Fix_All_fixes_every_positive_source_that_is_not_listed_as_having_no_fix()
    {
        var analyzers = AllComponents.Analyzers().ToDictionary(analyzer => analyzer.GetType().Name);
        var fixes = AllComponents.CodeFixes();
        var results = new List<SourceResult>();
        foreach (var source in PositiveSources.All().DistinctBy(source => (source.Analyzer, source.Markup)))
        {
            if (analyzers.TryGetValue(source.Analyzer, out var analyzer) &&
                analyzer.SupportedDiagnostics[0].Id is var rule && Rules.Contains(rule) &&
                fixes.FirstOrDefault(fix => fix.FixableDiagnosticIds.Contains(rule)) is { } fix)
            {
                results.Add(await MeasureAsync(source, rule, analyzer, fix));
            }
        }

        var failures = new List<string>();
        failures.AddRange(results.Where(result => result.NewErrors.Count > 0)
            .Select(result => $"{result.Rule} {result.Source.Test}: Fix All added compiler errors: {string.Join("; ", result.NewErrors)}"));
        foreach (var rule in Rules)
        {
            var listed = Listing(rule, ByDesignSection).Union(Listing(rule, NotYetSection)).ToHashSet(StringComparer.Ordinal);
            failures.AddRange(results.Where(result => result.Rule == rule && result.Measured && result.Remaining > 0 && !listed.Contains(TestName(result.Source.Test)))
                .Select(result => $"{rule} {result.Source.Test} ({result.Source.File}): {result.Remaining} of {result.Reported} diagnostics not fixed, and the test is listed neither under '{ByDesignSection[3..]}' nor under '{NotYetSection[3..]}' in docs/rules/{rule}.md"));
            var (fixedCount, fixable) = FixedOfFixable(results, rule);
            if (fixable > 0 && fixedCount < fixable * MinimumFixedShare)
            {
                failures.Add($"{rule}: Fix All fixes {fixedCount} of the {fixable} diagnostics not left by design ({Percent(fixedCount, fixable)}), under {MinimumFixedShare:P0}");
            }
        }

        WriteDetails(results);
        var table = Table(results);
        var page = Repository.PathOf("docs", "fix-coverage.md");
        var documented = File.ReadAllText(page).Replace("\r\n", "\n");
        if (!documented.Contains(table, StringComparison.Ordinal))
        {
            if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
            {
                // The table is the page's last block: everything from its header line on is replaced.
                var start = documented.IndexOf("| Rule |", StringComparison.Ordinal);
                File.WriteAllText(page, (start < 0 ? documented + "\n" : documented[..start]) + table);
            }
            else
            {
                failures.Add($"docs/fix-coverage.md does not show the measured table; run this test with {UpdateVariable}=1 to write it, or replace its table with:\n" + table);
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>Every measured source and its result, for a person looking for what to fix next: artifacts/fix-coverage/sources.txt.</summary>
    private static void WriteDetails(List<SourceResult> results)
    {
        var directory = Repository.PathOf("artifacts", "fix-coverage");
        Directory.CreateDirectory(directory);
        var lines = results
            .OrderBy(result => result.Rule, StringComparer.Ordinal)
            .ThenBy(result => result.Source.Test, StringComparer.Ordinal)
            .Select(result => result.Measured
                ? $"{result.Rule}\t{result.Source.Test}\t{result.Source.File}\tfixed {result.Reported - result.Remaining} of {result.Reported}{(result.NewErrors.Count > 0 ? "\tnew errors: " + string.Join("; ", result.NewErrors) : string.Empty)}"
                : $"{result.Rule}\t{result.Source.Test}\t{result.Source.File}\tnot measured");
        File.WriteAllLines(Path.Combine(directory, "sources.txt"), lines);
    }

    private static string TestName(string test) => test.Split(' ')[0];

    /// <summary>Shapes the rules report on purpose without a fix: a rewrite would change what the program does, or there is nothing to rewrite.</summary>
    private const string ByDesignSection = "## No fix for";

    /// <summary>Shapes a fix could handle and does not yet: they count against the coverage.</summary>
    private const string NotYetSection = "## Not fixed yet";

    /// <summary>The issue's bar: Fix All repairs at least this share of what each rule reports outside its by-design exceptions.</summary>
    private const double MinimumFixedShare = 0.95;

    /// <summary>Test names in backticks in one section of the rule page.</summary>
    private static HashSet<string> Listing(string rule, string heading)
    {
        var page = File.ReadAllText(Repository.PathOf("docs", "rules", rule + ".md")).Replace("\r\n", "\n");
        var start = page.IndexOf(heading + "\n", StringComparison.Ordinal);
        if (start < 0)
        {
            return new HashSet<string>();
        }

        var end = page.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? page[start..] : page[start..end];
        return Regex.Matches(section, "`([A-Za-z0-9_]+)`").Select(match => match.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    private static string Table(List<SourceResult> results)
    {
        var builder = new StringBuilder();
        builder.Append("| Rule | Positive sources | Diagnostics | Fixed | Fixed % | Left by design (\"No fix for\") | Fixed % of the rest | Not fixed yet | Not measured (need their test's setup) |\n");
        builder.Append("|---|---|---|---|---|---|---|---|---|\n");
        foreach (var rule in Rules)
        {
            var measured = results.Where(result => result.Rule == rule && result.Measured).ToList();
            var reported = measured.Sum(result => result.Reported);
            var (fixedCount, fixable) = FixedOfFixable(results, rule);
            var notYet = fixable - fixedCount;
            builder.Append($"| {rule} | {measured.Count} | {reported} | {fixedCount} | {Percent(fixedCount, reported)} | {reported - fixable} | {Percent(fixedCount, fixable)} | {notYet} | {results.Count(result => result.Rule == rule && !result.Measured)} |\n");
        }

        return builder.ToString();
    }

    /// <summary>Diagnostics fixed, and diagnostics not left by design (in tests not listed under "No fix for").</summary>
    private static (int Fixed, int Fixable) FixedOfFixable(List<SourceResult> results, string rule)
    {
        var byDesign = Listing(rule, ByDesignSection);
        var measured = results.Where(result => result.Rule == rule && result.Measured).ToList();
        var fixedCount = measured.Sum(result => result.Reported - result.Remaining);
        var leftByDesign = measured.Where(result => byDesign.Contains(TestName(result.Source.Test))).Sum(result => result.Remaining);
        return (fixedCount, measured.Sum(result => result.Reported) - leftByDesign);
    }

    private static string Percent(int part, int whole) => whole == 0 ? "-" : $"{100.0 * part / whole:0.0}%";

    private sealed record SourceResult(PositiveSource Source, string Rule, bool Measured, int Reported, int Remaining, List<string> NewErrors);

    private static async Task<SourceResult> MeasureAsync(PositiveSource source, string rule, DiagnosticAnalyzer analyzer, CodeFixProvider fix)
    {
        var (text, expected) = ParseMarkup(source.Markup, rule);
        var solution = CreateSolution(text, out var documentId);
        var before = await DiagnosticsAsync(solution, analyzer, rule);

        // Measured only where the analyzer reproduces the test's markup without the test's own setup (options, other documents).
        if (expected.Count == 0 || !expected.All(span => before.Any(diagnostic => diagnostic.Location.SourceSpan == span)))
        {
            return new SourceResult(source, rule, Measured: false, 0, 0, new List<string>());
        }

        var baseline = await ErrorsAsync(solution);
        var fixedSolution = await FixAllAsync(solution, documentId, before, analyzer, fix, rule);
        var after = await DiagnosticsAsync(fixedSolution, analyzer, rule);
        var known = baseline.ToList();
        var added = (await ErrorsAsync(fixedSolution)).Where(error => !known.Remove(error)).ToList();
        return new SourceResult(source, rule, Measured: true, before.Length, added.Count > 0 ? before.Length : after.Length, added);
    }

    /// <summary>Fix All in solution scope with the first action offered for the first diagnostic, as <c>dotnet format</c> does.</summary>
    private static async Task<Solution> FixAllAsync(Solution solution, DocumentId documentId, ImmutableArray<Diagnostic> diagnostics, DiagnosticAnalyzer analyzer, CodeFixProvider fix, string rule)
    {
        var document = solution.GetDocument(documentId)!;
        foreach (var diagnostic in diagnostics)
        {
            var actions = new List<CodeAction>();
            await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
            if (actions.Count == 0 || fix.GetFixAllProvider() is not { } provider)
            {
                continue;
            }

            var context = new FixAllContext(document, fix, FixAllScope.Solution, actions[0].EquivalenceKey, new[] { rule }, new Provider(analyzer, rule), CancellationToken.None);
            if (await provider.GetFixAsync(context) is not { } fixAll)
            {
                return solution;
            }

            var operations = await fixAll.GetOperationsAsync(CancellationToken.None);
            return operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        }

        return solution;
    }

    private static Solution CreateSolution(string text, out DocumentId documentId)
    {
        var tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest));
        var topLevel = tree.GetCompilationUnitRoot().Members.Any(member => member is Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax);
        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        documentId = DocumentId.CreateNewId(projectId);
        return workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(
                projectId, VersionStamp.Default, "Coverage", "Coverage", LanguageNames.CSharp,
                filePath: "/src/Coverage/Coverage.csproj",
                compilationOptions: new CSharpCompilationOptions(topLevel ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true),
                parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
                metadataReferences: References.Value))
            .AddDocument(documentId, "Test.cs", SourceText.From(text, Encoding.UTF8), filePath: "/src/Coverage/Test.cs")
            .AddDocument(DocumentId.CreateNewId(projectId), "GlobalUsings.g.cs", SourceText.From(TestReferences.ImplicitUsings, Encoding.UTF8), filePath: "/src/Coverage/obj/GlobalUsings.g.cs");
    }


    private static async Task<ImmutableArray<Diagnostic>> DiagnosticsAsync(Solution solution, DiagnosticAnalyzer analyzer, string rule)
    {
        var compilation = (await solution.Projects.Single().GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(analyzer)).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Where(diagnostic => diagnostic.Id == rule).OrderBy(diagnostic => diagnostic.Location.SourceSpan.Start).ToImmutableArray();
    }

    private static async Task<ImmutableArray<string>> ErrorsAsync(Solution solution)
    {
        var compilation = (await solution.Projects.Single().GetCompilationAsync())!;
        return compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => $"{diagnostic.Id}: {diagnostic.GetMessage()}").ToImmutableArray();
    }

    /// <summary>Removes <c>[|...|]</c> and <c>{|ID:...|}</c>; returns the spans marked for <paramref name="rule"/>.</summary>
    private static (string Text, List<TextSpan> Spans) ParseMarkup(string markup, string rule)
    {
        var text = new StringBuilder();
        var spans = new List<TextSpan>();
        var open = new Stack<(int Start, string? Id)>();
        for (var i = 0; i < markup.Length; i++)
        {
            if (markup.AsSpan(i).StartsWith("[|"))
            {
                open.Push((text.Length, null));
                i++;
            }
            else if (markup.AsSpan(i).StartsWith("{|") && Regex.Match(markup[(i + 2)..], "^([A-Za-z0-9]+):") is { Success: true } id)
            {
                open.Push((text.Length, id.Groups[1].Value));
                i += 1 + id.Length;
            }
            else if (markup.AsSpan(i).StartsWith("|]") || markup.AsSpan(i).StartsWith("|}"))
            {
                var (start, spanId) = open.Pop();
                if ((spanId ?? rule) == rule)
                {
                    spans.Add(TextSpan.FromBounds(start, text.Length));
                }

                i++;
            }
            else
            {
                text.Append(markup[i]);
            }
        }

        return (text.ToString(), spans);
    }

    /// <summary>The reference and implementation assemblies the test process runs on (the platform, ASP.NET Core and the SDK packages), without the tools.</summary>
    private static ImmutableArray<MetadataReference> LoadReferences() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => !ToolAssemblyPrefixes.Any(prefix => Path.GetFileName(path).StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();

    private sealed class Provider(DiagnosticAnalyzer analyzer, string rule) : FixAllContext.DiagnosticProvider
    {
        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return (await DiagnosticsAsync(document.Project.Solution, analyzer, rule)).Where(diagnostic => diagnostic.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await DiagnosticsAsync(project.Solution, analyzer, rule);
    }
}
