using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using ConfigTest = LeakAnalyzers.Tests.Verification.LeakTest<LeakAnalyzers.Rules.ConfigurationAnalyzer, Microsoft.CodeAnalysis.Testing.EmptyCodeFixProvider>;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.ConfigurationAnalyzer>;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>
/// LEAK900 is reported once per compilation per key, with no location unless the configuration
/// file is also an additional file (as the package's build/LeakAnalyzers.targets makes it), where
/// it points at the setting's value.
/// </summary>
public sealed class ConfigurationAnalyzerTests
{
    private const string Source = "class C0 { }";

    private static DiagnosticResult Leak900 => new(ConfigurationAnalyzer.Rule);

    /// <summary>Documents besides <c>/0/Test0.cs</c>: each one sees the same settings.</summary>
    private static void AddDocuments(ConfigTest test, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            test.TestState.Sources.Add(($"/0/Test{i}.cs", $"class C{i} {{ }}"));
        }
    }

    [Theory]
    [InlineData("leak_analyzers.default_timeout = abc", "leak_analyzers.default_timeout", "'abc' ignored (expected a positive number of seconds, such as 30); the code fixes write the default, 30 seconds")]
    [InlineData("leak_analyzers.default_timeout = -5", "leak_analyzers.default_timeout", "'-5' ignored (expected a positive number of seconds")]
    [InlineData("leak_analyzers.LEAK002.ignore_tests = sometimes", "leak_analyzers.leak002.ignore_tests", "'sometimes' ignored (expected true or false); LEAK002 uses the default, false")]
    [InlineData("leak_analyzers.client_types = Company.Sdk.Missing", "leak_analyzers.client_types", "'Company.Sdk.Missing' ignored (no such type in this compilation; expected metadata names such as Company.Sdk.InventoryClient or Company.Sdk.Pool`1); no entry applies")]
    [InlineData("leak_analyzers.disposing_methods = Close Quietly", "leak_analyzers.disposing_methods", "'Close Quietly' ignored (not a method name; expected Method, Type.Method or Namespace.Type.Method); no entry applies")]
    [InlineData("leak_analyzers.client_type = System.Net.Sockets.TcpClient", "leak_analyzers.client_type", "ignored: no such setting (did you mean leak_analyzers.client_types? known settings: ")]
    public Task Unusable_values_are_reported_once_with_key_value_and_exactly_what_is_ignored(string line, string key, string ignored) =>
        VerifyAnalyzer.DiagnosticsAsync(Source, test =>
        {
            test.EditorConfig = line;
            AddDocuments(test, 2);

            // One diagnostic for three documents. Which document's options are read first is up to
            // concurrent analysis, so the message is checked below, up to the document's path
            // (a result made from the id, unlike one made from the descriptor, sets no message).
            test.ExpectedDiagnostics.Add(new DiagnosticResult(ConfigurationAnalyzer.Rule.Id, DiagnosticSeverity.Warning).WithNoLocation());
            test.DiagnosticVerifier = (diagnostic, _, verifier) =>
            {
                var message = diagnostic.GetMessage();
                verifier.True(message.StartsWith($"'{key} = {line.Split(" = ")[1]}' (set in the .editorconfig that applies to /0/Test", StringComparison.OrdinalIgnoreCase), message);
                verifier.True(message.Contains(ignored, StringComparison.Ordinal), message);
                verifier.True(!message.Contains("use their default instead", StringComparison.Ordinal), message);
            };
        });

    [Fact]
    public Task Only_the_unknown_entries_of_a_list_are_named_and_the_others_apply() => VerifyAnalyzer.DiagnosticsAsync(Source, test =>
    {
        test.EditorConfig = "leak_analyzers.client_types = System.Net.Sockets.TcpClient, Foo.Bar, Company.Missing`1";
        test.ExpectedDiagnostics.Add(Leak900.WithNoLocation().WithMessage(
            "'leak_analyzers.client_types = System.Net.Sockets.TcpClient, Foo.Bar, Company.Missing`1' (set in the .editorconfig that applies to /0/Test0.cs): " +
            "'Foo.Bar', 'Company.Missing`1' ignored (no such type in this compilation; expected metadata names such as Company.Sdk.InventoryClient or Company.Sdk.Pool`1); the other entries apply"));
    });

    [Fact]
    public Task Only_the_invalid_method_names_of_a_list_are_named() => VerifyAnalyzer.DiagnosticsAsync(Source, test =>
    {
        test.EditorConfig = "leak_analyzers.disposing_methods = CloseQuietly, Close Quietly, Http..Release";
        test.ExpectedDiagnostics.Add(Leak900.WithNoLocation().WithMessage(
            "'leak_analyzers.disposing_methods = CloseQuietly, Close Quietly, Http..Release' (set in the .editorconfig that applies to /0/Test0.cs): " +
            "'Close Quietly', 'Http..Release' ignored (not a method name; expected Method, Type.Method or Namespace.Type.Method); the other entries apply"));
    });

    [Fact]
    public Task Global_config_values_are_checked_and_their_origin_named() => VerifyAnalyzer.DiagnosticsAsync(Source, test =>
    {
        test.GlobalConfig = "leak_analyzers.default_timeout = 0";
        test.ExpectedDiagnostics.Add(Leak900.WithNoLocation().WithArguments(
            "leak_analyzers.default_timeout",
            "0",
            " (set in a .globalconfig)",
            "'0' ignored (expected a positive number of seconds, such as 30); the code fixes write the default, 30 seconds"));
    });

    [Fact]
    public Task The_setting_line_is_the_location_when_the_config_file_is_an_additional_file() => VerifyAnalyzer.DiagnosticsAsync(Source, test =>
    {
        // Lines 1-3 of the .editorconfig are "root = true", "" and "[*.cs]"; line 1 of the .globalconfig is "is_global = true".
        test.EditorConfig = "# timeouts\nleak_analyzers.default_timeout =  abc\nleak_analyzers.client_types = Foo.Bar";
        test.GlobalConfig = "leak_analyzers.LEAK002.ignore_tests = sometimes";
        test.ConfigFilesAsAdditionalFiles = true;
        AddDocuments(test, 1);
        test.ExpectedDiagnostics.Add(Leak900.WithSpan(ConfigTest.EditorConfigPath, 5, 35, 5, 38).WithMessage(
            "'leak_analyzers.default_timeout = abc': 'abc' ignored (expected a positive number of seconds, such as 30); the code fixes write the default, 30 seconds"));
        test.ExpectedDiagnostics.Add(Leak900.WithLocation(ConfigTest.EditorConfigPath, 6, 31).WithArguments(
            "leak_analyzers.client_types",
            "Foo.Bar",
            "",
            "'Foo.Bar' ignored (no such type in this compilation; expected metadata names such as Company.Sdk.InventoryClient or Company.Sdk.Pool`1); no entry applies"));
        test.ExpectedDiagnostics.Add(Leak900.WithLocation(ConfigTest.GlobalConfigPath, 2, 39).WithMessage(
            "'leak_analyzers.leak002.ignore_tests = sometimes': 'sometimes' ignored (expected true or false); LEAK002 uses the default, false (test code is reported)"));
    });

    [Fact]
    public Task List_entries_after_a_semicolon_are_named_because_the_compiler_reads_a_comment() => VerifyAnalyzer.DiagnosticsAsync(Source, test =>
    {
        test.EditorConfig = "leak_analyzers.client_types = System.Net.Sockets.TcpClient; System.Net.Mail.SmtpClient # SDK clients";
        test.ConfigFilesAsAdditionalFiles = true;
        test.ExpectedDiagnostics.Add(Leak900.WithLocation(ConfigTest.EditorConfigPath, 4, 31).WithMessage(
            "'leak_analyzers.client_types = System.Net.Sockets.TcpClient': 'System.Net.Mail.SmtpClient' after ';' ignored (.editorconfig and .globalconfig read ';' and '#' as the start of a comment: separate entries with commas)"));
    });

    [Fact]
    public Task A_comment_after_a_valid_value_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync(Source, test =>
    {
        test.EditorConfig = "leak_analyzers.client_types = System.Net.Sockets.TcpClient # SDK clients\nleak_analyzers.default_timeout = 10 ; seconds";
        test.ConfigFilesAsAdditionalFiles = true;
    });

    [Fact]
    public Task Valid_values_and_other_tools_keys_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync(Source, test =>
    {
        test.EditorConfig = """
            leak_analyzers.default_timeout = 12.5
            leak_analyzers.LEAK002.ignore_tests = true
            leak_analyzers.client_types = System.Net.Sockets.TcpClient, System.Collections.Generic.List`1
            leak_analyzers.client_types_exclude = System.Net.Mail.SmtpClient
            leak_analyzers.request_types = Microsoft.AspNetCore.Http.HttpContext
            leak_analyzers.disposing_methods = CloseQuietly, Http.Release, Company.Http.Helpers.Release
            leak_analyzers.ownership_transfer_methods = Track
            dotnet_diagnostic.LEAK001.severity = error
            dotnet_code_quality.CA2000.excluded_symbol_names = Foo
            """;
        test.ConfigFilesAsAdditionalFiles = true;
    });

    [Fact]
    public Task Each_bad_key_is_reported_separately() => VerifyAnalyzer.DiagnosticsAsync(Source, test =>
    {
        test.EditorConfig = """
            leak_analyzers.default_timeout = never
            leak_analyzers.client_types = Nope
            """;
        test.ExpectedDiagnostics.Add(Leak900.WithNoLocation().WithArguments(
            "leak_analyzers.default_timeout",
            "never",
            " (set in the .editorconfig that applies to /0/Test0.cs)",
            "'never' ignored (expected a positive number of seconds, such as 30); the code fixes write the default, 30 seconds"));
        test.ExpectedDiagnostics.Add(Leak900.WithNoLocation().WithArguments(
            "leak_analyzers.client_types",
            "Nope",
            " (set in the .editorconfig that applies to /0/Test0.cs)",
            "'Nope' ignored (no such type in this compilation; expected metadata names such as Company.Sdk.InventoryClient or Company.Sdk.Pool`1); no entry applies"));
    });

    [Fact]
    public Task The_rules_keep_working_with_their_defaults() => Verify<HttpResponseDisposalAnalyzer>.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client) => await [|client.PostAsync("http://localhost/", null)|];
        }
        """, test => test.EditorConfig = "leak_analyzers.disposing_methods = 123\nleak_analyzers.ownership_transfer_methods = ,,;");
}
