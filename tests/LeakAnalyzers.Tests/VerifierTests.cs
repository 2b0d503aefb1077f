using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.Text;
using Xunit;
using Xunit.Sdk;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer, LeakAnalyzers.CodeFixes.Rules.DisposeWithUsingCodeFixProvider>;

namespace LeakAnalyzers.Tests;

/// <summary>The verifier must fail on wrong expectations, or every other test proves nothing.</summary>
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
        var failure = await Assert.ThrowsAsync<FailException>(() => VerifyAnalyzer.DiagnosticsAsync(Leaky));
        Assert.Contains("unexpected: LEAK001", failure.Message);
    }

    [Fact]
    public async Task Markup_where_nothing_is_reported_fails()
    {
        var failure = await Assert.ThrowsAsync<FailException>(() => VerifyAnalyzer.DiagnosticsAsync("""
            class C
            {
                async Task M(HttpClient client)
                {
                    using var response = await [|client.GetAsync("http://localhost/")|];
                }
            }
            """));
        Assert.Contains("missing: LEAK001", failure.Message);
    }

    [Fact]
    public async Task Misplaced_markup_fails()
    {
        var failure = await Assert.ThrowsAsync<FailException>(() => VerifyAnalyzer.DiagnosticsAsync(
            Leaky.Replace("await client.PostAsync(\"http://localhost/\", null)", "[|await client.PostAsync(\"http://localhost/\", null)|]")));
        Assert.Contains("missing", failure.Message);
        Assert.Contains("unexpected", failure.Message);
    }

    [Fact]
    public async Task Wrong_rule_id_in_markup_fails()
    {
        await Assert.ThrowsAsync<FailException>(() => VerifyAnalyzer.DiagnosticsAsync(
            Leaky.Replace("client.PostAsync(\"http://localhost/\", null)", "{|LEAK008:client.PostAsync(\"http://localhost/\", null)|}")));
    }

    [Fact]
    public async Task Compiler_errors_in_the_test_source_fail()
    {
        var failure = await Assert.ThrowsAsync<FailException>(() => VerifyAnalyzer.DiagnosticsAsync("class C { void M() { Undefined(); } }"));
        Assert.Contains("CS0103", failure.Message);
    }

    [Fact]
    public async Task A_wrong_fixed_source_fails()
    {
        var failure = await Assert.ThrowsAsync<FailException>(() => VerifyFix.CodeFixAsync(
            Leaky.Replace("client.PostAsync(\"http://localhost/\", null)", "[|client.PostAsync(\"http://localhost/\", null)|]"),
            Leaky));
        Assert.Contains("differs from the expected fixed source", failure.Message);
    }

    [Fact]
    public async Task A_diagnostic_left_after_the_fix_fails()
    {
        // The fix is not offered for a reassigned local, so the diagnostic stays: the fixed
        // source claims it is gone (no markup), which must fail.
        const string source = """
            class C
            {
                async Task M(HttpClient client)
                {
                    var response = await [|client.GetAsync("http://localhost/")|];
                    response = null!;
                }
            }
            """;
        var failure = await Assert.ThrowsAsync<FailException>(() => VerifyFix.CodeFixAsync(source, source.Replace("[|", "").Replace("|]", "")));
        Assert.Contains("unexpected: LEAK001", failure.Message);
    }

    [Fact]
    public async Task Editor_config_options_reach_the_analyzer()
    {
        // The same code passes only when the option is injected.
        const string source = """
            static class H { public static void Release(HttpResponseMessage r) => r.Dispose(); }
            class C
            {
                async Task M(HttpClient client) => H.Release(await client.GetAsync("http://localhost/"));
            }
            """;
        await Assert.ThrowsAsync<FailException>(() => VerifyAnalyzer.DiagnosticsAsync(source.Replace("r.Dispose()", "_ = r")));
        await VerifyAnalyzer.DiagnosticsAsync(source.Replace("r.Dispose()", "_ = r"), test => test.EditorConfig = "leak_analyzers.disposing_methods = Release");
    }

    [Fact]
    public async Task Language_version_switch_reaches_the_compiler()
    {
        var failure = await Assert.ThrowsAsync<FailException>(() => VerifyAnalyzer.DiagnosticsAsync(
            "using System.Net.Http; using System.Threading.Tasks; class C { async Task M(HttpClient c) { using var r = await c.GetAsync(\"u\"); } }",
            test => test.LanguageVersion = Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp7_3));
        Assert.Contains("CS8370", failure.Message);
    }

    [Theory]
    [InlineData("a [|b", "never closed")]
    [InlineData("a |] b", "without an opening")]
    [InlineData("a [|b|} c", "wrong bracket")]
    public void Malformed_markup_is_rejected(string markup, string message)
    {
        var failure = Assert.Throws<FormatException>(() => Markup.Parse(markup));
        Assert.Contains(message, failure.Message);
    }

    [Fact]
    public void Markup_yields_spans_and_ids()
    {
        var (text, spans) = Markup.Parse("a [|bc|] {|LEAK008:d{|LEAK001:e|}|}");
        Assert.Equal("a bc de", text);
        Assert.Contains((new TextSpan(2, 2), (string?)null), spans);
        Assert.Contains((new TextSpan(6, 1), (string?)"LEAK001"), spans);
        Assert.Contains((new TextSpan(5, 2), (string?)"LEAK008"), spans);
    }
}
