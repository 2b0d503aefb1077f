using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.WhenAllWithoutTimeoutAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.WhenAllWithoutTimeoutAnalyzer, LeakAnalyzers.CodeFixes.Cancellation.LinkedTokenTimeoutCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class WhenAllWithoutTimeoutAnalyzerTests
{
    // ---- Positives ----------------------------------------------------------------------

    [Fact]
    public Task Fan_out_over_direct_calls_and_locals_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                await [|Task.WhenAll(client.GetStringAsync("http://a/"), client.GetStringAsync("http://b/"))|];

                var users = client.GetStringAsync("http://users/");
                var orders = client.GetStringAsync("http://orders/");
                await [|Task.WhenAll(users, orders)|].ConfigureAwait(false);

                var tasks = new List<Task>();
                tasks.Add(Task.Delay(10));
                tasks.Add(client.GetStringAsync("http://c/"));
                await [|Task.WhenAll(tasks)|];
            }
        }
        """);

    [Fact]
    public Task Arrays_filled_by_index_and_lists_with_a_capacity_are_followed() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client, string[] urls)
            {
                var pages = new Task<string>[urls.Length];
                for (var i = 0; i < urls.Length; i++)
                {
                    pages[i] = client.GetStringAsync(urls[i]);
                }

                await [|Task.WhenAll(pages)|];

                var calls = new List<Task>(urls.Length);
                calls.Add(client.GetStringAsync(urls[0]));
                await [|Task.WhenAll(calls)|];
            }

            async Task N(HttpClient client, List<Task> earlier, string[] urls)
            {
                var copied = new List<Task>(earlier);
                copied.Add(client.GetStringAsync(urls[0]));
                await Task.WhenAll(copied);

                var filled = new Task[2];
                filled[0] = client.GetStringAsync(urls[0]);
                Fill(filled);
                await Task.WhenAll(filled);
            }

            static void Fill(Task[] tasks) { }
        }
        """);

    [Fact]
    public Task Collection_expressions_and_spreads_are_followed() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client, string[] urls)
            {
                var first = urls.Select(url => client.GetStringAsync(url)).ToList();
                await [|Task.WhenAll([.. first, client.GetStringAsync("http://last/")])|];
                await [|Task.WhenAll(flag ? client.GetStringAsync("http://a/") : Task.FromResult("cached"))|];
            }

            bool flag;
        }
        """);

    [Fact]
    public Task Select_async_fan_out_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string[]> M(HttpClient client, string[] urls)
            {
                var tasks = urls.Select(async url => await client.GetStringAsync(url));
                return await [|Task.WhenAll(tasks)|];
            }

            Task<string[]> N(HttpClient client, string[] urls) =>
                Task.FromResult([|Task.WhenAll(urls.Select(url => client.GetStringAsync(url)).ToArray())|].Result);
        }
        """);

    [Fact]
    public Task Wait_all_and_blocking_waits_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            void M(HttpClient client)
            {
                var a = client.GetStringAsync("http://a/");
                var b = Task.Run(() => client.GetStringAsync("http://b/"));
                [|Task.WaitAll(a, b)|];
                [|Task.WhenAll(a, b)|].Wait();
                [|Task.WhenAll(a, b)|].GetAwaiter().GetResult();
            }
        }
        """);

    [Fact]
    public Task None_and_default_tokens_count_as_no_token() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                await [|Task.WhenAll(client.GetStringAsync("http://a/", CancellationToken.None), Task.Delay(10, default))|];
            }
        }
        """);

    // ---- Never flag ---------------------------------------------------------------------

    [Fact]
    public Task Work_with_a_token_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client, string[] urls, CancellationToken token)
            {
                await Task.WhenAll(client.GetStringAsync("http://a/", token), client.GetStringAsync("http://b/"));
                await Task.WhenAll(urls.Select(async url => await client.GetStringAsync(url, token)));
                Task.WaitAll(Task.Run(() => client.GetStringAsync("http://c/", token)));
            }
        }
        """);

    [Fact]
    public Task Bounded_waits_belong_to_leak006() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient client, CancellationToken token)
            {
                var a = client.GetStringAsync("http://a/");
                var b = client.GetStringAsync("http://b/");
                await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(5));
                await Task.WhenAll(a, b).WaitAsync(token);
                Task.WaitAll(new Task[] { a, b }, 5000);
                Task.WaitAll(new Task[] { a, b }, token);
                await Task.WhenAny(Task.WhenAll(a, b), Task.Delay(5000));
            }
        }
        """);

    [Fact]
    public Task Tasks_from_elsewhere_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            private readonly List<Task> _running = new();

            async Task M(HttpClient client, Task external, IEnumerable<Task> many)
            {
                await Task.WhenAll(external, client.GetStringAsync("http://a/"));
                await Task.WhenAll(many);
                await Task.WhenAll(_running);
                await Task.WhenAll(Pending());
            }

            IEnumerable<Task> Pending() => _running;
        }
        """);

    [Fact]
    public Task Calls_that_cannot_take_a_token_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            Task LoadAsync(int id) => Task.CompletedTask;

            async Task M()
            {
                await Task.WhenAll(LoadAsync(1), LoadAsync(2));
                await Task.WhenAll(Enumerable.Range(0, 3).Select(LoadAsync));
            }
        }
        """);

    [Fact]
    public Task Returned_or_stored_when_all_is_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            Task M(HttpClient client) => Task.WhenAll(client.GetStringAsync("http://a/"), Task.Delay(10));

            async Task N(HttpClient client)
            {
                var all = Task.WhenAll(client.GetStringAsync("http://a/"), Task.Delay(10));
                await all;
            }
        }
        """);

    [Theory]
    [InlineData("await Task.WhenAll(")]
    [InlineData("await Task.WhenAll(Missing(), Task.Delay(1));")]
    [InlineData("var t = Task.Delay(1); t = ; await Task.WhenAll(t);")]
    [InlineData("await Task.WhenAll(new[] { Task.Delay(1), });")]
    [InlineData("await Task.WhenAll(xs.Select(async x => await ));")]
    [InlineData("Task.WaitAll(new Task[1]);")]
    public async Task Incomplete_code_never_throws(string body)
    {
        await BrokenCode.NeverThrowsAsync<LeakAnalyzers.Rules.WhenAllWithoutTimeoutAnalyzer>("class C { async Task M(CancellationToken token) { " + body + " } }");
    }
}

public sealed class WhenAllWithoutTimeoutCodeFixTests
{
    [Fact]
    public Task Fix_links_the_parameter_token_and_passes_it_to_every_call() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> M(HttpClient client, CancellationToken token)
            {
                // Fan out.
                var users = client.GetStringAsync("http://users/");
                var orders = client.GetStringAsync("http://orders/", CancellationToken.None);
                await [|Task.WhenAll(users, orders)|];
                return users.Result + orders.Result;
            }
        }
        """, """
        class C
        {
            async Task<string> M(HttpClient client, CancellationToken token)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                // Fan out.
                var users = client.GetStringAsync("http://users/", cts.Token);
                var orders = client.GetStringAsync("http://orders/", cts.Token);
                await Task.WhenAll(users, orders);
                return users.Result + orders.Result;
            }
        }
        """);

    [Fact]
    public Task Fix_creates_a_source_when_no_token_is_in_scope_and_reads_the_timeout_option() => VerifyFix.CodeFixAsync("""
        class C
        {
            void M(HttpClient client)
            {
                var cts = 1;
                [|Task.WaitAll(client.GetStringAsync("http://a/"), Task.Run(async () => await client.GetStringAsync("http://b/")))|];
            }
        }
        """, """
        class C
        {
            void M(HttpClient client)
            {
                var cts = 1;
                using var cts2 = new CancellationTokenSource();
                cts2.CancelAfter(TimeSpan.FromSeconds(5));
                Task.WaitAll(client.GetStringAsync("http://a/", cts2.Token), Task.Run(async () => await client.GetStringAsync("http://b/", cts2.Token), cts2.Token));
            }
        }
        """, test => test.EditorConfig = "leak_analyzers.default_timeout = 5");

    [Theory]
    [InlineData("leak_analyzers.default_timeout = 2.5", "2.5")]
    [InlineData("leak_analyzers.default_timeout = abc", "30")]
    [InlineData("leak_analyzers.default_timeout = -5", "30")]
    [InlineData("leak_analyzers.default_timeout = 0", "30")]
    public Task Fix_writes_the_configured_timeout_or_the_default(string editorConfig, string seconds) => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client)
            {
                await [|Task.WhenAll(client.GetStringAsync("http://a/"), Task.Delay(1))|];
            }
        }
        """, $$"""
        class C
        {
            async Task M(HttpClient client)
            {
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(TimeSpan.FromSeconds({{seconds}}));
                await Task.WhenAll(client.GetStringAsync("http://a/", cts.Token), Task.Delay(1, cts.Token));
            }
        }
        """, test =>
        {
            test.EditorConfig = editorConfig;
            if (seconds == "30")
            {
                // Code-fix tests run every rule: LEAK900 names the unusable value the fix replaced with the default.
                test.ExpectedDiagnostics.Add(new DiagnosticResult("LEAK900", DiagnosticSeverity.Warning));
            }
        });

    [Fact]
    public Task Fix_passes_the_token_into_select_async_lambdas() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;

        static class Endpoints
        {
            public static void Map(WebApplication app, HttpClient client) =>
                app.MapGet("/all", async (string[] urls, CancellationToken cancellationToken) =>
                {
                    var pages = await [|Task.WhenAll(urls.Select(async url => await client.GetStringAsync(url)))|];
                    return Results.Ok(pages);
                });
        }
        """, """
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;

        static class Endpoints
        {
            public static void Map(WebApplication app, HttpClient client) =>
                app.MapGet("/all", async (string[] urls, CancellationToken cancellationToken) =>
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    cts.CancelAfter(TimeSpan.FromSeconds(30));
                    var pages = await Task.WhenAll(urls.Select(async url => await client.GetStringAsync(url, cts.Token)));
                    return Results.Ok(pages);
                });
        }
        """);

    [Fact]
    public Task Fix_in_a_controller_links_request_aborted_and_follows_a_loop() => VerifyFix.CodeFixAsync("""
        using System.Net.Http.Json;
        using Microsoft.AspNetCore.Mvc;

        public class GatewayController : ControllerBase
        {
            private readonly HttpClient _client = new();

            [HttpGet]
            public async Task<IActionResult> Get(string[] services)
            {
                var calls = new List<Task<string>>();
                foreach (var service in services)
                {
                    calls.Add(_client.GetStringAsync(service));
                }

                var profile = _client.GetFromJsonAsync<string>("http://profile/");
                await [|Task.WhenAll(calls)|];
                return Ok(await profile);
            }
        }
        """, """
        using System.Net.Http.Json;
        using Microsoft.AspNetCore.Mvc;

        public class GatewayController : ControllerBase
        {
            private readonly HttpClient _client = new();

            [HttpGet]
            public async Task<IActionResult> Get(string[] services)
            {
                var calls = new List<Task<string>>();
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(HttpContext.RequestAborted);
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                foreach (var service in services)
                {
                    calls.Add(_client.GetStringAsync(service, cts.Token));
                }

                var profile = _client.GetFromJsonAsync<string>("http://profile/");
                await Task.WhenAll(calls);
                return Ok(await profile);
            }
        }
        """);

    [Fact]
    public Task Fix_in_a_background_service_and_a_local_function_with_named_optional_tokens() => VerifyFix.CodeFixAsync("""
        using System.Net.Http.Json;
        using Microsoft.Extensions.Hosting;

        sealed class Poller : BackgroundService
        {
            private readonly HttpClient _client = new();

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                await PollAsync();

                async Task PollAsync()
                {
                    var a = _client.GetFromJsonAsync<int>("http://a/");
                    var b = _client.PostAsJsonAsync("http://b/", 1);
                    await [|Task.WhenAll(a, b)|];
                    using var response = await b;
                }
            }
        }
        """, """
        using System.Net.Http.Json;
        using Microsoft.Extensions.Hosting;

        sealed class Poller : BackgroundService
        {
            private readonly HttpClient _client = new();

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                await PollAsync();

                async Task PollAsync()
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    cts.CancelAfter(TimeSpan.FromSeconds(30));
                    var a = _client.GetFromJsonAsync<int>("http://a/", cts.Token);
                    var b = _client.PostAsJsonAsync("http://b/", 1, cancellationToken: cts.Token);
                    await Task.WhenAll(a, b);
                    using var response = await b;
                }
            }
        }
        """);

    [Fact]
    public Task Fix_all_gives_one_statement_one_source_and_separate_statements_their_own() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<int> M(HttpClient client)
            {
                var total = (await [|Task.WhenAll(client.GetStringAsync("http://a/"), client.GetStringAsync("http://b/"))|]).Length
                    + (await [|Task.WhenAll(client.GetStringAsync("http://c/"), Task.Delay(1).ContinueWith(_ => "d"))|]).Length;
                await [|Task.WhenAll(Task.Delay(1), client.GetStringAsync("http://e/"))|];
                return total;
            }
        }
        """, """
        class C
        {
            async Task<int> M(HttpClient client)
            {
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                var total = (await Task.WhenAll(client.GetStringAsync("http://a/", cts.Token), client.GetStringAsync("http://b/", cts.Token))).Length
                    + (await Task.WhenAll(client.GetStringAsync("http://c/", cts.Token), Task.Delay(1, cts.Token).ContinueWith(_ => "d"))).Length;
                using var cts2 = new CancellationTokenSource();
                cts2.CancelAfter(TimeSpan.FromSeconds(30));
                await Task.WhenAll(Task.Delay(1, cts2.Token), client.GetStringAsync("http://e/", cts2.Token));
                return total;
            }
        }
        """);

    [Fact]
    public Task Fix_adds_using_directives_before_csharp_10() => VerifyFix.CodeFixAsync("""
        using System.Net.Http;
        using System.Threading.Tasks;

        class C
        {
            async Task M(HttpClient client)
            {
                await [|Task.WhenAll(client.GetStringAsync("http://a/"), client.GetStringAsync("http://b/"))|];
            }
        }
        """, """
        using System;
        using System.Net.Http;
        using System.Threading;
        using System.Threading.Tasks;

        class C
        {
            async Task M(HttpClient client)
            {
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                await Task.WhenAll(client.GetStringAsync("http://a/", cts.Token), client.GetStringAsync("http://b/", cts.Token));
            }
        }
        """, test => test.LanguageVersion = LanguageVersion.CSharp9);

    [Fact]
    public Task Fix_turns_an_expression_body_into_a_block() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Builder;

        class C
        {
            Task<string[]> M(HttpClient client) => Task.FromResult([|Task.WhenAll(client.GetStringAsync("http://a/"))|].Result);

            void Map(WebApplication app, HttpClient client) =>
                app.MapGet("/both", async (CancellationToken token) => await [|Task.WhenAll(client.GetStringAsync("http://b/"), client.GetStringAsync("http://c/"))|]);
        }
        """, """
        using Microsoft.AspNetCore.Builder;

        class C
        {
            Task<string[]> M(HttpClient client)
            {
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                return Task.FromResult(Task.WhenAll(client.GetStringAsync("http://a/", cts.Token)).Result);
            }

            void Map(WebApplication app, HttpClient client) =>
                app.MapGet("/both", async (CancellationToken token) =>
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
                    cts.CancelAfter(TimeSpan.FromSeconds(30));
                    return await Task.WhenAll(client.GetStringAsync("http://b/", cts.Token), client.GetStringAsync("http://c/", cts.Token));
                });
        }
        """);

    [Fact]
    public Task No_fix_before_csharp_8() => VerifyFix.CodeFixAsync("""
        using System.Net.Http;
        using System.Threading.Tasks;

        class C
        {
            async Task M(HttpClient client)
            {
                await [|Task.WhenAll(client.GetStringAsync("http://a/"))|];
            }
        }
        """, """
        using System.Net.Http;
        using System.Threading.Tasks;

        class C
        {
            async Task M(HttpClient client)
            {
                await [|Task.WhenAll(client.GetStringAsync("http://a/"))|];
            }
        }
        """, test => test.LanguageVersion = LanguageVersion.CSharp7_3);

    [Fact]
    public Task Fix_works_next_to_broken_code()
    {
        return VerifyFix.CodeFixAsync("""
            class C
            {
                async Task M(HttpClient client)
                {
                    var x = {|CS0103:Missing|}();
                    await [|Task.WhenAll(client.GetStringAsync("http://a/"), Task.Delay(1))|];
                }
            }
            """, """
            class C
            {
                async Task M(HttpClient client)
                {
                    var x = {|CS0103:Missing|}();
                    using var cts = new CancellationTokenSource();
                    cts.CancelAfter(TimeSpan.FromSeconds(30));
                    await Task.WhenAll(client.GetStringAsync("http://a/", cts.Token), Task.Delay(1, cts.Token));
                }
            }
            """);
    }
}
