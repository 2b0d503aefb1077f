using System.Text.Json.Nodes;
using LeakAnalyzers.Tests.Infrastructure;
using Xunit;

namespace LeakAnalyzers.Tests.Consumer;

/// <summary>
/// Squiggles in a real editor back end: csharp-ls (the repository's tool manifest) loads a
/// project that installed the packed package, and pulls the LEAK diagnostics of an open file
/// with their code, range and help link, as an editor shows them.
/// </summary>
[Trait("Category", "Consumer")]
[Collection(ConsumerCollection.Name)]
public sealed class LanguageServerTests
{
    private const string LeakingProgram = """
        internal static class Program
        {
            public static async Task<int> Main()
            {
                Console.WriteLine(await FetchStatusAsync(new HttpClient(), new Uri("http://localhost:5000/health"), CancellationToken.None));
                return 0;
            }

            private static async Task<string> FetchStatusAsync(HttpClient client, Uri uri, CancellationToken cancellationToken)
            {
                var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var response = await client.GetAsync(uri, timeout.Token);
                return response.StatusCode.ToString();
            }
        }
        """;

    /// <summary>Loading a project (restore, design-time build) and analyzing it takes a while on a busy 2-core machine: wait generously, poll calmly.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly PackedPackage _package;

    public LanguageServerTests(PackedPackage package) => _package = package;

    [Fact]
    public async Task Csharp_ls_shows_LEAK001_and_LEAK008_with_their_range_and_help_link()
    {
        using var project = new ConsumerProject(_package, LeakingProgram);
        var restore = await ProcessRunner.DotNetAsync(project.Directory, "restore");
        Assert.True(restore.Succeeded, restore.ToString());
        var tools = await ProcessRunner.DotNetAsync(Repository.Root, "tool", "restore");
        Assert.True(tools.Succeeded, tools.ToString());

        using var patience = new CancellationTokenSource(Patience);
        await using var server = LanguageServer.StartDotNetTool(
            Repository.Root,
            "csharp-ls",
            section => section == "csharp" ? new JsonObject { ["analyzersEnabled"] = true } : null,
            "--loglevel", "info");

        var projectUri = new Uri(project.Directory + Path.DirectorySeparatorChar).AbsoluteUri;
        var programUri = new Uri(project.ProgramPath).AbsoluteUri;
        await server.RequestAsync("initialize", new JsonObject
        {
            ["processId"] = Environment.ProcessId,
            ["rootUri"] = projectUri,
            ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = projectUri, ["name"] = "Consumer" }),
            ["capabilities"] = new JsonObject
            {
                ["workspace"] = new JsonObject { ["configuration"] = true, ["workspaceFolders"] = true },
                ["textDocument"] = new JsonObject
                {
                    ["diagnostic"] = new JsonObject { ["dynamicRegistration"] = false },
                    ["publishDiagnostics"] = new JsonObject { ["codeDescriptionSupport"] = true },
                },
            },
        }, patience.Token);
        await server.NotifyAsync("initialized", new JsonObject(), patience.Token);
        await server.NotifyAsync("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = programUri, ["languageId"] = "csharp", ["version"] = 1, ["text"] = project.Program },
        }, patience.Token);

        var leaks = await PullUntilAsync(server, programUri, ids => ids.Contains("LEAK001") && ids.Contains("LEAK008"), patience.Token);

        AssertSquiggle(leaks, "LEAK001", "client.GetAsync(uri, timeout.Token)");
        AssertSquiggle(leaks, "LEAK008", "CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)");
    }

    /// <summary>Pulls the document's diagnostics until <paramref name="done"/> holds for their codes: the first answers come before the project is loaded.</summary>
    private static async Task<List<JsonNode>> PullUntilAsync(LanguageServer server, string uri, Func<HashSet<string>, bool> done, CancellationToken cancellationToken)
    {
        var items = new List<JsonNode>();
        try
        {
            while (true)
            {
                var report = await server.RequestAsync("textDocument/diagnostic", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } }, cancellationToken);
                items = (report?["items"]?.AsArray() ?? new JsonArray()).Where(item => item is not null).Select(item => item!).ToList();
                if (done(items.Select(Code).ToHashSet(StringComparer.Ordinal)))
                {
                    return items;
                }

                await Task.Delay(PollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(
                $"csharp-ls did not report the leaks within {Patience.TotalMinutes} minutes. Last diagnostics:{Environment.NewLine}" +
                string.Join(Environment.NewLine, items.Select(item => item.ToJsonString())) +
                $"{Environment.NewLine}Server log:{Environment.NewLine}{server.Log}");
        }
    }

    /// <summary>The diagnostic's code, its help link, and a range covering exactly <paramref name="flagged"/> (LSP positions: zero-based lines and UTF-16 columns).</summary>
    private static void AssertSquiggle(List<JsonNode> items, string id, string flagged)
    {
        var diagnostic = Assert.Single(items, item => Code(item) == id);
        var lines = LeakingProgram.Split('\n');
        var line = Array.FindIndex(lines, text => text.Contains(flagged, StringComparison.Ordinal));
        var column = lines[line].IndexOf(flagged, StringComparison.Ordinal);

        var range = diagnostic["range"]!;
        Assert.Equal(
            (line, column, line, column + flagged.Length),
            (range["start"]!["line"]!.GetValue<int>(), range["start"]!["character"]!.GetValue<int>(), range["end"]!["line"]!.GetValue<int>(), range["end"]!["character"]!.GetValue<int>()));
        Assert.Equal($"https://github.com/leakanalyzers/LeakAnalyzers/blob/main/docs/rules/{id}.md", diagnostic["codeDescription"]?["href"]?.GetValue<string>());
    }

    private static string Code(JsonNode item) => item["code"]?.ToString() ?? string.Empty;
}
