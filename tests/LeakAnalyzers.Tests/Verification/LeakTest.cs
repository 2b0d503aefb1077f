using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit.Sdk;

namespace LeakAnalyzers.Tests.Verification;

/// <summary>
/// One analyzer (and optionally code fix) test: sources with markup, options, references and
/// language version. Compiles for real, runs the analyzers with concurrent execution, and fails
/// on any missing, extra or misplaced diagnostic, on compiler errors in the test source, on
/// analyzer exceptions (AD0001), and on fixed code that differs, no longer compiles or still leaks.
/// </summary>
public sealed class LeakTest
{
    private const string ProjectName = "TestProject";
    private const string ProjectDirectory = "/src/TestProject/";

    /// <summary>What the .NET SDK's implicit usings give a console or library project.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;

    public LeakTest(params DiagnosticAnalyzer[] analyzers)
    {
        _analyzers = analyzers.ToImmutableArray();
    }

    /// <summary>Test documents: file name and markup text.</summary>
    public List<(string Name, string Markup)> Sources { get; } = new();

    /// <summary>Expected documents after the fix (same names as <see cref="Sources"/>).</summary>
    public List<(string Name, string Markup)> FixedSources { get; } = new();

    public CodeFixProvider? CodeFix { get; set; }

    /// <summary>The code action to apply (and Fix All with), by equivalence key; null means the first one offered. As in the Roslyn SDK's CodeFixTest.</summary>
    public string? CodeActionEquivalenceKey { get; set; }

    /// <summary>Lines appended under <c>[*.cs]</c> of the project's <c>.editorconfig</c>.</summary>
    public string? EditorConfig { get; set; }

    /// <summary>Lines of a <c>.globalconfig</c> (<c>is_global = true</c> is added), for options that apply to the whole project.</summary>
    public string? GlobalConfig { get; set; }

    public LanguageVersion LanguageVersion { get; set; } = LanguageVersion.Latest;

    /// <summary>
    /// Documents of a second project that the test project references as a project, the way the
    /// IDE and <c>dotnet format</c> load a solution (its symbols come with source declarations
    /// that belong to another compilation). Never analyzed themselves.
    /// </summary>
    public List<(string Name, string Source)> ReferencedProjectSources { get; } = new();

    /// <summary>NuGet package IDs (referenced by the test project) whose assemblies the source may use.</summary>
    public List<string> Packages { get; } = new();

    /// <summary>For robustness tests of broken code: compiler errors are expected and not a failure.</summary>
    public bool AllowCompilerErrors { get; set; }

    public OutputKind OutputKind { get; set; } = OutputKind.DynamicallyLinkedLibrary;

    public LeakTest WithSource(string markup, string? name = null)
    {
        Sources.Add((name ?? $"Test{Sources.Count}.cs", markup));
        return this;
    }

    public LeakTest WithFixedSource(string markup, string? name = null)
    {
        FixedSources.Add((name ?? $"Test{FixedSources.Count}.cs", markup));
        return this;
    }

    /// <summary>Asserts exactly the diagnostics marked in <see cref="Sources"/>.</summary>
    public async Task VerifyDiagnosticsAsync()
    {
        var (solution, expected) = CreateSolution(Sources);
        var project = MainProject(solution);
        await AssertNoCompilerErrorsAsync(project, "test source", baseline: null);
        var actual = await GetAnalyzerDiagnosticsAsync(project);
        AssertDiagnosticsMatch(expected, actual, "test source");
    }

    /// <summary>
    /// Applies the code fix one diagnostic at a time until none is left, compares with
    /// <see cref="FixedSources"/>, then does the same with Fix All in document, project and
    /// solution scope.
    /// </summary>
    public async Task VerifyCodeFixAsync()
    {
        await VerifyDiagnosticsAsync();
        await VerifyOneByOneAsync();
        await VerifyFixAllAsync();
    }

    /// <summary>Fix All in document, project and solution scope must each produce <see cref="FixedSources"/>.</summary>
    public async Task VerifyFixAllAsync()
    {
        foreach (var scope in new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution })
        {
            var (solution, _) = CreateSolution(Sources);
            var baseline = await GetCompilerErrorsAsync(MainProject(solution));
            var fixedSolution = await ApplyFixAllAsync(solution, scope);
            await AssertFixedAsync(fixedSolution, baseline, $"Fix All ({scope} scope)");
        }
    }

    /// <summary>The project of <see cref="Sources"/> (markup removed), for tests that drive the analyzers themselves.</summary>
    public Task<Project> CreateProjectAsync() => Task.FromResult(MainProject(CreateSolution(Sources).Solution));

    private async Task VerifyOneByOneAsync()
    {
        var (solution, _) = CreateSolution(Sources);
        var baseline = await GetCompilerErrorsAsync(MainProject(solution));
        var fixer = RequireCodeFix();
        var limit = 1 + (await GetAnalyzerDiagnosticsAsync(MainProject(solution))).Length * 2;
        for (var iteration = 0; iteration < limit; iteration++)
        {
            var next = await ApplyFirstFixAsync(solution, fixer);
            if (next is null)
            {
                break;
            }

            solution = next;
        }

        await AssertFixedAsync(solution, baseline, "code fix applied one diagnostic at a time");
    }

    private async Task<Solution?> ApplyFirstFixAsync(Solution solution, CodeFixProvider fixer)
    {
        var project = MainProject(solution);
        foreach (var diagnostic in await GetAnalyzerDiagnosticsAsync(project))
        {
            if (!fixer.FixableDiagnosticIds.Contains(diagnostic.Id))
            {
                continue;
            }

            var document = solution.GetDocument(diagnostic.Location.SourceTree)!;
            var action = await GetFirstActionAsync(fixer, document, diagnostic);
            if (action is not null)
            {
                return await ApplyAsync(action);
            }
        }

        return null;
    }

    private async Task<Solution> ApplyFixAllAsync(Solution solution, FixAllScope scope)
    {
        var fixer = RequireCodeFix();
        var fixAllProvider = fixer.GetFixAllProvider() ?? throw FailException.ForFailure($"{fixer.GetType().Name} has no FixAllProvider.");
        if (!fixAllProvider.GetSupportedFixAllScopes().Contains(scope))
        {
            throw FailException.ForFailure($"{fixer.GetType().Name}'s FixAllProvider does not support {scope} scope.");
        }

        // Document scope is applied to each document in turn, as a user fixing file by file would.
        var rounds = scope == FixAllScope.Document ? Sources.Count : 1;
        for (var round = 0; round < rounds; round++)
        {
            var project = MainProject(solution);
            var diagnostics = await GetAnalyzerDiagnosticsAsync(project);
            Diagnostic? trigger = null;
            CodeAction? triggerAction = null;
            foreach (var diagnostic in diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)))
            {
                triggerAction = await GetFirstActionAsync(fixer, solution.GetDocument(diagnostic.Location.SourceTree)!, diagnostic);
                if (triggerAction is not null)
                {
                    trigger = diagnostic;
                    break;
                }
            }

            if (trigger is null)
            {
                break;
            }

            var document = solution.GetDocument(trigger.Location.SourceTree)!;
            var context = new FixAllContext(
                document,
                fixer,
                scope,
                triggerAction!.EquivalenceKey,
                fixer.FixableDiagnosticIds,
                new AnalyzerDiagnosticProvider(this),
                CancellationToken.None);
            var fixAll = await fixAllProvider.GetFixAsync(context);
            if (fixAll is null)
            {
                break;
            }

            solution = await ApplyAsync(fixAll);
        }

        return solution;
    }

    private async Task<CodeAction?> GetFirstActionAsync(CodeFixProvider fixer, Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await fixer.RegisterCodeFixesAsync(context);
        return actions.FirstOrDefault(action => CodeActionEquivalenceKey is null || action.EquivalenceKey == CodeActionEquivalenceKey);
    }

    private static async Task<Solution> ApplyAsync(CodeAction action)
    {
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        return operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
    }

    private async Task AssertFixedAsync(Solution solution, ImmutableArray<Diagnostic> baselineErrors, string what)
    {
        if (FixedSources.Count == 0)
        {
            throw FailException.ForFailure("A code fix test needs FixedSources.");
        }

        var project = MainProject(solution);
        var expectedDiagnostics = new List<ExpectedDiagnostic>();
        foreach (var (name, markup) in FixedSources)
        {
            var (expectedText, spans) = Markup.Parse(markup);
            expectedDiagnostics.AddRange(spans.Select(s => new ExpectedDiagnostic(ProjectDirectory + name, s.Span, s.Id)));
            var document = project.Documents.Single(d => d.Name == name);
            var actualText = (await document.GetTextAsync()).ToString();
            if (Normalize(actualText) != Normalize(expectedText))
            {
                throw FailException.ForFailure($"{what}: {name} differs from the expected fixed source.{Environment.NewLine}{Diff(expectedText, actualText)}");
            }
        }

        await AssertNoCompilerErrorsAsync(project, what, baselineErrors);
        AssertDiagnosticsMatch(expectedDiagnostics, await GetAnalyzerDiagnosticsAsync(project), what);
    }

    private CodeFixProvider RequireCodeFix() =>
        CodeFix ?? throw FailException.ForFailure("This test needs a CodeFix.");

    private (Solution Solution, List<ExpectedDiagnostic> Expected) CreateSolution(List<(string Name, string Markup)> sources)
    {
        if (sources.Count == 0)
        {
            throw FailException.ForFailure("A test needs at least one source.");
        }

        var parseOptions = new CSharpParseOptions(LanguageVersion);
        var nullable = parseOptions.LanguageVersion >= LanguageVersion.CSharp8 ? NullableContextOptions.Enable : NullableContextOptions.Disable;
        var compilationOptions = new CSharpCompilationOptions(OutputKind, nullableContextOptions: nullable, allowUnsafe: true);
        var references = TestReferences.FrameworkReferences.AddRange(TestReferences.ForPackages(Packages));

        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId(ProjectName);
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId,
            VersionStamp.Default,
            ProjectName,
            ProjectName,
            LanguageNames.CSharp,
            filePath: ProjectDirectory + ProjectName + ".csproj",
            compilationOptions: compilationOptions,
            parseOptions: parseOptions,
            metadataReferences: references));

        if (ReferencedProjectSources.Count > 0)
        {
            var referencedId = ProjectId.CreateNewId("ReferencedProject");
            solution = solution.AddProject(ProjectInfo.Create(
                referencedId, VersionStamp.Default, "ReferencedProject", "ReferencedProject", LanguageNames.CSharp,
                filePath: "/src/ReferencedProject/ReferencedProject.csproj",
                compilationOptions: compilationOptions.WithOutputKind(OutputKind.DynamicallyLinkedLibrary),
                parseOptions: parseOptions,
                metadataReferences: references));
            foreach (var (name, source) in ReferencedProjectSources)
            {
                solution = solution.AddDocument(DocumentId.CreateNewId(referencedId, name), name, SourceText.From(source, Encoding.UTF8), filePath: "/src/ReferencedProject/" + name);
            }

            solution = solution.AddProjectReference(projectId, new ProjectReference(referencedId));
        }

        var expected = new List<ExpectedDiagnostic>();
        foreach (var (name, markup) in sources)
        {
            var (text, spans) = Markup.Parse(markup);
            var path = ProjectDirectory + name;
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId, name), name, SourceText.From(text, Encoding.UTF8), filePath: path);
            expected.AddRange(spans.Select(s => new ExpectedDiagnostic(path, s.Span, s.Id)));
        }

        if (parseOptions.LanguageVersion >= LanguageVersion.CSharp10)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId, "GlobalUsings"), "GlobalUsings.g.cs", SourceText.From(ImplicitUsings, Encoding.UTF8), filePath: ProjectDirectory + "obj/GlobalUsings.g.cs");
        }

        var editorConfig = "root = true" + Environment.NewLine + Environment.NewLine + "[*.cs]" + Environment.NewLine + (EditorConfig ?? string.Empty) + Environment.NewLine;
        solution = solution.AddAnalyzerConfigDocument(DocumentId.CreateNewId(projectId, ".editorconfig"), ".editorconfig", SourceText.From(editorConfig, Encoding.UTF8), filePath: ProjectDirectory + ".editorconfig");
        if (GlobalConfig is not null)
        {
            var globalConfig = "is_global = true" + Environment.NewLine + GlobalConfig + Environment.NewLine;
            solution = solution.AddAnalyzerConfigDocument(DocumentId.CreateNewId(projectId, ".globalconfig"), ".globalconfig", SourceText.From(globalConfig, Encoding.UTF8), filePath: ProjectDirectory + ".globalconfig");
        }
        return (solution, expected);
    }

    private static Project MainProject(Solution solution) => solution.Projects.Single(project => project.Name == ProjectName);

    internal async Task<ImmutableArray<Diagnostic>> GetAnalyzerDiagnosticsAsync(Project project)
    {
        var compilation = (await project.GetCompilationAsync())!;
        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            project.AnalyzerOptions,
            (exception, analyzer, _) => { lock (exceptions) { exceptions.Add($"{analyzer.GetType().Name}: {exception}"); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        var diagnostics = await compilation.WithAnalyzers(_analyzers, options).GetAnalyzerDiagnosticsAsync();
        var crashes = diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage()).Concat(exceptions).ToList();
        if (crashes.Count > 0)
        {
            throw FailException.ForFailure("An analyzer threw:" + Environment.NewLine + string.Join(Environment.NewLine, crashes));
        }

        var supported = _analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet();
        return diagnostics
            .Where(d => supported.Contains(d.Id))
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    private static async Task<ImmutableArray<Diagnostic>> GetCompilerErrorsAsync(Project project)
    {
        var compilation = (await project.GetCompilationAsync())!;
        return compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
    }

    private async Task AssertNoCompilerErrorsAsync(Project project, string what, ImmutableArray<Diagnostic>? baseline)
    {
        if (AllowCompilerErrors && baseline is null)
        {
            return;
        }

        var errors = await GetCompilerErrorsAsync(project);
        var known = baseline?.Select(d => d.Id).ToList() ?? new List<string>();
        var added = errors.Where(e => !known.Remove(e.Id)).ToList();
        if (added.Count > 0)
        {
            throw FailException.ForFailure($"{what} has compiler errors:{Environment.NewLine}{string.Join(Environment.NewLine, added.Select(Describe))}");
        }
    }

    private void AssertDiagnosticsMatch(IReadOnlyCollection<ExpectedDiagnostic> expected, ImmutableArray<Diagnostic> actual, string what)
    {
        var defaultId = _analyzers.SelectMany(a => a.SupportedDiagnostics).First().Id;
        var missing = expected.ToList();
        var extra = new List<Diagnostic>();
        foreach (var diagnostic in actual)
        {
            var match = missing.FirstOrDefault(e =>
                e.FilePath == diagnostic.Location.SourceTree?.FilePath &&
                e.Span == diagnostic.Location.SourceSpan &&
                (e.Id ?? defaultId) == diagnostic.Id);
            if (match is null)
            {
                extra.Add(diagnostic);
            }
            else
            {
                missing.Remove(match);
            }
        }

        if (missing.Count == 0 && extra.Count == 0)
        {
            return;
        }

        var message = new StringBuilder($"{what}: the diagnostics differ from the markup.");
        foreach (var e in missing)
        {
            message.AppendLine().Append($"  missing: {e.Id ?? defaultId} at {e.FilePath}{e.Span}");
        }

        foreach (var d in extra)
        {
            message.AppendLine().Append($"  unexpected: {Describe(d)}");
        }

        throw FailException.ForFailure(message.ToString());
    }

    private static string Describe(Diagnostic diagnostic)
    {
        var location = diagnostic.Location;
        var text = location.SourceTree?.GetText().ToString(location.SourceSpan) ?? string.Empty;
        return $"{diagnostic.Id} at {location.SourceTree?.FilePath}{location.SourceSpan} '{text}': {diagnostic.GetMessage()}";
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    private static string Diff(string expected, string actual)
    {
        var expectedLines = Normalize(expected).Split('\n');
        var actualLines = Normalize(actual).Split('\n');
        var builder = new StringBuilder();
        for (var i = 0; i < Math.Max(expectedLines.Length, actualLines.Length); i++)
        {
            var e = i < expectedLines.Length ? expectedLines[i] : "<none>";
            var a = i < actualLines.Length ? actualLines[i] : "<none>";
            if (e != a)
            {
                builder.AppendLine($"line {i + 1}:").AppendLine($"  expected: {e}").AppendLine($"  actual:   {a}");
            }
        }

        return builder.AppendLine("actual document:").AppendLine(actual).ToString();
    }

    /// <summary>Supplies Fix All with the diagnostics of the analyzers under test.</summary>
    private sealed class AnalyzerDiagnosticProvider : FixAllContext.DiagnosticProvider
    {
        private readonly LeakTest _test;

        public AnalyzerDiagnosticProvider(LeakTest test) => _test = test;

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            var tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return (await _test.GetAnalyzerDiagnosticsAsync(document.Project)).Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            Task.FromResult(Enumerable.Empty<Diagnostic>());

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await _test.GetAnalyzerDiagnosticsAsync(project);
    }
}
