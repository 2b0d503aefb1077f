using System.Collections.Immutable;
using System.Text;
using LeakAnalyzers.Tests.Infrastructure;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace LeakAnalyzers.Tests.Robustness;

/// <summary>
/// Code being typed is broken most of the time. Every analyzer and every code fix (where a
/// diagnostic appears) runs over deterministic broken variants of the test sources: cut short,
/// tokens deleted, braces unbalanced, references missing. No exception may escape and no AD0001
/// may be reported.
/// </summary>
public sealed class BrokenCodeTests
{
    private const int Seed = 5;
    private const int CutsPerSource = 6;
    private const int TokenDeletionsPerSource = 4;
    private const int FixedDiagnosticsPerVariant = 3;

    /// <summary>One leak of each rule, in the shapes the code fixes rewrite.</summary>
    private static readonly (string Name, string Text)[] LeakSnippets =
    {
        ("Leak001.cs", """
            public sealed class Api(HttpClient client)
            {
                public async Task<string> GetAsync(string url, CancellationToken cancellationToken)
                {
                    var response = await client.GetAsync(url, cancellationToken);
                    response.EnsureSuccessStatusCode();
                    var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    return await new StreamReader(body).ReadToEndAsync(cancellationToken);
                }
            }
            """),
        ("Leak002.cs", """
            public static class Pinger
            {
                public static async Task<bool> PingAsync(string url)
                {
                    using var client = new HttpClient();
                    var response = await client.GetAsync(url);
                    return response.IsSuccessStatusCode;
                }

                public static Task<string> InlineAsync(string url) => new HttpClient().GetStringAsync(url);
            }
            """),
        ("Leak003.cs", """
            using System.Net.Sockets;

            public static class Probe
            {
                public static async Task<bool> ConnectAsync(string host, int port, CancellationToken cancellationToken)
                {
                    var tcp = new TcpClient();
                    await tcp.ConnectAsync(host, port, cancellationToken);
                    if (!tcp.Connected)
                    {
                        return false;
                    }

                    tcp.Dispose();
                    return true;
                }
            }
            """),
        ("Leak004.cs", """
            public sealed class Notifier
            {
                private readonly HttpClient _http = new();

                public void OrderPlaced(int id)
                {
                    _ = Task.Run(async () => await _http.PostAsync("http://localhost/mail/" + id, null));
                    _ = _http.GetStringAsync("http://localhost/audit/" + id);
                }
            }
            """),
        ("Leak005.cs", """
            public sealed class Quotes
            {
                private readonly HttpClient _http = new();

                public async Task<string[]> AllAsync(string[] skus)
                {
                    var tasks = skus.Select(sku => _http.GetStringAsync("http://localhost/price/" + sku));
                    return await Task.WhenAll(tasks);
                }
            }
            """),
        ("Leak006.cs", """
            public sealed class Stock
            {
                private readonly HttpClient _http = new();

                public async Task<string?> LevelAsync(string sku)
                {
                    var work = _http.GetStringAsync("http://localhost/stock/" + sku);
                    if (await Task.WhenAny(work, Task.Delay(TimeSpan.FromSeconds(2))) != work)
                    {
                        return null;
                    }

                    return await work;
                }

                public async Task<string> ReserveAsync(string sku) =>
                    await _http.GetStringAsync("http://localhost/reserve/" + sku).WaitAsync(TimeSpan.FromSeconds(2));
            }
            """),
        ("Leak007.cs", """
            using System.Diagnostics;
            using Microsoft.AspNetCore.Http;

            public static class Timers
            {
                private static readonly Dictionary<HttpContext, Stopwatch> s_timers = new();

                public static void Start(HttpContext context) => s_timers[context] = Stopwatch.StartNew();

                public static TimeSpan Stop(HttpContext context)
                {
                    if (!s_timers.TryGetValue(context, out var timer))
                    {
                        return TimeSpan.Zero;
                    }

                    s_timers.Remove(context);
                    return timer.Elapsed;
                }
            }
            """),
        ("Leak008.cs", """
            public sealed class Worker
            {
                public async Task RunAsync(Func<CancellationToken, Task> work, CancellationToken cancellationToken)
                {
                    var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    var other = new CancellationTokenSource(1000);
                    await Task.WhenAll(work(timeout.Token), work(other.Token));
                    Action local = () => other.Cancel();
                    local();
                }
            }
            """),
    };

    [Fact]
    public async Task Analyzers_and_code_fixes_survive_broken_code()
    {
        var analyzers = AllComponents.Analyzers();
        var fixers = AllComponents.CodeFixes();
        var random = new Random(Seed);
        var failures = new List<string>();
        var variants = 0;
        var rulesSeen = new SortedSet<string>(StringComparer.Ordinal);
        var fixesApplied = 0;
        foreach (var (name, text) in Sources())
        {
            foreach (var variant in Variants(name, text, random))
            {
                variants++;
                try
                {
                    var (ruleIds, fixes) = await AnalyzeAndFixAsync(variant, analyzers, fixers);
                    rulesSeen.UnionWith(ruleIds);
                    fixesApplied += fixes;
                }
                catch (Exception ex)
                {
                    failures.Add($"{variant.Description}: {ex}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {variants} broken variants failed:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(10))}");

        // The variants must exercise the rules and the fixes, or this test proves nothing.
        // Every rule must report on some broken variant, whatever the mix of valid and leaking sources.
        var rulesNeverSeen = analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Where(id => id.StartsWith("LEAK0", StringComparison.Ordinal) && !rulesSeen.Contains(id)).Distinct().ToList();
        Assert.True(rulesNeverSeen.Count == 0, $"no broken variant was reported by {string.Join(", ", rulesNeverSeen)} over {variants} variants");
        Assert.True(fixesApplied > 10, $"only {fixesApplied} code fixes applied over {variants} variants");
    }

    private sealed record Variant(string Description, string Name, string Text, References References);

    private enum References
    {
        Framework,
        CoreOnly,
        None,
    }

    /// <summary>tests/ValidCode, samples (where present) and the leak snippets.</summary>
    private static IEnumerable<(string Name, string Text)> Sources()
    {
        foreach (var folder in new[] { Repository.PathOf("tests", "ValidCode"), Repository.PathOf("samples") }.Where(Directory.Exists))
        {
            var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
                .Where(path => !path.Split('/', '\\').Any(part => part is "bin" or "obj"))
                .OrderBy(path => path, StringComparer.Ordinal);
            foreach (var file in files)
            {
                yield return (Path.GetFileName(file), File.ReadAllText(file));
            }
        }

        foreach (var snippet in LeakSnippets)
        {
            yield return snippet;
        }
    }

    private static IEnumerable<Variant> Variants(string name, string text, Random random)
    {
        for (var cut = 1; cut <= CutsPerSource; cut++)
        {
            var at = text.Length * cut / (CutsPerSource + 1);
            yield return new Variant($"{name} cut at {at}", name, text[..at], References.Framework);
        }

        var tokens = CSharpSyntaxTree.ParseText(text).GetRoot().DescendantTokens().ToList();
        for (var deletion = 0; deletion < TokenDeletionsPerSource; deletion++)
        {
            var removed = Enumerable.Range(0, 1 + deletion % 3).Select(_ => tokens[random.Next(tokens.Count)]).Distinct().OrderByDescending(t => t.SpanStart).ToList();
            var builder = new StringBuilder(text);
            foreach (var token in removed)
            {
                builder.Remove(token.SpanStart, token.Span.Length);
            }

            yield return new Variant($"{name} without tokens {string.Join(", ", removed.Select(t => $"'{t.Text}'@{t.SpanStart}"))}", name, builder.ToString(), References.Framework);
        }

        var lastClose = text.LastIndexOf('}');
        if (lastClose >= 0)
        {
            yield return new Variant($"{name} without its last brace", name, text.Remove(lastClose, 1), References.Framework);
        }

        var open = tokens.Where(t => t.IsKind(SyntaxKind.OpenBraceToken)).ToList();
        if (open.Count > 0)
        {
            var at = open[random.Next(open.Count)].Span.End;
            yield return new Variant($"{name} with an extra brace at {at}", name, text.Insert(at, " { "), References.Framework);
            yield return new Variant($"{name} with an extra closing brace at {at}", name, text.Insert(at, " } "), References.Framework);
        }

        yield return new Variant($"{name} with only the core library", name, text, References.CoreOnly);
        yield return new Variant($"{name} with no references", name, text, References.None);
    }

    private static async Task<(IEnumerable<string> RuleIds, int Fixes)> AnalyzeAndFixAsync(
        Variant variant, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<CodeFixProvider> fixers)
    {
        var project = CreateProject(variant);
        var diagnostics = await BrokenCode.AnalyzeAsync(project, analyzers);

        var fixes = 0;
        foreach (var diagnostic in diagnostics.Where(d => d.Location.IsInSource).Take(FixedDiagnosticsPerVariant))
        {
            foreach (var fixer in fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
            {
                var document = project.GetDocument(diagnostic.Location.SourceTree)!;
                var actions = new List<CodeAction>();
                await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
                if (actions.Count == 0)
                {
                    continue;
                }

                foreach (var operation in (await actions[0].GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>())
                {
                    foreach (var changed in operation.ChangedSolution.GetChanges(project.Solution).GetProjectChanges().SelectMany(p => p.GetChangedDocuments()))
                    {
                        await operation.ChangedSolution.GetDocument(changed)!.GetSyntaxRootAsync();
                    }
                }

                fixes++;
            }
        }

        return (diagnostics.Select(d => d.Id), fixes);
    }

    private static Project CreateProject(Variant variant)
    {
        var references = variant.References switch
        {
            References.Framework => TestReferences.FrameworkReferences,
            References.CoreOnly => TestReferences.FrameworkReferences.Where(r => Path.GetFileName(r.Display) == "System.Runtime.dll").ToImmutableArray(),
            _ => ImmutableArray<MetadataReference>.Empty,
        };
        return BrokenCode.CreateProject(variant.Name, variant.Text, references);
    }
}
