using LeakAnalyzers.CodeFixes.Rules;
using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer, LeakAnalyzers.CodeFixes.Rules.DisposeWithUsingCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class HttpResponseDisposalAnalyzerTests
{
    [Fact]
    public Task Local_never_disposed_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string> M(HttpClient client)
            {
                var response = await [|client.GetAsync("http://localhost/")|];
                return await response.Content.ReadAsStringAsync();
            }
        }
        """);
}
