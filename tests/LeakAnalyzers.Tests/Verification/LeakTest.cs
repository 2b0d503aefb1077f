using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LeakAnalyzers.Tests.Verification;

/// <summary>
/// A rule test on the Roslyn SDK testing library, with the settings LeakAnalyzers tests need:
/// the reference assemblies this test project compiles against (no reference pack downloaded),
/// the SDK's implicit usings, <c>.editorconfig</c>/<c>.globalconfig</c> lines, the language
/// version, NuGet packages and a referenced project. Everything the library checks still applies:
/// markup, compiler errors (none allowed), analyzer exceptions (AD0001 is an error), the
/// <c>#pragma</c> suppression check, the code fix one diagnostic at a time and Fix All in
/// document, project and solution scope.
/// </summary>
public class LeakTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    /// <summary>Where <see cref="EditorConfig"/> is written: at the root, so it applies to every document.</summary>
    public const string EditorConfigPath = "/.editorconfig";

    /// <summary>Where <see cref="GlobalConfig"/> is written.</summary>
    public const string GlobalConfigPath = "/.globalconfig";

    private const string ReferencedProjectName = "ReferencedProject";

    /// <summary>Beside the test documents (<c>/0/Test0.cs</c>, ...), where the SDK writes it: under <c>obj/</c>, a generated file.</summary>
    private const string ImplicitUsingsPath = "/0/obj/GlobalUsings.g.cs";


    /// <summary>
    /// A target framework with no reference-assembly package: the library resolves nothing and
    /// downloads nothing; the references come from <see cref="TestReferences"/>.
    /// </summary>
    private static readonly ReferenceAssemblies NoReferencePack = new("net10.0");

    public LeakTest()
    {
        ReferenceAssemblies = NoReferencePack;

        // [|...|] means the rule under test, the first analyzer's first descriptor.
        MarkupOptions = MarkupOptions.UseFirstDescriptor;
        EveryRule = typeof(TCodeFix) != typeof(EmptyCodeFixProvider);
    }

    /// <summary>Lines under <c>[*.cs]</c> of the project's <c>.editorconfig</c>.</summary>
    public string? EditorConfig { get; set; }

    /// <summary>Lines of a <c>.globalconfig</c> (<c>is_global = true</c> is added), for options that apply to the whole project.</summary>
    public string? GlobalConfig { get; set; }

    /// <summary>
    /// Hands the <c>.editorconfig</c> and <c>.globalconfig</c> to the analyzers as additional files
    /// too, at the same paths, as the package's build/LeakAnalyzers.targets does: LEAK900 then
    /// points at the setting's line in them.
    /// </summary>
    public bool ConfigFilesAsAdditionalFiles { get; set; }

    public LanguageVersion LanguageVersion { get; set; } = LanguageVersion.Latest;

    /// <summary>NuGet package IDs (referenced by the test project) whose assemblies the source may use.</summary>
    public List<string> Packages { get; } = new();

    /// <summary>
    /// Documents of a second project that the test project references as a project, the way the
    /// IDE and <c>dotnet format</c> load a solution (its symbols come with source declarations
    /// that belong to another compilation).
    /// </summary>
    public List<(string Name, string Source)> ReferencedProjectSources { get; } = new();

    public OutputKind OutputKind
    {
        get => TestState.OutputKind ?? OutputKind.DynamicallyLinkedLibrary;
        set => TestState.OutputKind = value;
    }

    /// <summary>
    /// Runs every LEAK analyzer besides <typeparamref name="TAnalyzer"/>, so markup must name every
    /// diagnostic of every rule. On in code-fix tests: fixed code is checked against all rules.
    /// </summary>
    public bool EveryRule { get; set; }

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers()
    {
        var underTest = new TAnalyzer();
        return EveryRule
            ? AllComponents.Analyzers().Where(analyzer => analyzer.GetType() != typeof(TAnalyzer)).Prepend(underTest)
            : new[] { underTest };
    }

    protected override ParseOptions CreateParseOptions() => new CSharpParseOptions(LanguageVersion);

    protected override CompilationOptions CreateCompilationOptions() =>
        new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            allowUnsafe: true,
            nullableContextOptions: LanguageVersion.MapSpecifiedToEffectiveVersion() >= LanguageVersion.CSharp8 ? NullableContextOptions.Enable : NullableContextOptions.Disable);

    /// <summary>The library's own choice, stated here because the tests rely on it: analyzers run concurrently, as in the IDE and the build.</summary>
    protected override CompilationWithAnalyzers CreateCompilationWithAnalyzers(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, AnalyzerOptions options, CancellationToken cancellationToken) =>
        compilation.WithAnalyzers(analyzers, new CompilationWithAnalyzersOptions(options, onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true));

    protected override Task RunImplAsync(CancellationToken cancellationToken)
    {
        var references = TestReferences.FrameworkReferences.AddRange(TestReferences.ForPackages(Packages));
        TestState.AdditionalReferences.AddRange(references);

        if (LanguageVersion.MapSpecifiedToEffectiveVersion() >= LanguageVersion.CSharp10)
        {
            // The same document in every state, so the library's document-count checks hold.
            foreach (var state in new[] { TestState, FixedState, BatchFixedState }.Where(state => state == TestState || state.Sources.Count > 0))
            {
                state.Sources.Add((ImplicitUsingsPath, TestReferences.ImplicitUsings));
            }
        }

        TestState.AnalyzerConfigFiles.Add((EditorConfigPath, $"root = true{Environment.NewLine}{Environment.NewLine}[*.cs]{Environment.NewLine}{EditorConfig}{Environment.NewLine}"));
        if (GlobalConfig is not null)
        {
            TestState.AnalyzerConfigFiles.Add((GlobalConfigPath, $"is_global = true{Environment.NewLine}{GlobalConfig}{Environment.NewLine}"));
        }

        if (ConfigFilesAsAdditionalFiles)
        {
            TestState.AdditionalFiles.AddRange(TestState.AnalyzerConfigFiles);
        }

        if (ReferencedProjectSources.Count > 0)
        {
            var referenced = new ProjectState(ReferencedProjectName, LanguageNames.CSharp, $"/{ReferencedProjectName}/Test", DefaultFileExt);
            referenced.AdditionalReferences.AddRange(TestReferences.FrameworkReferences);
            foreach (var (name, source) in ReferencedProjectSources)
            {
                referenced.Sources.Add(($"/{ReferencedProjectName}/{name}", source));
            }

            TestState.AdditionalProjects.Add(ReferencedProjectName, referenced);
            TestState.AdditionalProjectReferences.Add(ReferencedProjectName);
        }

        return base.RunImplAsync(cancellationToken);
    }
}
