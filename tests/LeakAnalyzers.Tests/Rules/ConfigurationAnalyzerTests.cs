using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

public sealed class ConfigurationAnalyzerTests
{
    private const string Source = "class C { }";

    private static async Task<Diagnostic[]> AnalyzeAsync(string? editorConfig, string? globalConfig = null, int documents = 1)
    {
        var test = new LeakTest(new ConfigurationAnalyzer()) { EditorConfig = editorConfig, GlobalConfig = globalConfig };
        for (var i = 0; i < documents; i++)
        {
            test.WithSource($"class C{i} {{ }}");
        }

        return (await test.GetAnalyzerDiagnosticsAsync(await test.CreateProjectAsync())).ToArray();
    }

    [Theory]
    [InlineData("leak_analyzers.default_timeout = abc", "leak_analyzers.default_timeout", "positive number of seconds")]
    [InlineData("leak_analyzers.default_timeout = -5", "leak_analyzers.default_timeout", "positive number of seconds")]
    [InlineData("leak_analyzers.LEAK002.ignore_tests = sometimes", "leak_analyzers.leak002.ignore_tests", "true or false")]
    [InlineData("leak_analyzers.client_types = Company.Sdk.Missing", "leak_analyzers.client_types", "Company.Sdk.Missing")]
    [InlineData("leak_analyzers.disposing_methods = Close Quietly", "leak_analyzers.disposing_methods", "not a method name")]
    [InlineData("leak_analyzers.client_type = System.Net.Sockets.TcpClient", "leak_analyzers.client_type", "unknown key")]
    public async Task Unusable_values_are_reported_once_with_key_value_and_what_is_accepted(string line, string key, string accepted)
    {
        var diagnostics = await AnalyzeAsync(line, documents: 3);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("LEAK900", diagnostic.Id);
        Assert.Equal(Location.None, diagnostic.Location);
        var message = diagnostic.GetMessage();
        Assert.Contains(key, message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(line.Split(" = ")[1], message);
        Assert.Contains(accepted, message);
    }

    [Fact]
    public async Task Global_config_values_are_checked_too()
    {
        var diagnostic = Assert.Single(await AnalyzeAsync(editorConfig: null, globalConfig: "leak_analyzers.default_timeout = 0"));
        Assert.Contains("leak_analyzers.default_timeout", diagnostic.GetMessage());
    }

    [Fact]
    public async Task Valid_values_and_other_tools_keys_are_not_reported()
    {
        var diagnostics = await AnalyzeAsync("""
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

        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task Each_bad_key_is_reported_separately()
    {
        var diagnostics = await AnalyzeAsync("""
            leak_analyzers.default_timeout = never
            leak_analyzers.client_types = Nope
            """);

        Assert.Equal(2, diagnostics.Length);
    }

    [Fact]
    public Task The_rules_keep_working_with_their_defaults() => Verify<HttpResponseDisposalAnalyzer>.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client) => await [|client.PostAsync("http://localhost/", null)|];
        }
        """, test => test.EditorConfig = "leak_analyzers.disposing_methods = 123\nleak_analyzers.ownership_transfer_methods = ,,;");
}
