using LeakAnalyzers.CodeFixes.Disposal;
using LeakAnalyzers.Rules;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using VerifyAnalyzer = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpClientPerCallAnalyzer>;
using VerifyFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpClientPerCallAnalyzer, LeakAnalyzers.CodeFixes.Disposal.ReuseHttpClientCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

public sealed class HttpClientPerCallAnalyzerTests
{
    // ---- Positives ----------------------------------------------------------------------

    [Fact]
    public Task Disposed_and_undisposed_per_call_clients_are_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string> Disposed(string url)
            {
                using var client = [|new HttpClient()|];
                return await client.GetStringAsync(url);
            }

            async Task<string> Undisposed(string url)
            {
                var client = [|new HttpClient()|];
                return await client.GetStringAsync(url);
            }

            Task<string> Inline(string url) => [|new HttpClient()|].GetStringAsync(url);

            async Task<string> WithHandler(string url)
            {
                using var client = [|new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })|];
                return await client.GetStringAsync(url);
            }
        }
        """);

    [Fact]
    public Task The_message_says_why_for_each_shape() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task A() { using var c = {|#0:new HttpClient()|}; await c.GetStringAsync("u"); }
            async Task B() { var c = {|#1:new HttpClient()|}; await c.GetStringAsync("u"); }
        }
        """, test =>
        {
            test.ExpectedDiagnostics.Add(new DiagnosticResult(HttpClientPerCallAnalyzer.Rule.Id, DiagnosticSeverity.Warning).WithLocation(0));
            test.ExpectedDiagnostics.Add(new DiagnosticResult(HttpClientPerCallAnalyzer.Rule.Id, DiagnosticSeverity.Warning).WithLocation(1));
            test.DiagnosticVerifier = (diagnostic, _, _) =>
                Assert.Contains(diagnostic.Location.GetLineSpan().StartLinePosition.Line == 2 ? "TIME_WAIT" : "never disposed", diagnostic.GetMessage());
        });

    [Fact]
    public Task Lambdas_local_functions_and_accessors_are_per_call() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Http;

        class C
        {
            string Page
            {
                get
                {
                    using var client = [|new HttpClient()|];
                    return client.GetStringAsync("http://localhost/").Result;
                }
            }

            void Map(WebApplication app)
            {
                app.MapGet("/", async () =>
                {
                    using var client = [|new HttpClient()|];
                    return await client.GetStringAsync("http://localhost/");
                });

                async Task<string> Fetch()
                {
                    using var client = [|new HttpClient()|];
                    return await client.GetStringAsync("http://localhost/");
                }
            }
        }
        """);

    // ---- Near misses ------------------------------------------------------------------------

    [Fact]
    public Task Shared_and_factory_clients_are_not_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.Extensions.DependencyInjection;

        class C
        {
            private static readonly HttpClient s_client = new HttpClient();
            private readonly HttpClient _client = new();
            private static readonly Lazy<HttpClient> s_lazy = new(() => new HttpClient());
            private static readonly HttpMessageHandler s_handler = new SocketsHttpHandler();
            private readonly HttpClient _fromConstructor;
            private static HttpClient? s_late;
            public HttpClient Client { get; } = new HttpClient();

            static C() => s_late = new HttpClient();

            public C() => _fromConstructor = new HttpClient();

            public static HttpClient CreateClient(Uri baseAddress) => new HttpClient { BaseAddress = baseAddress };

            public HttpClient CreateConfigured()
            {
                var client = new HttpClient();
                client.Timeout = TimeSpan.FromSeconds(5);
                return client;
            }

            void Register(IServiceCollection services)
            {
                services.AddSingleton(_ => new HttpClient());
                services.AddHttpClient("named");
            }

            Task<string> FromFactory(IHttpClientFactory factory) => factory.CreateClient("named").GetStringAsync("http://localhost/");

            async Task<string> SharedHandler()
            {
                using var client = new HttpClient(s_handler, disposeHandler: false);
                return await client.GetStringAsync("http://localhost/");
            }
        }
        """);

    [Fact]
    public Task Main_runs_once_but_handlers_inside_it_run_per_request() => VerifyAnalyzer.DiagnosticsAsync("""
        using Microsoft.AspNetCore.Builder;

        var client = new HttpClient();
        var app = WebApplication.Create(args);
        app.MapGet("/", async () =>
        {
            using var perRequest = [|new HttpClient()|];
            return await perRequest.GetStringAsync("http://localhost/");
        });
        await client.GetStringAsync("http://localhost/");
        """, test => test.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication);

    [Fact]
    public Task Classic_Main_runs_once() => VerifyAnalyzer.DiagnosticsAsync("""
        static class Program
        {
            static async Task Main()
            {
                using var client = new HttpClient();
                await client.GetStringAsync("http://localhost/");
            }
        }
        """, test => test.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication);

    [Fact]
    public Task A_library_method_named_Main_is_not_an_entry_point() => VerifyAnalyzer.DiagnosticsAsync("""
        public static class Jobs
        {
            public static async Task Main(string url)
            {
                using var client = [|new HttpClient()|];
                await client.GetStringAsync(url);
            }
        }
        """);

    [Fact]
    public Task Own_handler_even_with_dispose_handler_false_is_reported() => VerifyAnalyzer.DiagnosticsAsync("""
        class C
        {
            async Task<string> M()
            {
                using var client = [|new HttpClient(new SocketsHttpHandler(), disposeHandler: false)|];
                return await client.GetStringAsync("http://localhost/");
            }
        }
        """);

    [Fact]
    public Task Test_projects_are_skipped_only_when_configured() => VerifyAnalyzer.DiagnosticsAsync("""
        namespace Xunit { public sealed class FactAttribute : System.Attribute { } }

        class Tests
        {
            [Xunit.Fact]
            public async Task Calls_the_service()
            {
                using var client = new HttpClient();
                await client.GetStringAsync("http://localhost/");
            }
        }
        """, test => test.EditorConfig = "leak_analyzers.LEAK002.ignore_tests = true");

    [Fact]
    public Task Test_projects_are_analyzed_by_default() => VerifyAnalyzer.DiagnosticsAsync("""
        namespace Xunit { public sealed class FactAttribute : System.Attribute { } }

        class Tests
        {
            [Xunit.Fact]
            public async Task Calls_the_service()
            {
                using var client = [|new HttpClient()|];
                await client.GetStringAsync("http://localhost/");
            }
        }
        """);

    // ---- Fix 1: shared static client ---------------------------------------------------------

    /// <summary>The provider offers the factory first where one is in scope, else the shared field; these tests apply the shared field, offered first.</summary>
    private static void SharedFieldFirst(LeakTest<HttpClientPerCallAnalyzer, ReuseHttpClientCodeFixProvider> test)
    {
        test.CodeActionIndex = 0;
        test.CodeActionEquivalenceKey = ReuseHttpClientCodeFixProvider.PreferFactoryKey;
    }

    /// <summary>The factory fix, offered first where an <c>IHttpClientFactory</c> is in scope.</summary>
    private static void FactoryFirst(LeakTest<HttpClientPerCallAnalyzer, ReuseHttpClientCodeFixProvider> test)
    {
        test.CodeActionIndex = 0;
        test.CodeActionEquivalenceKey = ReuseHttpClientCodeFixProvider.PreferFactoryKey;
    }

    [Fact]
    public Task Fix_hoists_to_a_static_field_and_moves_constant_settings() => VerifyFix.CodeFixAsync("""
        using System;
        using System.Net.Http;
        using System.Threading.Tasks;

        class Catalog
        {
            public async Task<string> Get(string path)
            {
                // One client per call.
                using var client = [|new HttpClient()|];
                client.BaseAddress = new Uri("http://catalog.local/");
                client.Timeout = TimeSpan.FromSeconds(10);
                return await client.GetStringAsync(path);
            }
        }
        """, """
        using System;
        using System.Net.Http;
        using System.Threading.Tasks;

        class Catalog
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { BaseAddress = new Uri("http://catalog.local/"), Timeout = TimeSpan.FromSeconds(10) };

            public async Task<string> Get(string path)
            {
                return await s_httpClient.GetStringAsync(path);
            }
        }
        """, SharedFieldFirst);

    [Fact]
    public Task Fix_all_reuses_one_field_per_type_and_unwraps_using_statements() => VerifyFix.CodeFixAsync("""
        class Gateway
        {
            private readonly int _retries = 3;

            public async Task<string> A()
            {
                using (var client = [|new HttpClient()|])
                {
                    return await client.GetStringAsync("http://localhost/a");
                }
            }

            public async Task<string> B()
            {
                var client = [|new HttpClient()|];
                var text = await client.GetStringAsync("http://localhost/b");
                client.Dispose();
                return text;
            }

            public Task<string> C() => [|new HttpClient()|].GetStringAsync("http://localhost/c");
        }
        """, """
        class Gateway
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            private readonly int _retries = 3;

            public async Task<string> A()
            {
                return await s_httpClient.GetStringAsync("http://localhost/a");
            }

            public async Task<string> B()
            {
                var text = await s_httpClient.GetStringAsync("http://localhost/b");
                return text;
            }

            public Task<string> C() => s_httpClient.GetStringAsync("http://localhost/c");
        }
        """, SharedFieldFirst);

    [Fact]
    public Task Fix_all_shares_a_client_only_with_clients_built_the_same_way() => VerifyFix.CodeFixAsync("""
        class PartnerBridge
        {
            public async Task<string> Catalog()
            {
                using (var client = [|new HttpClient()|])
                {
                    return await client.GetStringAsync("http://partner.local/catalog");
                }
            }

            public async Task<string> Direct()
            {
                var client = [|new HttpClient(new HttpClientHandler { UseProxy = false })|];
                return await client.GetStringAsync("http://partner.local/direct");
            }

            public async Task<string> Prices()
            {
                var client = [|new HttpClient()|];
                return await client.GetStringAsync("http://partner.local/prices");
            }

            public async Task<string> DirectStock()
            {
                var client = [|new HttpClient(new HttpClientHandler { UseProxy = false })|];
                return await client.GetStringAsync("http://partner.local/stock");
            }

            public Task<HttpResponseMessage> Resend(string xml) => [|new HttpClient()|].PostAsync("http://partner.local/orders", new StringContent(xml));
        }
        """, """
        class PartnerBridge
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            private static readonly HttpClient s_httpClient2 = new(new HttpClientHandler { UseProxy = false });

            public async Task<string> Catalog()
            {
                return await s_httpClient.GetStringAsync("http://partner.local/catalog");
            }

            public async Task<string> Direct()
            {
                return await s_httpClient2.GetStringAsync("http://partner.local/direct");
            }

            public async Task<string> Prices()
            {
                return await s_httpClient.GetStringAsync("http://partner.local/prices");
            }

            public async Task<string> DirectStock()
            {
                return await s_httpClient2.GetStringAsync("http://partner.local/stock");
            }

            public Task<HttpResponseMessage> Resend(string xml) => s_httpClient.PostAsync("http://partner.local/orders", new StringContent(xml));
        }
        """, SharedFieldFirst);

    [Fact]
    public Task A_plain_client_does_not_reuse_a_shared_client_with_its_own_handler() => VerifyFix.CodeFixAsync("""
        class PartnerBridge
        {
            private static readonly HttpClient s_direct = new(new HttpClientHandler { UseProxy = false });

            public Task<string> Catalog() => [|new HttpClient()|].GetStringAsync("http://partner.local/catalog");
        }
        """, """
        class PartnerBridge
        {
            private static readonly HttpClient s_direct = new(new HttpClientHandler { UseProxy = false });
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            public Task<string> Catalog() => s_httpClient.GetStringAsync("http://partner.local/catalog");
        }
        """, SharedFieldFirst);

    [Fact]
    public Task Fix_reuses_an_existing_static_client_and_adds_imports() => VerifyFix.CodeFixAsync("""
        namespace App
        {
            class Reports
            {
                private static readonly System.Net.Http.HttpClient Shared = new System.Net.Http.HttpClient();

                public System.Threading.Tasks.Task<string> Get()
                {
                    var client = [|new System.Net.Http.HttpClient()|];
                    return client.GetStringAsync("http://localhost/");
                }
            }

            class Other
            {
                public System.Threading.Tasks.Task<string> Get() => [|new System.Net.Http.HttpClient()|].GetStringAsync("http://localhost/");
            }
        }
        """, """
        using System;
        using System.Net.Http;

        namespace App
        {
            class Reports
            {
                private static readonly System.Net.Http.HttpClient Shared = new System.Net.Http.HttpClient();

                public System.Threading.Tasks.Task<string> Get()
                {
                    return Shared.GetStringAsync("http://localhost/");
                }
            }

            class Other
            {
                private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

                public System.Threading.Tasks.Task<string> Get() => s_httpClient.GetStringAsync("http://localhost/");
            }
        }
        """, test =>
        {
            SharedFieldFirst(test);
            test.LanguageVersion = LanguageVersion.CSharp9;
        });

    [Fact]
    public Task Handlers_and_constant_default_headers_move_onto_the_shared_client() => VerifyFix.CodeFixAsync("""
        using System.Net.Http.Headers;

        class Catalog
        {
            public async Task<string> Get(string path)
            {
                using (var client = [|new HttpClient(new HttpClientHandler { AllowAutoRedirect = false })|])
                    return await client.GetStringAsync(path);
            }
        }

        class Search
        {
            public async Task<string> Find(string query)
            {
                var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
                using var client = [|new HttpClient(handler)|];
                client.DefaultRequestHeaders.Add("User-Agent", "search");
                client.DefaultRequestHeaders.Add("X-Api-Version", "2");
                return await client.GetStringAsync("http://search.local/?q=" + query);
            }
        }

        class Reports
        {
            public async Task<string> Daily()
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "cmVwb3J0czpyZXBvcnRz");
                return await client.GetStringAsync("http://reports.local/daily");
            }

            public async Task<string> Weekly()
            {
                using var client = [|new HttpClient { Timeout = TimeSpan.FromMinutes(1) }|];
                return await client.GetStringAsync("http://reports.local/weekly");
            }
        }
        """, """
        using System.Net.Http.Headers;

        class Catalog
        {
            private static readonly HttpClient s_httpClient = new(new HttpClientHandler { AllowAutoRedirect = false });

            public async Task<string> Get(string path)
            {
                return await s_httpClient.GetStringAsync(path);
            }
        }

        class Search
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { DefaultRequestHeaders = { { "User-Agent", "search" }, { "X-Api-Version", "2" } } };

            public async Task<string> Find(string query)
            {
                return await s_httpClient.GetStringAsync("http://search.local/?q=" + query);
            }
        }

        class Reports
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { DefaultRequestHeaders = { Accept = { new MediaTypeWithQualityHeaderValue("application/json") }, Authorization = new AuthenticationHeaderValue("Basic", "cmVwb3J0czpyZXBvcnRz") } };
            private static readonly HttpClient s_httpClient2 = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromMinutes(1) };

            public async Task<string> Daily()
            {
                return await s_httpClient.GetStringAsync("http://reports.local/daily");
            }

            public async Task<string> Weekly()
            {
                return await s_httpClient2.GetStringAsync("http://reports.local/weekly");
            }
        }
        """);

    [Fact]
    public Task Settings_that_differ_per_call_move_onto_each_request() => VerifyFix.CodeFixAsync("""
        using System.Net.Http.Headers;

        class Orders
        {
            public async Task<HttpResponseMessage> Get(string token, string id)
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Add("X-Token", token);
                return await client.GetAsync("http://orders.local/" + id);
            }

            public async Task<HttpResponseMessage> Post(AuthenticationHeaderValue auth, HttpContent content, CancellationToken cancellationToken)
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Authorization = auth;
                return await client.PostAsync("http://orders.local/", content, cancellationToken);
            }

            public async Task<string> FromTenant(Uri tenant)
            {
                using var client = [|new HttpClient { BaseAddress = tenant }|];
                var orders = await client.GetStringAsync("orders");
                return orders + await client.GetStringAsync(new Uri("totals", UriKind.Relative));
            }
        }
        """, """
        using System.Net.Http.Headers;

        class Orders
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            public async Task<HttpResponseMessage> Get(string token, string id)
            {
                return await s_httpClient.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://orders.local/" + id) { Headers = { { "X-Token", token } } });
            }

            public async Task<HttpResponseMessage> Post(AuthenticationHeaderValue auth, HttpContent content, CancellationToken cancellationToken)
            {
                return await s_httpClient.SendAsync(new HttpRequestMessage(HttpMethod.Post, "http://orders.local/") { Content = content, Headers = { Authorization = auth } }, cancellationToken);
            }

            public async Task<string> FromTenant(Uri tenant)
            {
                var orders = await s_httpClient.GetStringAsync(new Uri(tenant, "orders"));
                return orders + await s_httpClient.GetStringAsync(new Uri(tenant, new Uri("totals", UriKind.Relative)));
            }
        }
        """);

    [Fact]
    public Task Minimal_api_handlers_capture_one_client_of_the_top_level_code() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Builder;

        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();

        app.MapGet("/weather", async () =>
        {
            using var client = [|new HttpClient()|];
            return await client.GetStringAsync("http://weather.local/today");
        });

        app.Run();
        """, """
        using Microsoft.AspNetCore.Builder;

        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();

        var httpClient = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
        app.MapGet("/weather", async () =>
        {
            return await httpClient.GetStringAsync("http://weather.local/today");
        });

        app.Run();
        """, test => test.OutputKind = OutputKind.ConsoleApplication);

    [Fact]
    public Task No_fix_for_a_static_minimal_api_handler() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Builder;

        var app = WebApplication.CreateBuilder(args).Build();
        app.MapGet("/static", static () => [|new HttpClient()|].GetStringAsync("http://weather.local/"));
        app.Run();
        """, """
        using Microsoft.AspNetCore.Builder;

        var app = WebApplication.CreateBuilder(args).Build();
        app.MapGet("/static", static () => [|new HttpClient()|].GetStringAsync("http://weather.local/"));
        app.Run();
        """, test => test.OutputKind = OutputKind.ConsoleApplication);

    [Fact]
    public Task A_per_call_timeout_becomes_a_token_source_for_the_call() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> Plain(TimeSpan timeout)
            {
                using var client = [|new HttpClient { Timeout = timeout }|];
                return await client.GetStringAsync("http://localhost/");
            }

            async Task<HttpResponseMessage> PassedToken(TimeSpan timeout, CancellationToken cancellationToken)
            {
                using var client = [|new HttpClient()|];
                client.Timeout = timeout;
                return await client.GetAsync("http://localhost/", cancellationToken);
            }

            async Task<string> TokenInScope(int seconds, CancellationToken cancellationToken)
            {
                var client = [|new HttpClient { Timeout = TimeSpan.FromSeconds(seconds) }|];
                var text = await client.GetStringAsync("http://localhost/");
                client.Dispose();
                return text;
            }
        }
        """, """
        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan };

            async Task<string> Plain(TimeSpan timeout)
            {
                using var cts = new CancellationTokenSource(timeout);
                return await s_httpClient.GetStringAsync("http://localhost/", cts.Token);
            }

            async Task<HttpResponseMessage> PassedToken(TimeSpan timeout, CancellationToken cancellationToken)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(timeout);
                return await s_httpClient.GetAsync("http://localhost/", cts.Token);
            }

            async Task<string> TokenInScope(int seconds, CancellationToken cancellationToken)
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(seconds));
                var text = await s_httpClient.GetStringAsync("http://localhost/", cts.Token);
                return text;
            }
        }
        """);

    [Fact]
    public Task A_client_that_makes_several_calls_gets_a_token_source_per_call() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> Twice(int seconds, string id)
            {
                using var client = [|new HttpClient()|];
                client.Timeout = TimeSpan.FromSeconds(seconds);
                client.DefaultRequestHeaders.Add("X-Id", id);
                var order = await client.GetStringAsync("http://localhost/order").ConfigureAwait(false);
                using var response = await client.GetAsync("http://localhost/total").ConfigureAwait(false);
                return order + response.StatusCode;
            }
        }
        """, """
        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan };

            async Task<string> Twice(int seconds, string id)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/order") { Headers = { { "X-Id", id } } };
                using var response2 = await s_httpClient.SendAsync(request, cts.Token).ConfigureAwait(false);
                response2.EnsureSuccessStatusCode();
                var order = await response2.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
                using var cts2 = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
                using var response = await s_httpClient.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://localhost/total") { Headers = { { "X-Id", id } } }, cts2.Token).ConfigureAwait(false);
                return order + response.StatusCode;
            }
        }
        """);

    [Fact]
    public Task A_per_call_timeout_is_not_moved_onto_calls_awaited_in_one_statement() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> Twice(TimeSpan timeout)
            {
                using var client = [|new HttpClient { Timeout = timeout }|];
                return await client.GetStringAsync("http://localhost/a") + await client.GetStringAsync("http://localhost/b");
            }
        }
        """, """
        class C
        {
            async Task<string> Twice(TimeSpan timeout)
            {
                using var client = [|new HttpClient { Timeout = timeout }|];
                return await client.GetStringAsync("http://localhost/a") + await client.GetStringAsync("http://localhost/b");
            }
        }
        """);

    [Fact]
    public Task A_method_that_returns_the_call_with_a_per_call_timeout_becomes_async() => VerifyFix.CodeFixAsync("""
        class C
        {
            Task<string> Returned(TimeSpan timeout)
            {
                var client = [|new HttpClient { Timeout = timeout }|];
                return client.GetStringAsync("http://localhost/");
            }

            public Task<HttpResponseMessage> Local(string id)
            {
                return Send(TimeSpan.FromSeconds(5));

                Task<HttpResponseMessage> Send(TimeSpan timeout)
                {
                    var client = [|new HttpClient { Timeout = timeout }|];
                    return client.GetAsync("http://localhost/" + id);
                }
            }
        }
        """, """
        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan };

            async Task<string> Returned(TimeSpan timeout)
            {
                using var cts = new CancellationTokenSource(timeout);
                return await s_httpClient.GetStringAsync("http://localhost/", cts.Token);
            }

            public Task<HttpResponseMessage> Local(string id)
            {
                return Send(TimeSpan.FromSeconds(5));

                async Task<HttpResponseMessage> Send(TimeSpan timeout)
                {
                    using var cts = new CancellationTokenSource(timeout);
                    return await s_httpClient.GetAsync("http://localhost/" + id, cts.Token);
                }
            }
        }
        """);

    [Fact]
    public Task A_per_call_timeout_is_not_moved_onto_a_returned_call_of_a_method_with_other_returns() => VerifyFix.CodeFixAsync("""
        class C
        {
            Task<string> Returned(TimeSpan timeout, string? cached)
            {
                if (cached is not null)
                {
                    return Task.FromResult(cached);
                }

                var client = [|new HttpClient { Timeout = timeout }|];
                return client.GetStringAsync("http://localhost/");
            }
        }
        """, """
        class C
        {
            Task<string> Returned(TimeSpan timeout, string? cached)
            {
                if (cached is not null)
                {
                    return Task.FromResult(cached);
                }

                var client = [|new HttpClient { Timeout = timeout }|];
                return client.GetStringAsync("http://localhost/");
            }
        }
        """);

    [Fact]
    public Task A_per_call_header_on_a_call_that_reads_the_content_goes_onto_a_request() => VerifyFix.CodeFixAsync("""
        using System.Net.Http.Json;

        record Order(int Id);

        class C
        {
            async Task<string> Text(string token)
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Add("Authorization", token);
                return await client.GetStringAsync("http://localhost/");
            }

            async Task<int> Bytes(string token, CancellationToken cancellationToken)
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Add("X-Token", token);
                var bytes = await client.GetByteArrayAsync("http://localhost/", cancellationToken);
                return bytes.Length;
            }

            async Task<Order?> Json(System.Net.Http.Headers.AuthenticationHeaderValue auth)
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Authorization = auth;
                return await client.GetFromJsonAsync<Order>("http://localhost/order");
            }

            async Task<long> Stream(string token)
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Add("X-Token", token);
                using var stream = await client.GetStreamAsync("http://localhost/");
                return stream.Length;
            }
        }
        """, """
        using System.Net.Http.Json;

        record Order(int Id);

        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            async Task<string> Text(string token)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/") { Headers = { { "Authorization", token } } };
                using var response = await s_httpClient.SendAsync(request);
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadAsStringAsync();
            }

            async Task<int> Bytes(string token, CancellationToken cancellationToken)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/") { Headers = { { "X-Token", token } } };
                using var response = await s_httpClient.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                return bytes.Length;
            }

            async Task<Order?> Json(System.Net.Http.Headers.AuthenticationHeaderValue auth)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/order") { Headers = { Authorization = auth } };
                using var response = await s_httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadFromJsonAsync<Order>();
            }

            async Task<long> Stream(string token)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/") { Headers = { { "X-Token", token } } };
                var response = await s_httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                using var stream = await response.Content.ReadAsStreamAsync();
                return stream.Length;
            }
        }
        """);

    [Fact]
    public Task Added_headers_and_a_per_call_authorization_go_onto_one_request() => VerifyFix.CodeFixAsync("""
        using System.Net.Http.Headers;

        class C
        {
            async Task<HttpResponseMessage> Get(string token)
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Add("X-Token", token);
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                return await client.GetAsync("http://localhost/");
            }

            async Task<string> Read(string token)
            {
                using var client = [|new HttpClient()|];
                client.DefaultRequestHeaders.Add("X-Token", token);
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
                return await client.GetStringAsync("http://localhost/");
            }
        }
        """, """
        using System.Net.Http.Headers;

        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            async Task<HttpResponseMessage> Get(string token)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/") { Headers = { { "X-Token", token } } };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                return await s_httpClient.SendAsync(request);
            }

            async Task<string> Read(string token)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/") { Headers = { { "X-Token", token } } };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await s_httpClient.SendAsync(request);
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadAsStringAsync();
            }
        }
        """);

    [Fact]
    public Task A_per_call_base_address_resolves_a_prepared_request_before_it_is_sent() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<HttpResponseMessage> SendWithPerCallBase(Uri baseAddress, HttpRequestMessage request)
            {
                using var client = [|new HttpClient { BaseAddress = baseAddress }|];
                // Sent as given.
                return await client.SendAsync(request);
            }

            async Task<string> SendWithPerCallBaseAndToken(Uri baseAddress, CancellationToken cancellationToken)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "orders");
                using var client = [|new HttpClient()|];
                client.BaseAddress = baseAddress;
                using var response = await client.SendAsync(request, cancellationToken);
                return await response.Content.ReadAsStringAsync(cancellationToken);
            }
        }
        """, """
        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            async Task<HttpResponseMessage> SendWithPerCallBase(Uri baseAddress, HttpRequestMessage request)
            {
                // Sent as given.
                request.RequestUri = request.RequestUri is null ? baseAddress : new Uri(baseAddress, request.RequestUri);
                return await s_httpClient.SendAsync(request);
            }

            async Task<string> SendWithPerCallBaseAndToken(Uri baseAddress, CancellationToken cancellationToken)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "orders");
                request.RequestUri = request.RequestUri is null ? baseAddress : new Uri(baseAddress, request.RequestUri);
                using var response = await s_httpClient.SendAsync(request, cancellationToken);
                return await response.Content.ReadAsStringAsync(cancellationToken);
            }
        }
        """);

    [Fact]
    public Task Per_call_forms_add_the_imports_they_need() => VerifyFix.CodeFixAsync("""
        namespace Shop
        {
            class C
            {
                async System.Threading.Tasks.Task<string> Text(string token, System.TimeSpan timeout)
                {
                    using var client = [|new System.Net.Http.HttpClient()|];
                    client.Timeout = timeout;
                    client.DefaultRequestHeaders.Add("X-Token", token);
                    return await client.GetStringAsync("http://localhost/");
                }
            }
        }
        """, """
        using System;
        using System.Net.Http;
        using System.Threading;

        namespace Shop
        {
            class C
            {
                private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = Timeout.InfiniteTimeSpan };

                async System.Threading.Tasks.Task<string> Text(string token, System.TimeSpan timeout)
                {
                    using var cts = new CancellationTokenSource(timeout);
                    using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/") { Headers = { { "X-Token", token } } };
                    using var response = await s_httpClient.SendAsync(request, cts.Token);
                    response.EnsureSuccessStatusCode();
                    return await response.Content.ReadAsStringAsync(cts.Token);
                }
            }
        }
        """, test => test.LanguageVersion = LanguageVersion.CSharp9);

    [Fact]
    public Task Clients_created_in_constructors_of_per_request_types_are_shared() => VerifyFix.CodeFixAsync("""
        using Microsoft.AspNetCore.Mvc;

        public class OrdersController : ControllerBase
        {
            private readonly Task<string> _banner;

            public OrdersController(IConfiguration configuration)
            {
                using var client = [|new HttpClient()|];
                client.BaseAddress = configuration.BannerService;
                _banner = client.GetStringAsync("banner");
            }
        }

        public class IConfiguration
        {
            public Uri BannerService { get; } = new("http://banner.local/");
        }

        public class GetOrderHandler
        {
            private readonly Task<string> _order;

            public GetOrderHandler(string id, CancellationToken cancellationToken) =>
                _order = [|new HttpClient()|].GetStringAsync("http://orders.local/" + id, cancellationToken);
        }
        """, """
        using Microsoft.AspNetCore.Mvc;

        public class OrdersController : ControllerBase
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            private readonly Task<string> _banner;

            public OrdersController(IConfiguration configuration)
            {
                _banner = s_httpClient.GetStringAsync(new Uri(configuration.BannerService, "banner"));
            }
        }

        public class IConfiguration
        {
            public Uri BannerService { get; } = new("http://banner.local/");
        }

        public class GetOrderHandler
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            private readonly Task<string> _order;

            public GetOrderHandler(string id, CancellationToken cancellationToken) =>
                _order = s_httpClient.GetStringAsync("http://orders.local/" + id, cancellationToken);
        }
        """);

    [Fact]
    public Task No_fix_for_a_handler_that_comes_from_the_caller() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> HandlerFromTheCall(HttpMessageHandler handler)
            {
                using var client = [|new HttpClient(handler)|];
                return await client.GetStringAsync("http://localhost/");
            }
        }
        """, """
        class C
        {
            async Task<string> HandlerFromTheCall(HttpMessageHandler handler)
            {
                using var client = [|new HttpClient(handler)|];
                return await client.GetStringAsync("http://localhost/");
            }
        }
        """);

    [Fact]
    public Task A_using_statement_on_the_local_is_unwrapped() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<string> UsingStatementOnTheLocal()
            {
                var client = [|new HttpClient()|];
                using (client)
                {
                    return await client.GetStringAsync("http://localhost/");
                }
            }
        }
        """, """
        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            async Task<string> UsingStatementOnTheLocal()
            {
                return await s_httpClient.GetStringAsync("http://localhost/");
            }
        }
        """);

    [Fact]
    public Task No_fix_for_a_derived_client() => VerifyFix.CodeFixAsync("""
        class MyClient : HttpClient
        {
            public string Name => "mine";
        }

        class C
        {
            string Derived()
            {
                using var client = [|new MyClient()|];
                return client.Name;
            }
        }
        """, """
        class MyClient : HttpClient
        {
            public string Name => "mine";
        }

        class C
        {
            string Derived()
            {
                using var client = [|new MyClient()|];
                return client.Name;
            }
        }
        """);

    [Fact]
    public Task No_fix_for_a_derived_client_even_with_a_factory_in_scope() => VerifyFix.CodeFixAsync("""
        class MyClient : HttpClient
        {
            public string Name => "mine";
        }

        class C(IHttpClientFactory factory)
        {
            string Derived()
            {
                using var client = [|new MyClient()|];
                return client.Name;
            }
        }
        """, """
        class MyClient : HttpClient
        {
            public string Name => "mine";
        }

        class C(IHttpClientFactory factory)
        {
            string Derived()
            {
                using var client = [|new MyClient()|];
                return client.Name;
            }
        }
        """);

    [Fact]
    public Task No_shared_client_for_a_method_configured_to_dispose_it() => VerifyFix.CodeFixAsync("""
        static class Http
        {
            public static void Release(HttpClient client) => client.Dispose();
        }

        class C
        {
            async Task<string> M()
            {
                var client = [|new HttpClient()|];
                var text = await client.GetStringAsync("http://localhost/");
                Http.Release(client);
                return text;
            }
        }
        """, """
        static class Http
        {
            public static void Release(HttpClient client) => client.Dispose();
        }

        class C
        {
            async Task<string> M()
            {
                var client = [|new HttpClient()|];
                var text = await client.GetStringAsync("http://localhost/");
                Http.Release(client);
                return text;
            }
        }
        """, test => test.EditorConfig = "leak_analyzers.disposing_methods = Http.Release");

    [Fact]
    public Task Fix_does_not_reuse_a_differently_configured_shared_client() => VerifyFix.CodeFixAsync("""
        class C
        {
            private static readonly HttpClient s_catalog = new() { Timeout = TimeSpan.FromSeconds(1) };
            private static HttpClient? s_lazy;

            Task<string> M() => [|new HttpClient()|].GetStringAsync("http://localhost/");
        }
        """, """
        class C
        {
            private static readonly HttpClient s_catalog = new() { Timeout = TimeSpan.FromSeconds(1) };
            private static HttpClient? s_lazy;

            Task<string> M() => [|new HttpClient()|].GetStringAsync("http://localhost/");
        }
        """);

    [Fact]
    public Task A_using_body_whose_locals_would_clash_stays_a_block() => VerifyFix.CodeFixAsync("""
        class C
        {
            async Task<int> M(bool cached)
            {
                if (cached)
                {
                    var text = "cached";
                    return text.Length;
                }

                using (var client = [|new HttpClient()|])
                {
                    var text = await client.GetStringAsync("http://localhost/");
                    return text.Length;
                }
            }
        }
        """, """
        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            async Task<int> M(bool cached)
            {
                if (cached)
                {
                    var text = "cached";
                    return text.Length;
                }

                {
                    var text = await s_httpClient.GetStringAsync("http://localhost/");
                    return text.Length;
                }
            }
        }
        """);

    // ---- Fix 2: IHttpClientFactory ------------------------------------------------------------

    [Fact]
    public Task Factory_fix_is_not_used_from_static_code() => VerifyFix.CodeFixAsync("""
        class C
        {
            private readonly IHttpClientFactory _factory = null!;

            static Task<string> Static() => [|new HttpClient()|].GetStringAsync("http://localhost/");
        }
        """, """
        class C
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            private readonly IHttpClientFactory _factory = null!;

            static Task<string> Static() => s_httpClient.GetStringAsync("http://localhost/");
        }
        """, SharedFieldFirst);

    [Fact]
    public Task Factory_fix_ignores_a_local_declared_later() => VerifyFix.CodeFixAsync("""
        class C
        {
            private readonly IHttpClientFactory _factory = null!;

            Task<string> Later(IServiceProvider services)
            {
                var text = [|new HttpClient()|].GetStringAsync("http://localhost/");
                IHttpClientFactory local = (IHttpClientFactory)services.GetService(typeof(IHttpClientFactory))!;
                return text;
            }
        }
        """, """
        class C
        {
            private readonly IHttpClientFactory _factory = null!;

            Task<string> Later(IServiceProvider services)
            {
                var text = _factory.CreateClient().GetStringAsync("http://localhost/");
                IHttpClientFactory local = (IHttpClientFactory)services.GetService(typeof(IHttpClientFactory))!;
                return text;
            }
        }
        """, FactoryFirst);

    [Fact]
    public Task Fix_uses_the_factory_in_scope() => VerifyFix.CodeFixAsync("""
        class Orders(IHttpClientFactory httpClientFactory)
        {
            public async Task<string> Get()
            {
                using var client = [|new HttpClient()|];
                return await client.GetStringAsync("http://localhost/");
            }
        }

        class Invoices
        {
            private readonly IHttpClientFactory _factory;

            public Invoices(IHttpClientFactory factory) => _factory = factory;

            public Task<string> Get() => [|new HttpClient()|].GetStringAsync("http://localhost/");
        }
        """, """
        class Orders(IHttpClientFactory httpClientFactory)
        {
            public async Task<string> Get()
            {
                using var client = httpClientFactory.CreateClient();
                return await client.GetStringAsync("http://localhost/");
            }
        }

        class Invoices
        {
            private readonly IHttpClientFactory _factory;

            public Invoices(IHttpClientFactory factory) => _factory = factory;

            public Task<string> Get() => _factory.CreateClient().GetStringAsync("http://localhost/");
        }
        """, FactoryFirst);


    [Fact]
    public Task Fix_all_uses_the_factory_field_where_it_is_in_scope_even_when_the_first_diagnostic_has_none() => VerifyFix.CodeFixAsync("""
        class Reports
        {
            public Task<string> Daily() => [|new HttpClient()|].GetStringAsync("http://reports.local/daily");
        }
        """, """
        class Reports
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            public Task<string> Daily() => s_httpClient.GetStringAsync("http://reports.local/daily");
        }
        """, test =>
        {
            SharedFieldFirst(test);
            test.TestState.Sources.Add(("/0/FileMirror.cs", """
                class FileMirror
                {
                    private readonly IHttpClientFactory _factory;

                    public FileMirror(IHttpClientFactory factory) => _factory = factory;

                    public async Task<string> Text(Uri source)
                    {
                        async Task<string> FetchAsync(Uri uri)
                        {
                            var client = [|new HttpClient()|];
                            return await client.GetStringAsync(uri);
                        }

                        return await FetchAsync(source);
                    }

                    public Task<string> Checksum(Uri source) => [|new HttpClient()|].GetStringAsync(new Uri(source, "SHA256SUMS"));

                    public static Task<string> Probe(Uri source) => [|new HttpClient()|].GetStringAsync(source);
                }
                """));
            test.FixedState.Sources.Add(("/0/FileMirror.cs", """
                class FileMirror
                {
                    private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
                    private readonly IHttpClientFactory _factory;

                    public FileMirror(IHttpClientFactory factory) => _factory = factory;

                    public async Task<string> Text(Uri source)
                    {
                        async Task<string> FetchAsync(Uri uri)
                        {
                            var client = _factory.CreateClient();
                            return await client.GetStringAsync(uri);
                        }

                        return await FetchAsync(source);
                    }

                    public Task<string> Checksum(Uri source) => _factory.CreateClient().GetStringAsync(new Uri(source, "SHA256SUMS"));

                    public static Task<string> Probe(Uri source) => s_httpClient.GetStringAsync(source);
                }
                """));
        });

    [Fact]
    public Task The_shared_client_is_the_second_action_where_a_factory_is_in_scope() => VerifyFix.CodeFixAsync("""
        class Invoices
        {
            private readonly IHttpClientFactory _factory;

            public Invoices(IHttpClientFactory factory) => _factory = factory;

            public Task<string> Get() => [|new HttpClient()|].GetStringAsync("http://localhost/");
        }
        """, """
        class Invoices
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });
            private readonly IHttpClientFactory _factory;

            public Invoices(IHttpClientFactory factory) => _factory = factory;

            public Task<string> Get() => s_httpClient.GetStringAsync("http://localhost/");
        }
        """, test =>
        {
            test.CodeActionIndex = 1;
            test.CodeActionEquivalenceKey = ReuseHttpClientCodeFixProvider.SharedFieldTitle;
        });

    [Theory]
    [InlineData("using var client = new HttpClient(;")]
    [InlineData("var client = new HttpClient { BaseAddress = }; client.")]
    [InlineData("using (var client = new HttpClient() { await client.GetStringAsync(\"u\"); }")]
    [InlineData("var client = new HttpClient(Missing, disposeHandler: false);")]
    public async Task Incomplete_code_never_throws(string body)
    {
        await BrokenCode.NeverThrowsAsync<LeakAnalyzers.Rules.HttpClientPerCallAnalyzer>("class C { async Task M() { " + body + " } }");
    }
}
