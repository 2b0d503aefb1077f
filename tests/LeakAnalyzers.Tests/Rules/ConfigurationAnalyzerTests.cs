using System.Collections.Immutable;
using System.Text;
using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>
/// LEAK900 has no source location, so these tests read its diagnostics directly: a project with
/// an .editorconfig (and a .globalconfig), optionally handed to the analyzers as additional files
/// the way the package's build/LeakAnalyzers.targets does.
/// </summary>
public sealed class ConfigurationAnalyzerTests
{
    private const string EditorConfigPath = "/src/Project/.editorconfig";
    private const string GlobalConfigPath = "/src/Project/.globalconfig";

    private static async Task<Diagnostic[]> AnalyzeAsync(string? editorConfig, string? globalConfig = null, int documents = 1, bool configAsAdditionalFiles = false)
    {
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId, VersionStamp.Default, "Project", "Project", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary),
            metadataReferences: TestReferences.FrameworkReferences));
        for (var i = 0; i < documents; i++)
        {
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId), $"C{i}.cs", SourceText.From($"class C{i} {{ }}", Encoding.UTF8), filePath: $"/src/Project/C{i}.cs");
        }

        var configs = new List<(string Path, string Text)> { (EditorConfigPath, "root = true\n\n[*.cs]\n" + editorConfig + "\n") };
        if (globalConfig is not null)
        {
            configs.Add((GlobalConfigPath, "is_global = true\n" + globalConfig + "\n"));
        }

        foreach (var (path, text) in configs)
        {
            solution = solution.AddAnalyzerConfigDocument(DocumentId.CreateNewId(projectId), Path.GetFileName(path), SourceText.From(text, Encoding.UTF8), filePath: path);
            if (configAsAdditionalFiles)
            {
                solution = solution.AddAdditionalDocument(DocumentId.CreateNewId(projectId), Path.GetFileName(path), SourceText.From(text, Encoding.UTF8), filePath: path);
            }
        }

        var project = solution.GetProject(projectId)!;
        var compilation = (await project.GetCompilationAsync())!;
        var exceptions = new List<Exception>();
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new ConfigurationAnalyzer()), new CompilationWithAnalyzersOptions(project.AnalyzerOptions, (e, _, _) => exceptions.Add(e), concurrentAnalysis: true, logAnalyzerExecutionTime: false))
            .GetAnalyzerDiagnosticsAsync();
        Assert.Empty(exceptions);
        return diagnostics.ToArray();
    }

    [Theory]
    [InlineData("leak_analyzers.default_timeout = abc", "leak_analyzers.default_timeout", "'abc' ignored (expected a positive number of seconds, such as 30); the code fixes write the default, 30 seconds")]
    [InlineData("leak_analyzers.default_timeout = -5", "leak_analyzers.default_timeout", "'-5' ignored (expected a positive number of seconds")]
    [InlineData("leak_analyzers.LEAK002.ignore_tests = sometimes", "leak_analyzers.leak002.ignore_tests", "'sometimes' ignored (expected true or false); LEAK002 uses the default, false")]
    [InlineData("leak_analyzers.client_types = Company.Sdk.Missing", "leak_analyzers.client_types", "'Company.Sdk.Missing' ignored (no such type in this compilation; expected metadata names such as Company.Sdk.InventoryClient or Company.Sdk.Pool`1); no entry applies")]
    [InlineData("leak_analyzers.disposing_methods = Close Quietly", "leak_analyzers.disposing_methods", "'Close Quietly' ignored (not a method name; expected Method, Type.Method or Namespace.Type.Method); no entry applies")]
    [InlineData("leak_analyzers.client_type = System.Net.Sockets.TcpClient", "leak_analyzers.client_type", "ignored: no such setting (did you mean leak_analyzers.client_types? known settings: ")]
    public async Task Unusable_values_are_reported_once_with_key_value_and_exactly_what_is_ignored(string line, string key, string ignored)
    {
        var diagnostics = await AnalyzeAsync(line, documents: 3);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("LEAK900", diagnostic.Id);
        Assert.Equal(Location.None, diagnostic.Location);
        var message = diagnostic.GetMessage();
        Assert.StartsWith($"'{key} = {line.Split(" = ")[1]}' (set in the .editorconfig that applies to /src/Project/C", message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(ignored, message);
        Assert.DoesNotContain("use their default instead", message);
    }

    [Fact]
    public async Task Only_the_unknown_entries_of_a_list_are_named_and_the_others_apply()
    {
        var diagnostic = Assert.Single(await AnalyzeAsync("leak_analyzers.client_types = System.Net.Sockets.TcpClient, Foo.Bar, Company.Missing`1"));

        Assert.EndsWith(": 'Foo.Bar', 'Company.Missing`1' ignored (no such type in this compilation; expected metadata names such as Company.Sdk.InventoryClient or Company.Sdk.Pool`1); the other entries apply", diagnostic.GetMessage());
    }

    [Fact]
    public async Task Only_the_invalid_method_names_of_a_list_are_named()
    {
        var diagnostic = Assert.Single(await AnalyzeAsync("leak_analyzers.disposing_methods = CloseQuietly, Close Quietly, Http..Release"));

        Assert.EndsWith(": 'Close Quietly', 'Http..Release' ignored (not a method name; expected Method, Type.Method or Namespace.Type.Method); the other entries apply", diagnostic.GetMessage());
    }

    [Fact]
    public async Task Global_config_values_are_checked_and_their_origin_named()
    {
        var diagnostic = Assert.Single(await AnalyzeAsync(editorConfig: null, globalConfig: "leak_analyzers.default_timeout = 0"));

        Assert.StartsWith("'leak_analyzers.default_timeout = 0' (set in a .globalconfig): '0' ignored", diagnostic.GetMessage());
    }

    [Fact]
    public async Task The_setting_line_is_the_location_when_the_config_file_is_an_additional_file()
    {
        var diagnostics = await AnalyzeAsync(
            "# timeouts\nleak_analyzers.default_timeout =  abc\nleak_analyzers.client_types = Foo.Bar",
            globalConfig: "leak_analyzers.LEAK002.ignore_tests = sometimes",
            documents: 2,
            configAsAdditionalFiles: true);

        Assert.Equal(3, diagnostics.Length);
        var timeout = diagnostics.Single(d => d.GetMessage().Contains("default_timeout", StringComparison.Ordinal));
        Assert.Equal(LocationKind.ExternalFile, timeout.Location.Kind);
        var span = timeout.Location.GetLineSpan();
        Assert.Equal(EditorConfigPath, span.Path);
        Assert.Equal(new LinePosition(4, 34), span.StartLinePosition); // line 5, column 35: "abc" after "root = true", "", "[*.cs]", "# timeouts"
        Assert.Equal(new LinePosition(4, 37), span.EndLinePosition);
        Assert.StartsWith("'leak_analyzers.default_timeout = abc': 'abc' ignored", timeout.GetMessage());

        var types = diagnostics.Single(d => d.GetMessage().Contains("client_types", StringComparison.Ordinal)).Location.GetLineSpan();
        Assert.Equal((EditorConfigPath, 5), (types.Path, types.StartLinePosition.Line));

        var global = diagnostics.Single(d => d.GetMessage().Contains("ignore_tests", StringComparison.OrdinalIgnoreCase)).Location.GetLineSpan();
        Assert.Equal((GlobalConfigPath, 1), (global.Path, global.StartLinePosition.Line));
    }

    [Fact]
    public async Task List_entries_after_a_semicolon_are_named_because_the_compiler_reads_a_comment()
    {
        var diagnostic = Assert.Single(await AnalyzeAsync(
            "leak_analyzers.client_types = System.Net.Sockets.TcpClient; System.Net.Mail.SmtpClient # SDK clients",
            configAsAdditionalFiles: true));

        Assert.Equal("'leak_analyzers.client_types = System.Net.Sockets.TcpClient': 'System.Net.Mail.SmtpClient' after ';' ignored (.editorconfig and .globalconfig read ';' and '#' as the start of a comment: separate entries with commas)", diagnostic.GetMessage());
        Assert.Equal(3, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public async Task A_comment_after_a_valid_value_is_not_reported()
    {
        Assert.Empty(await AnalyzeAsync("leak_analyzers.client_types = System.Net.Sockets.TcpClient # SDK clients\nleak_analyzers.default_timeout = 10 ; seconds", configAsAdditionalFiles: true));
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
            """, configAsAdditionalFiles: true);

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
