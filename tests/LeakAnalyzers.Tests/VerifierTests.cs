using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer, LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider>;

namespace LeakAnalyzers.Tests;

/// <summary>
/// The settings LeakTest adds to the Roslyn SDK testing library must reach the compiler and the
/// analyzers, or the rule tests prove nothing. (The library's own checks are tested upstream; two
/// here only show the entry points run them.)
/// </summary>
public sealed class VerifierTests
{
    private const string Leaky = """
        class C
        {
            async Task M(HttpClient client) => await client.PostAsync("http://localhost/", null);
        }
        """;

    [Fact]
    public async Task Missing_markup_for_a_reported_diagnostic_fails()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyAnalyzer.DiagnosticsAsync(Leaky));
        Assert.Contains("LEAK001", failure.Message);
    }

    [Fact]
    public async Task A_wrong_fixed_source_fails()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyFix.CodeFixAsync(
            Leaky.Replace("client.PostAsync(\"http://localhost/\", null)", "[|client.PostAsync(\"http://localhost/\", null)|]"),
            Leaky));
        Assert.Contains("did not match", failure.Message);
    }

    [Fact]
    public async Task Compiler_errors_in_the_test_source_fail()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyAnalyzer.DiagnosticsAsync("class C { void M() { Undefined(); } }"));
        Assert.Contains("CS0103", failure.Message);
    }

    [Fact]
    public async Task A_diagnostic_left_after_the_fix_fails_unless_the_fixed_source_marks_it()
    {
        // The fix is not offered for a call in a loop condition, so the diagnostic stays: markup in
        // the fixed source states it (the library would ignore it by default).
        const string source = """
            class C
            {
                async Task M(HttpClient client)
                {
                    while ((await [|client.GetAsync("http://localhost/")|]).IsSuccessStatusCode) { }
                }
            }
            """;
        await VerifyFix.CodeFixAsync(source, source);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyFix.CodeFixAsync(source, source.Replace("[|", "").Replace("|]", "")));
        Assert.Contains("LEAK001", failure.Message);
    }

    [Fact]
    public async Task Code_fix_tests_run_every_rule()
    {
        // LEAK008 is not the rule under test, yet its unmarked diagnostic fails the code-fix test.
        const string source = """
            class C
            {
                async Task M(HttpClient client)
                {
                    var cts = {|LEAK008:new CancellationTokenSource()|};
                    await [|client.GetAsync("http://localhost/", cts.Token)|];
                }
            }
            """;
        const string fixedSource = """
            class C
            {
                async Task M(HttpClient client)
                {
                    using var cts = new CancellationTokenSource();
                    using var response = await client.GetAsync("http://localhost/", cts.Token);
                }
            }
            """;
        await VerifyFix.CodeFixAsync(source, fixedSource);
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyFix.CodeFixAsync(source.Replace("{|LEAK008:", "").Replace(")|};", ");"), fixedSource));
        Assert.Contains("LEAK008", failure.Message);
    }

    [Fact]
    public async Task Editor_config_options_reach_the_analyzer()
    {
        // The same code passes only when the option is injected.
        const string source = """
            static class H { public static void Release(HttpResponseMessage r) => _ = r; }
            class C
            {
                async Task M(HttpClient client) => H.Release(await client.GetAsync("http://localhost/"));
            }
            """;
        await Assert.ThrowsAnyAsync<Exception>(() => VerifyAnalyzer.DiagnosticsAsync(source));
        await VerifyAnalyzer.DiagnosticsAsync(source, test => test.EditorConfig = "leak_analyzers.disposing_methods = Release");
        await VerifyAnalyzer.DiagnosticsAsync(source, test => test.GlobalConfig = "leak_analyzers.disposing_methods = Release");
    }

    [Fact]
    public async Task Language_version_switch_reaches_the_compiler()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => VerifyAnalyzer.DiagnosticsAsync(
            "using System.Net.Http; using System.Threading.Tasks; class C { async Task M(HttpClient c) { using var r = await c.GetAsync(\"u\"); } }",
            test => test.LanguageVersion = LanguageVersion.CSharp7_3));
        Assert.Contains("CS8370", failure.Message);
    }

    [Fact]
    public async Task Packages_are_referenced_only_when_asked_for()
    {
        const string source = "class C { object M() => Grpc.Net.Client.GrpcChannel.ForAddress(\"http://localhost/\"); }";
        await Assert.ThrowsAnyAsync<Exception>(() => VerifyAnalyzer.DiagnosticsAsync(source));
        await VerifyAnalyzer.DiagnosticsAsync(source, test => test.Packages.AddRange(new[] { "Grpc.Net.Client", "Grpc.Net.Common", "Grpc.Core.Api" }));
    }

    [Fact]
    public async Task An_analyzer_exception_fails()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => LeakAnalyzers.Tests.Verification.Verify<ThrowingAnalyzer>.DiagnosticsAsync("class C { }"));
        Assert.Contains("AD0001", failure.Message);
    }

    /// <summary>Reports nothing and throws on every file, as a crashing rule would. (A test double, never loaded by a compiler.)</summary>
#pragma warning disable RS1001 // No [DiagnosticAnalyzer]: the attribute would make this assembly an analyzer assembly (RS1036, RS1038, RS1041).
    private sealed class ThrowingAnalyzer : DiagnosticAnalyzer
#pragma warning restore RS1001
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer.Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterSyntaxTreeAction(_ => throw new InvalidOperationException("crash"));
        }
    }
}
