using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Xunit;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>
/// Task origins and "not observed" (docs/rules/LEAK004.md, LEAK005.md): every shape, once where no call receives a token
/// (reported) and once where the same shape gives the work a token (quiet).
/// </summary>
public sealed class TaskOriginShapeTests
{
    private const string Members = """
            private readonly HttpClient client = new();

            ValueTask SendAsync(string message, CancellationToken cancellationToken = default) => default;

            static int Hash(string text) => text.Length;

            async Task NotifyAsync(int id) => await client.GetStringAsync("http://n/" + id);

            async Task<int> ComputeAsync(int id) { await Task.Yield(); return Hash(id.ToString()); }
        """;

    private const string Helpers = """
        static class FireAndForgetExtensions
        {
            public static void Forget(this Task task) { }
            public static void SafeFireAndForget(this ValueTask task, Action<Exception>? onException = null) { }
            public static void Track(this Task task) { }
        }
        """;

    private static string Source(string body) => $$"""
        class C
        {
        {{Members}}

            async Task M(bool flag, int kind, string[] urls, CancellationToken token)
            {
                {{body}}
                await Task.Yield();
            }
        }

        {{Helpers}}
        """;

    [Theory]
    [InlineData( // a local never read afterwards (issue 15, shape 4)
        """var t2 = [|Task.Run(async () => await client.GetStringAsync("http://a/"))|];""",
        """var t2 = Task.Run(async () => await client.GetStringAsync("http://a/", token));""")]
    [InlineData( // a local written again and never read afterwards
        """Task t; t = [|client.GetStringAsync("http://a/")|];""",
        """Task t; t = client.GetStringAsync("http://a/", token);""")]
    [InlineData( // array
        """_ = Task.WhenAll(new[] { [|client.GetStringAsync("http://a/")|], [|client.GetStringAsync("http://b/")|] });""",
        """_ = Task.WhenAll(new[] { client.GetStringAsync("http://a/", token), client.GetStringAsync("http://b/", token) });""")]
    [InlineData( // list
        """var list = new List<Task>(); list.Add([|client.GetStringAsync("http://a/")|]); _ = Task.WhenAll(list);""",
        """var list = new List<Task>(); list.Add(client.GetStringAsync("http://a/", token)); _ = Task.WhenAll(list);""")]
    [InlineData( // Select
        """_ = Task.WhenAll(urls.Select(u => [|client.GetStringAsync(u)|]));""",
        """_ = Task.WhenAll(urls.Select(u => client.GetStringAsync(u, token)));""")]
    [InlineData( // LINQ query syntax
        """_ = Task.WhenAll(from u in urls select [|client.GetStringAsync(u)|]);""",
        """_ = Task.WhenAll(from u in urls select client.GetStringAsync(u, token));""")]
    [InlineData( // conditional
        """_ = flag ? [|client.GetStringAsync("http://a/")|] : [|client.GetStringAsync("http://b/")|];""",
        """_ = flag ? client.GetStringAsync("http://a/", token) : client.GetStringAsync("http://b/", token);""")]
    [InlineData( // switch expression
        """_ = kind switch { 1 => [|client.GetStringAsync("http://a/")|], _ => [|client.GetStringAsync("http://b/")|] };""",
        """_ = kind switch { 1 => client.GetStringAsync("http://a/", token), _ => client.GetStringAsync("http://b/", token) };""")]
    [InlineData( // collection expression and spread
        """Task[] first = [[|client.GetStringAsync("http://a/")|]]; _ = Task.WhenAll([.. first, [|client.GetStringAsync("http://b/")|]]);""",
        """Task[] first = [client.GetStringAsync("http://a/", token)]; _ = Task.WhenAll([.. first, client.GetStringAsync("http://b/", token)]);""")]
    [InlineData( // ValueTask.AsTask()
        """_ = [|SendAsync("a")|].AsTask();""",
        """_ = SendAsync("a", token).AsTask();""")]
    [InlineData( // ConfigureAwait
        """[|client.GetStringAsync("http://a/")|].ConfigureAwait(false);""",
        """client.GetStringAsync("http://a/", token).ConfigureAwait(false);""")]
    [InlineData( // ContinueWith: the antecedent is the work
        """_ = [|client.GetStringAsync("http://a/")|].ContinueWith(t => Console.WriteLine(t.Status), TaskScheduler.Default);""",
        """_ = client.GetStringAsync("http://a/", token).ContinueWith(t => Console.WriteLine(t.Status), TaskScheduler.Default);""")]
    [InlineData( // Unwrap
        """_ = [|Task.Factory.StartNew(async () => await client.GetStringAsync("http://a/"))|].Unwrap();""",
        """_ = Task.Factory.StartNew(async () => await client.GetStringAsync("http://a/", token)).Unwrap();""")]
    [InlineData( // a Forget() helper
        """[|Task.Run(async () => await client.GetStringAsync("http://a/"))|].Forget();""",
        """Task.Run(async () => await client.GetStringAsync("http://a/", token)).Forget();""")]
    [InlineData( // SafeFireAndForget on a ValueTask, through a local
        """var pending = [|SendAsync("a")|]; pending.SafeFireAndForget();""",
        """var pending = SendAsync("a", token); pending.SafeFireAndForget();""")]
    [InlineData( // Task.Run reaching a token-accepting call through a method of the same compilation
        """_ = [|Task.Run(async () => await NotifyAsync(1))|];""",
        """_ = Task.Run(async () => { await NotifyAsync(1); await Task.Delay(10, token); });""")]
    [InlineData( // a token given only to Task.Run does not reach the work
        """_ = [|Task.Run(async () => await client.GetStringAsync("http://a/"), token)|];""",
        """_ = Task.Run(async () => await client.GetStringAsync("http://a/", token), token);""")]
    public Task Fire_and_forget_shapes(string reported, string quiet) =>
        Verify<FireAndForgetAnalyzer>.DiagnosticsAsync(Source("{ " + reported + " }\n        { " + quiet + " }"));

    [Theory]
    [InlineData("""_ = Task.Run(() => Hash("a"));""")]
    [InlineData("""Task.Factory.StartNew(() => Console.WriteLine(Hash("a")));""")]
    [InlineData("""var t = Task.Run(async () => await ComputeAsync(1));""")]
    [InlineData("""Task.Run(() => Hash("a")).Forget();""")]
    [InlineData("""_ = Task.Run(() => Hash("a"), token);""")]
    public Task Fire_and_forget_is_quiet_on_pure_cpu_work(string body) =>
        Verify<FireAndForgetAnalyzer>.DiagnosticsAsync(Source(body));

    [Theory]
    [InlineData("""var t = client.GetStringAsync("http://a/"); await t;""")]
    [InlineData("""var t = client.GetStringAsync("http://a/"); Func<Task> later = () => t; await later();""")]
    [InlineData("""Task? t = null; for (var i = 0; i < 2; i++) { if (t is not null) await t; t = client.GetStringAsync("http://a/"); }""")]
    [InlineData("""client.GetStringAsync("http://a/").Track();""")]
    [InlineData("""var t = client.GetStringAsync("http://a/"); t.Track();""")]
    public Task Observed_tasks_are_not_reported(string body) =>
        Verify<FireAndForgetAnalyzer>.DiagnosticsAsync(Source(body));

    [Theory]
    [InlineData( // LINQ query syntax
        """await [|Task.WhenAll(from u in urls select client.GetStringAsync(u))|];""",
        """await Task.WhenAll(from u in urls select client.GetStringAsync(u, token));""")]
    [InlineData( // switch expression through a local
        """var chosen = kind switch { 1 => client.GetStringAsync("http://a/"), _ => client.GetStringAsync("http://b/") }; await [|Task.WhenAll(chosen, client.GetStringAsync("http://c/"))|];""",
        """var chosen = kind switch { 1 => client.GetStringAsync("http://a/", token), _ => client.GetStringAsync("http://b/", token) }; await Task.WhenAll(chosen, client.GetStringAsync("http://c/", token));""")]
    [InlineData( // ValueTask.AsTask()
        """await [|Task.WhenAll(SendAsync("a").AsTask(), SendAsync("b").AsTask())|];""",
        """await Task.WhenAll(SendAsync("a", token).AsTask(), SendAsync("b", token).AsTask());""")]
    [InlineData( // ConfigureAwait inside Select
        """await [|Task.WhenAll(urls.Select(async u => await client.GetStringAsync(u).ConfigureAwait(false)))|];""",
        """await Task.WhenAll(urls.Select(async u => await client.GetStringAsync(u, token).ConfigureAwait(false)));""")]
    [InlineData( // ContinueWith and Unwrap
        """await [|Task.WhenAll(client.GetStringAsync("http://a/").ContinueWith(t => t.Result.Length), Task.Factory.StartNew(() => client.GetStringAsync("http://b/")).Unwrap())|];""",
        """await Task.WhenAll(client.GetStringAsync("http://a/", token).ContinueWith(t => t.Result.Length), Task.Factory.StartNew(() => client.GetStringAsync("http://b/", token)).Unwrap());""")]
    [InlineData( // collection expression with a spread
        """Task[] more = [client.GetStringAsync("http://a/")]; await [|Task.WhenAll([.. more, client.GetStringAsync("http://b/")])|];""",
        """Task[] more = [client.GetStringAsync("http://a/", token)]; await Task.WhenAll([.. more, client.GetStringAsync("http://b/", token)]);""")]
    public Task When_all_shapes(string reported, string quiet) =>
        Verify<WhenAllWithoutTimeoutAnalyzer>.DiagnosticsAsync(Source("{ " + reported + " }\n        { " + quiet + " }"));

    [Theory]
    [InlineData( // ValueTask.AsTask().WaitAsync(...)
        """await [|SendAsync("a").AsTask().WaitAsync(TimeSpan.FromSeconds(1))|];""",
        """await SendAsync("a", token).AsTask().WaitAsync(TimeSpan.FromSeconds(1));""")]
    [InlineData( // switch expression raced against a delay
        """var work = kind switch { 1 => client.GetStringAsync("http://a/"), _ => client.GetStringAsync("http://b/") }; await [|Task.WhenAny(work, Task.Delay(100))|];""",
        """var work = kind switch { 1 => client.GetStringAsync("http://a/", token), _ => client.GetStringAsync("http://b/", token) }; await Task.WhenAny(work, Task.Delay(100));""")]
    [InlineData( // LINQ query syntax under WhenAll(...).WaitAsync
        """await [|Task.WhenAll(from u in urls select client.GetStringAsync(u)).WaitAsync(TimeSpan.FromSeconds(1))|];""",
        """await Task.WhenAll(from u in urls select client.GetStringAsync(u, token)).WaitAsync(TimeSpan.FromSeconds(1));""")]
    [InlineData( // Unwrap raced against a delay
        """var started = Task.Factory.StartNew(() => client.GetStringAsync("http://a/")).Unwrap(); await [|Task.WhenAny(started, Task.Delay(100))|];""",
        """var started = Task.Factory.StartNew(() => client.GetStringAsync("http://a/", token)).Unwrap(); await Task.WhenAny(started, Task.Delay(100));""")]
    public Task Timeout_shapes(string reported, string quiet) =>
        Verify<TimeoutAbandonsWorkAnalyzer>.DiagnosticsAsync(Source("{ " + reported + " }\n        { " + quiet + " }"));

    [Theory]
    [InlineData("""await Task.WhenAll(Task.Run(() => Hash("a")), Task.Run(() => Hash("b")));""")]
    [InlineData("""Task.WaitAll(Task.Run(() => Hash("a")), Task.Run(() => Hash("b")));""")]
    public Task When_all_is_quiet_on_pure_cpu_work(string body) =>
        Verify<WhenAllWithoutTimeoutAnalyzer>.DiagnosticsAsync(Source(body));

    [Theory]
    [InlineData("""await Task.Run(() => Hash("a")).WaitAsync(TimeSpan.FromSeconds(1));""")]
    [InlineData("""await Task.WhenAny(Task.Run(() => Hash("a")), Task.Delay(100));""")]
    [InlineData("""Task.Run(() => Hash("a")).Wait(100);""")]
    public Task Timeout_is_quiet_on_pure_cpu_work(string body) =>
        Verify<TimeoutAbandonsWorkAnalyzer>.DiagnosticsAsync(Source(body));

    [Fact]
    public Task When_all_fix_reaches_query_syntax_switch_expressions_as_task_and_unwrap() =>
        Verify<WhenAllWithoutTimeoutAnalyzer, LeakAnalyzers.CodeFixes.Cancellation.LinkedTokenTimeoutCodeFixProvider>.CodeFixAsync("""
            class C
            {
                ValueTask<int> CountAsync(string key, CancellationToken cancellationToken = default) => default;

                async Task M(HttpClient client, string[] urls, int kind, CancellationToken token)
                {
                    var pages = from u in urls select client.GetStringAsync(u);
                    var chosen = kind switch { 1 => client.GetStringAsync("http://a/"), _ => client.GetStringAsync("http://b/") };
                    var started = Task.Factory.StartNew(() => client.GetStringAsync("http://c/")).Unwrap();
                    await [|Task.WhenAll([.. pages, chosen, started])|];
                    await [|Task.WhenAll(CountAsync("a").AsTask(), CountAsync("b").AsTask())|];
                }
            }
            """, """
            class C
            {
                ValueTask<int> CountAsync(string key, CancellationToken cancellationToken = default) => default;

                async Task M(HttpClient client, string[] urls, int kind, CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(TimeSpan.FromSeconds(30));
                    var pages = from u in urls select client.GetStringAsync(u, cts.Token);
                    var chosen = kind switch { 1 => client.GetStringAsync("http://a/", cts.Token), _ => client.GetStringAsync("http://b/", cts.Token) };
                    var started = Task.Factory.StartNew(() => client.GetStringAsync("http://c/", cts.Token), cts.Token).Unwrap();
                    await Task.WhenAll([.. pages, chosen, started]);
                    using var cts2 = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts2.CancelAfter(TimeSpan.FromSeconds(30));
                    await Task.WhenAll(CountAsync("a", cts2.Token).AsTask(), CountAsync("b", cts2.Token).AsTask());
                }
            }
            """);

    [Fact]
    public Task Timeout_fix_reaches_value_tasks_seen_as_tasks() =>
        Verify<TimeoutAbandonsWorkAnalyzer, LeakAnalyzers.CodeFixes.Cancellation.CancelAbandonedWorkCodeFixProvider>.CodeFixAsync("""
            class C
            {
                ValueTask<int> CountAsync(string key, CancellationToken cancellationToken = default) => default;

                async Task M(CancellationToken token)
                {
                    await [|CountAsync("a").AsTask().WaitAsync(TimeSpan.FromSeconds(1))|];
                }
            }
            """, """
            class C
            {
                ValueTask<int> CountAsync(string key, CancellationToken cancellationToken = default) => default;

                async Task M(CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(TimeSpan.FromSeconds(1));
                    try
                    {
                        await CountAsync("a", cts.Token).AsTask();
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested && !token.IsCancellationRequested)
                    {
                        throw new TimeoutException();
                    }
                }
            }
            """);

    [Fact]
    public Task When_all_fix_threads_a_token_into_user_methods() =>
        Verify<WhenAllWithoutTimeoutAnalyzer, LeakAnalyzers.CodeFixes.Cancellation.LinkedTokenTimeoutCodeFixProvider>.CodeFixAsync("""
            class C
            {
                private readonly HttpClient _client = new();

                async Task M(CancellationToken token)
                {
                    await [|Task.WhenAll(Task.Run(() => LoadAsync("a")), Task.Run(() => LoadAsync("b")))|];
                }

                private async Task<string> LoadAsync(string key) => await _client.GetStringAsync("http://store/" + key);
            }
            """, """
            class C
            {
                private readonly HttpClient _client = new();

                async Task M(CancellationToken token)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(TimeSpan.FromSeconds(30));
                    await Task.WhenAll(Task.Run(() => LoadAsync("a", cts.Token), cts.Token), Task.Run(() => LoadAsync("b", cts.Token), cts.Token));
                }

                private async Task<string> LoadAsync(string key, CancellationToken cancellationToken = default) => await _client.GetStringAsync("http://store/" + key, cancellationToken);
            }
            """);

    [Fact]
    public Task No_when_all_fix_for_work_in_static_lambdas() =>
        Verify<WhenAllWithoutTimeoutAnalyzer, LeakAnalyzers.CodeFixes.Cancellation.LinkedTokenTimeoutCodeFixProvider>.CodeFixAsync("""
            class C
            {
                async Task M(CancellationToken token)
                {
                    await [|Task.WhenAll(Task.Run(static () => File.ReadAllTextAsync("c")), Task.Run(static () => File.ReadAllTextAsync("d")))|];
                }
            }
            """, """
            class C
            {
                async Task M(CancellationToken token)
                {
                    await [|Task.WhenAll(Task.Run(static () => File.ReadAllTextAsync("c")), Task.Run(static () => File.ReadAllTextAsync("d")))|];
                }
            }
            """);
}
