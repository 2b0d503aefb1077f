using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

public sealed class ConfigurationAnalyzerTests
{
    /// <summary>
    /// Runs LEAK900 over a project of <paramref name="documents"/> documents: the diagnostics are
    /// compilation-level (no location), one per unusable key, whose messages contain the given texts.
    /// </summary>
    private static Task VerifyAsync(string? editorConfig, string? globalConfig = null, int documents = 1, params string[][] messageParts) =>
        Verify<ConfigurationAnalyzer>.DiagnosticsAsync("class C0 { }", test =>
        {
            test.EditorConfig = editorConfig;
            test.GlobalConfig = globalConfig;
            for (var i = 1; i < documents; i++)
            {
                test.TestState.Sources.Add($"class C{i} {{ }}");
            }

            // One diagnostic per unusable key, each message matching one group of parts.
            test.ExpectedDiagnostics.AddRange(messageParts.Select(_ => new DiagnosticResult(ConfigurationAnalyzer.Rule.Id, DiagnosticSeverity.Warning)));
            var unmatched = messageParts.ToList();
            test.DiagnosticVerifier = (diagnostic, _, _) =>
            {
                Assert.Equal(Location.None, diagnostic.Location);
                var parts = unmatched.FirstOrDefault(parts => parts.All(part => diagnostic.GetMessage().Contains(part, StringComparison.OrdinalIgnoreCase)));
                Assert.True(parts is not null, $"unexpected message: {diagnostic.GetMessage()}");
                unmatched.Remove(parts);
            };
        });

    [Theory]
    [InlineData("leak_analyzers.default_timeout = abc", "leak_analyzers.default_timeout", "positive number of seconds")]
    [InlineData("leak_analyzers.default_timeout = -5", "leak_analyzers.default_timeout", "positive number of seconds")]
    [InlineData("leak_analyzers.LEAK002.ignore_tests = sometimes", "leak_analyzers.leak002.ignore_tests", "true or false")]
    [InlineData("leak_analyzers.client_types = Company.Sdk.Missing", "leak_analyzers.client_types", "Company.Sdk.Missing")]
    [InlineData("leak_analyzers.disposing_methods = Close Quietly", "leak_analyzers.disposing_methods", "not a method name")]
    [InlineData("leak_analyzers.client_type = System.Net.Sockets.TcpClient", "leak_analyzers.client_type", "unknown key")]
    public Task Unusable_values_are_reported_once_with_key_value_and_what_is_accepted(string line, string key, string accepted) =>
        VerifyAsync(line, documents: 3, messageParts: new[] { key, line.Split(" = ")[1], accepted });

    [Fact]
    public Task Global_config_values_are_checked_too() =>
        VerifyAsync(editorConfig: null, globalConfig: "leak_analyzers.default_timeout = 0", messageParts: new[] { "leak_analyzers.default_timeout" });

    [Fact]
    public Task Valid_values_and_other_tools_keys_are_not_reported() => VerifyAsync("""
            leak_analyzers.default_timeout = 12.5
            leak_analyzers.LEAK002.ignore_tests = true
            leak_analyzers.client_types = System.Net.Sockets.TcpClient, System.Collections.Generic.List`1
            leak_analyzers.client_types_exclude = System.Net.Mail.SmtpClient
            leak_analyzers.request_types = Microsoft.AspNetCore.Http.HttpContext
            leak_analyzers.disposing_methods = CloseQuietly, Http.Release, Company.Http.Helpers.Release
            leak_analyzers.ownership_transfer_methods = Track
            dotnet_diagnostic.LEAK001.severity = error
            dotnet_code_quality.CA2000.excluded_symbol_names = Foo
            """);

    [Fact]
    public Task Each_bad_key_is_reported_separately() => VerifyAsync("""
            leak_analyzers.default_timeout = never
            leak_analyzers.client_types = Nope
            """, messageParts: new[] { new[] { "never" }, new[] { "Nope" } });

    [Fact]
    public Task The_rules_keep_working_with_their_defaults() => Verify<HttpResponseDisposalAnalyzer>.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client) => await [|client.PostAsync("http://localhost/", null)|];
        }
        """, test => test.EditorConfig = "leak_analyzers.disposing_methods = 123\nleak_analyzers.ownership_transfer_methods = ,,;");
}
