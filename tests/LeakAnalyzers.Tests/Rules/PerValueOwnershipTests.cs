using Xunit;
using VerifyClients = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.PerRequestClientDisposalAnalyzer>;
using VerifyClientsUsing = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.PerRequestClientDisposalAnalyzer, LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider>;
using VerifyResponses = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer>;
using VerifyResponsesDisposePrevious = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer, LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider>;
using VerifyResponsesUsing = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpResponseDisposalAnalyzer, LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider>;
using VerifyPerCall = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpClientPerCallAnalyzer>;
using VerifySources = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.CancellationTokenSourceDisposalAnalyzer>;
using VerifySourcesFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.CancellationTokenSourceDisposalAnalyzer, LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>
/// The shapes of issue 15, seen in real libraries: ownership judged per value, the escapes
/// across constructors and assemblies, and responses received from any method (RULES.md,
/// "Shared definitions" and the amended LEAK001 row). Each shape, and the near misses that
/// must stay as they are.
/// </summary>
public sealed class PerValueOwnershipTests
{
    private const string GatewayLibrary = """
        namespace Gateway;

        public sealed class GatewayApiClient : System.IDisposable
        {
            public void Dispose() { }
        }

        public abstract class BaseBot : System.IDisposable
        {
            private readonly GatewayApiClient _api;
            protected BaseBot(GatewayApiClient api) => _api = api;
            public void Dispose() => _api.Dispose();
        }

        public readonly struct RestResponse
        {
            public RestResponse(System.Net.HttpStatusCode status, System.IO.Stream body) { Status = status; Body = body; }
            public System.Net.HttpStatusCode Status { get; }
            public System.IO.Stream Body { get; }
        }
        """;

    // ---- Shape 1: constructor-initializer arguments -----------------------------------------

    [Fact]
    public Task Constructor_initializer_arguments_go_into_the_object_under_construction() => VerifyClients.DiagnosticsAsync("""
        using Gateway;

        public class Bot : BaseBot
        {
            public Bot() : this(CreateApiClient()) { }
            public Bot(int shard) : base(CreateApiClient()) { }
            private Bot(GatewayApiClient api) : base(api) { }
            public Bot(string name) : base(new GatewayApiClient()) { }
            private static GatewayApiClient CreateApiClient() => new GatewayApiClient();
        }
        """, test => test.ReferencedProjectSources.Add(("Gateway.cs", GatewayLibrary)));

    [Fact]
    public Task A_client_created_in_a_constructor_body_and_dropped_is_still_reported() => VerifyClients.DiagnosticsAsync("""
        using Gateway;

        public class Bot : BaseBot
        {
            public Bot() : base(null!)
            {
                var probe = [|new GatewayApiClient()|];
                _ = probe.GetHashCode();
            }
        }
        """, test => test.ReferencedProjectSources.Add(("Gateway.cs", GatewayLibrary)));

    // ---- Shapes 2 and 5: the response handed over with its content -------------------------

    [Fact]
    public Task Returned_content_stream_hands_the_response_over() => VerifyResponses.DiagnosticsAsync("""
        class C
        {
            async Task<Stream> Direct(HttpClient http, string url, CancellationToken ct)
            {
                var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
                return await response.Content.ReadAsStreamAsync(ct);
            }

            async Task<Stream> ThroughALocal(HttpClient http, string url, CancellationToken ct)
            {
                var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
                response.EnsureSuccessStatusCode();
                var stream = await response.Content.ReadAsStreamAsync(ct);
                return stream;
            }
        }
        """);

    [Fact]
    public Task Content_stream_inside_a_returned_struct_of_another_assembly_hands_the_response_over() => VerifyResponses.DiagnosticsAsync("""
        using Gateway;

        class C
        {
            async Task<RestResponse> M(HttpClient http, string url, CancellationToken ct)
            {
                var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
                var stream = await response.Content.ReadAsStreamAsync(ct);
                return new RestResponse(response.StatusCode, stream);
            }
        }
        """, test => test.ReferencedProjectSources.Add(("Gateway.cs", GatewayLibrary)));

    [Fact]
    public Task Content_or_content_stream_stored_or_returned_in_an_object_hands_the_response_over() => VerifyResponses.DiagnosticsAsync("""
        using System.Net;
        using System.Net.Http.Headers;

        sealed class ApiRequest { public Stream? ResponseStream { get; set; } }
        sealed class Holder { public Stream? Content { get; set; } }
        sealed record Response(HttpStatusCode Status, HttpContent Content, HttpResponseHeaders Headers);

        class C
        {
            async Task Stored(HttpClient http, ApiRequest request, string u, CancellationToken ct)
            {
                var r = await http.GetAsync(u, HttpCompletionOption.ResponseHeadersRead, ct);
                request.ResponseStream = await r.Content.ReadAsStreamAsync(ct);
            }

            async Task<Holder> InAnInitializer(HttpClient http, string u, CancellationToken ct)
            {
                var r = await http.GetAsync(u, HttpCompletionOption.ResponseHeadersRead, ct);
                return new Holder { Content = await r.Content.ReadAsStreamAsync(ct) };
            }

            async Task<Stream> StreamOfAContentLocal(HttpClient http, string u, CancellationToken ct)
            {
                var r = await http.GetAsync(u, HttpCompletionOption.ResponseHeadersRead, ct);
                if (r.Content is not StreamContent content)
                {
                    throw new NotSupportedException();
                }

                var stream = await content.ReadAsStreamAsync(ct);
                return (Stream)stream;
            }

            async Task<Response> ContentInAReturnedRecord(HttpClient http, string u, CancellationToken ct)
            {
                var r = await http.GetAsync(u, HttpCompletionOption.ResponseHeadersRead, ct);
                return new Response(r.StatusCode, r.Content, r.Headers);
            }
        }
        """);

    [Fact]
    public Task Content_stream_disposed_with_using_releases_the_response_on_the_paths_that_reach_it() => VerifyResponses.DiagnosticsAsync("""
        class C
        {
            async IAsyncEnumerable<string> Lines(HttpClient http, string u)
            {
                var response = await http.GetAsync(u, HttpCompletionOption.ResponseHeadersRead);
                using (var stream = await response.Content.ReadAsStreamAsync())
                using (var reader = new StreamReader(stream))
                {
                    string? line;
                    while ((line = await reader.ReadLineAsync()) != null)
                    {
                        if (line == "[DONE]") yield break;
                        yield return line;
                    }
                }
            }

            async Task<string> EarlyExit(HttpClient http, string u)
            {
                var response = await [|http.GetAsync(u, HttpCompletionOption.ResponseHeadersRead)|];
                if (!response.IsSuccessStatusCode)
                {
                    return "";
                }

                using var stream = await response.Content.ReadAsStreamAsync();
                using var reader = new StreamReader(stream);
                return await reader.ReadToEndAsync();
            }
        }
        """);

    [Fact]
    public Task Values_read_from_the_response_do_not_hand_it_over() => VerifyResponses.DiagnosticsAsync("""
        using System.Net;
        using System.Net.Http.Headers;

        sealed record Response(HttpStatusCode Status, string Body, HttpResponseHeaders Headers);

        class C
        {
            async Task<Response> M(HttpClient http, string u, CancellationToken ct)
            {
                var response = await [|http.GetAsync(u, ct)|];
                var body = await response.Content.ReadAsStringAsync(ct);
                return new Response(response.StatusCode, body, response.Headers);
            }

            async Task<int> StreamReadLocally(HttpClient http, string u, CancellationToken ct)
            {
                var response = await [|http.GetAsync(u, HttpCompletionOption.ResponseHeadersRead, ct)|];
                var stream = await [|response.Content.ReadAsStreamAsync(ct)|];
                return stream.ReadByte();
            }
        }
        """);

    [Fact]
    public Task Using_fix_is_not_offered_for_a_response_whose_stream_is_returned_on_another_path() => VerifyResponsesUsing.CodeFixAsync("""
        class C
        {
            async Task<Stream?> M(HttpClient http, string[] mirrors, CancellationToken ct)
            {
                foreach (var mirror in mirrors)
                {
                    var response = await [|http.GetAsync(mirror, HttpCompletionOption.ResponseHeadersRead, ct)|];
                    if (response.IsSuccessStatusCode)
                    {
                        return await response.Content.ReadAsStreamAsync(ct);
                    }
                }

                return null;
            }
        }
        """, """
        class C
        {
            async Task<Stream?> M(HttpClient http, string[] mirrors, CancellationToken ct)
            {
                foreach (var mirror in mirrors)
                {
                    var response = await [|http.GetAsync(mirror, HttpCompletionOption.ResponseHeadersRead, ct)|];
                    if (response.IsSuccessStatusCode)
                    {
                        return await response.Content.ReadAsStreamAsync(ct);
                    }
                }

                return null;
            }
        }
        """);

    // ---- Shape 3: a value lost by reassignment ---------------------------------------------

    [Fact]
    public Task Redirect_that_overwrites_the_first_response_is_reported() => VerifyResponses.DiagnosticsAsync("""
        using System.Net;

        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, HttpRequestMessage request, HttpRequestMessage redirect, CancellationToken ct)
            {
                var response = await [|http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct)|];
                if (response.StatusCode == HttpStatusCode.Redirect)
                    response = await http.SendAsync(redirect, HttpCompletionOption.ResponseHeadersRead, ct);
                return response;
            }
        }
        """);

    [Fact]
    public Task Retry_loop_that_returns_the_last_response_is_reported() => VerifyResponses.DiagnosticsAsync("""
        class C
        {
            async Task<HttpResponseMessage?> M(HttpClient http, Func<HttpRequestMessage> build, CancellationToken ct)
            {
                HttpResponseMessage? response = null;
                while (true)
                {
                    response = await [|http.SendAsync(build(), ct)|];
                    if ((int)response.StatusCode < 500) break;
                }
                return response;
            }
        }
        """);

    [Fact]
    public Task Previous_response_disposed_before_the_overwrite_or_the_next_iteration_is_not_reported() => VerifyResponses.DiagnosticsAsync("""
        using System.Net;

        class C
        {
            async Task<HttpResponseMessage> Redirect(HttpClient http, HttpRequestMessage request, HttpRequestMessage redirect, CancellationToken ct)
            {
                var response = await http.SendAsync(request, ct);
                if (response.StatusCode == HttpStatusCode.Redirect)
                {
                    response.Dispose();
                    response = await http.SendAsync(redirect, ct);
                }

                return response;
            }

            async Task<HttpResponseMessage> Retry(HttpClient http, Func<HttpRequestMessage> build, CancellationToken ct)
            {
                while (true)
                {
                    var response = await http.SendAsync(build(), ct);
                    if ((int)response.StatusCode < 500)
                    {
                        return response;
                    }

                    response.Dispose();
                }
            }

            async Task<HttpResponseMessage> Follow(HttpClient http, HttpRequestMessage request, CancellationToken ct)
            {
                var response = await http.SendAsync(request, ct);
                response = response.EnsureSuccessStatusCode();
                return response;
            }
        }
        """);

    [Fact]
    public Task Overwrite_of_a_disposed_local_is_reported_for_the_value_it_loses() => VerifyResponses.DiagnosticsAsync("""
        class C
        {
            async Task M(HttpClient http, string a, string b)
            {
                var response = await [|http.GetAsync(a)|];
                response = await http.GetAsync(b);
                response.Dispose();
            }
        }
        """);

    [Fact]
    public Task A_copy_keeps_the_value_alive_past_the_overwrite() => VerifyResponses.DiagnosticsAsync("""
        class C
        {
            async Task<HttpResponseMessage[]> M(HttpClient http, string a, string b)
            {
                var response = await http.GetAsync(a);
                var first = response;
                response = await http.GetAsync(b);
                return new[] { first, response };
            }
        }
        """);

    [Fact]
    public Task Dispose_previous_response_before_the_redirect() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        using System.Net;

        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, HttpRequestMessage request, HttpRequestMessage redirect, CancellationToken ct)
            {
                var response = await [|http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct)|];
                if (response.StatusCode == HttpStatusCode.Redirect)
                    response = await http.SendAsync(redirect, HttpCompletionOption.ResponseHeadersRead, ct);
                // the caller disposes the last one
                return response;
            }
        }
        """, """
        using System.Net;

        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, HttpRequestMessage request, HttpRequestMessage redirect, CancellationToken ct)
            {
                var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                if (response.StatusCode == HttpStatusCode.Redirect)
                {
                    response.Dispose();
                    response = await http.SendAsync(redirect, HttpCompletionOption.ResponseHeadersRead, ct);
                }
                // the caller disposes the last one
                return response;
            }
        }
        """);

    [Fact]
    public Task Dispose_previous_response_before_a_retry_in_a_block() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, Func<HttpRequestMessage> build, CancellationToken ct)
            {
                var response = await [|http.SendAsync(build(), ct)|];
                var attempts = 0;
                while ((int)response.StatusCode >= 500 && attempts++ < 3)
                {
                    await Task.Delay(100, ct);
                    response = await [|http.SendAsync(build(), ct)|];
                }

                return response;
            }
        }
        """, """
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, Func<HttpRequestMessage> build, CancellationToken ct)
            {
                var response = await http.SendAsync(build(), ct);
                var attempts = 0;
                while ((int)response.StatusCode >= 500 && attempts++ < 3)
                {
                    await Task.Delay(100, ct);
                    response.Dispose();
                    response = await http.SendAsync(build(), ct);
                }

                return response;
            }
        }
        """);

    [Fact]
    public Task Dispose_previous_response_at_the_end_of_the_retry_loop() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        class C
        {
            async Task<HttpResponseMessage?> M(HttpClient http, Func<HttpRequestMessage> build, CancellationToken ct)
            {
                HttpResponseMessage? response = null;
                while (true)
                {
                    response = await [|http.SendAsync(build(), ct)|];
                    if ((int)response.StatusCode < 500) break;
                    await Task.Delay(100, ct);
                }
                return response;
            }
        }
        """, """
        class C
        {
            async Task<HttpResponseMessage?> M(HttpClient http, Func<HttpRequestMessage> build, CancellationToken ct)
            {
                HttpResponseMessage? response = null;
                while (true)
                {
                    response = await http.SendAsync(build(), ct);
                    if ((int)response.StatusCode < 500) break;
                    await Task.Delay(100, ct);
                    response.Dispose();
                }
                return response;
            }
        }
        """);

    [Fact]
    public Task Dispose_previous_response_before_the_overwrite_in_a_loop() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client, string[] urls)
            {
                HttpResponseMessage? last = null;
                foreach (var url in urls)
                {
                    // the last one is disposed after the loop
                    last = await [|client.GetAsync(url)|];
                }

                last?.Dispose();
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client, string[] urls)
            {
                HttpResponseMessage? last = null;
                foreach (var url in urls)
                {
                    last?.Dispose();
                    // the last one is disposed after the loop
                    last = await client.GetAsync(url);
                }

                last?.Dispose();
            }
        }
        """);

    [Fact]
    public Task Dispose_previous_response_in_a_retry_loop_whose_condition_reads_it() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        sealed class RetryHandler : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
            {
                HttpResponseMessage response; // the last attempt is returned
                var attempt = 0;
                do
                {
                    response = await [|base.SendAsync(request, ct)|];
                }
                while ((int)response.StatusCode >= 500 && ++attempt < 3);

                return response;
            }
        }
        """, """
        sealed class RetryHandler : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
            {
                HttpResponseMessage? response = null; // the last attempt is returned
                var attempt = 0;
                do
                {
                    response?.Dispose();
                    response = await base.SendAsync(request, ct);
                }
                while ((int)response.StatusCode >= 500 && ++attempt < 3);

                return response;
            }
        }
        """);

    [Fact]
    public Task Dispose_previous_is_not_offered_when_the_local_is_written_elsewhere() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        class C
        {
            async Task M(HttpClient client, string[] urls, HttpResponseMessage cached)
            {
                var last = cached;
                foreach (var url in urls)
                {
                    last = await [|client.GetAsync(url)|];
                }

                last.Dispose();
            }
        }
        """, """
        class C
        {
            async Task M(HttpClient client, string[] urls, HttpResponseMessage cached)
            {
                var last = cached;
                foreach (var url in urls)
                {
                    last = await [|client.GetAsync(url)|];
                }

                last.Dispose();
            }
        }
        """);

    [Fact]
    public Task Fix_all_disposes_with_using_and_disposes_the_previous_response_in_one_pass() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, string url)
            {
                await [|http.PostAsync(url, null)|];
                var response = await [|http.GetAsync(url)|];
                if ((int)response.StatusCode == 302)
                    response = await http.GetAsync(url + "/moved");
                return response;
            }
        }
        """, """
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, string url)
            {
                using var response2 = await http.PostAsync(url, null);
                var response = await http.GetAsync(url);
                if ((int)response.StatusCode == 302)
                {
                    response.Dispose();
                    response = await http.GetAsync(url + "/moved");
                }
                return response;
            }
        }
        """, test => test.NumberOfFixAllIterations = 1);

    [Fact]
    public Task Dispose_previous_source_before_the_overwrite_in_a_loop() => VerifySourcesFix.CodeFixAsync("""
        class C
        {
            private CancellationTokenSource? _current;

            void Restart(CancellationToken stopping, int times)
            {
                CancellationTokenSource? cts = null;
                for (var i = 0; i < times; i++)
                {
                    cts = [|CancellationTokenSource.CreateLinkedTokenSource(stopping)|];
                }

                _current = cts;
            }
        }
        """, """
        class C
        {
            private CancellationTokenSource? _current;

            void Restart(CancellationToken stopping, int times)
            {
                CancellationTokenSource? cts = null;
                for (var i = 0; i < times; i++)
                {
                    cts?.Dispose();
                    cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                }

                _current = cts;
            }
        }
        """);

    [Fact]
    public Task Fix_all_disposes_previous_sources_and_captures_chained_ones_across_documents() => VerifySourcesFix.CodeFixAsync("""
        class Restarter
        {
            private CancellationTokenSource? _current;

            void Restart(CancellationToken stopping, int times)
            {
                CancellationTokenSource? cts = null;
                for (var i = 0; i < times; i++)
                {
                    cts = [|CancellationTokenSource.CreateLinkedTokenSource(stopping)|];
                }

                _current = cts;
            }
        }
        """, """
        class Restarter
        {
            private CancellationTokenSource? _current;

            void Restart(CancellationToken stopping, int times)
            {
                CancellationTokenSource? cts = null;
                for (var i = 0; i < times; i++)
                {
                    cts?.Dispose();
                    cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                }

                _current = cts;
            }
        }
        """, test =>
        {
            test.TestState.Sources.Add("""
            class Syncer
            {
                async Task SyncAsync(Func<CancellationToken, Task> sync, CancellationToken a, CancellationToken b)
                {
                    await sync([|CancellationTokenSource.CreateLinkedTokenSource(a, b)|].Token);
                }
            }
            """);
            test.FixedState.Sources.Add("""
            class Syncer
            {
                async Task SyncAsync(Func<CancellationToken, Task> sync, CancellationToken a, CancellationToken b)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(a, b);
                    await sync(cts.Token);
                }
            }
            """);
            // One pass per scope: the document scope fixes one document a pass.
            test.NumberOfFixAllInDocumentIterations = 2;
            test.NumberOfFixAllInProjectIterations = 1;
            test.NumberOfFixAllIterations = 1;
        });

    [Fact]
    public Task Dispose_previous_client_before_the_overwrite_in_a_loop() => VerifyClientsUsing.CodeFixAsync("""
        using System.Net.Sockets;

        sealed class Feed
        {
            private TcpClient? _client;

            void Reconnect(string host, int attempts)
            {
                TcpClient? client = null;
                for (var i = 0; i < attempts; i++)
                {
                    client = [|new TcpClient()|];
                    if (TryConnect(client, host)) break;
                }

                _client = client;
            }

            static bool TryConnect(TcpClient client, string host) => client.Connected || host.Length == 0;
        }
        """, """
        using System.Net.Sockets;

        sealed class Feed
        {
            private TcpClient? _client;

            void Reconnect(string host, int attempts)
            {
                TcpClient? client = null;
                for (var i = 0; i < attempts; i++)
                {
                    client?.Dispose();
                    client = new TcpClient();
                    if (TryConnect(client, host)) break;
                }

                _client = client;
            }

            static bool TryConnect(TcpClient client, string host) => client.Connected || host.Length == 0;
        }
        """);

    [Fact]
    public Task Dispose_previous_response_after_reading_the_redirect_location() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, string url)
            {
                var response = await [|http.GetAsync(url)|];
                if ((int)response.StatusCode == 302)
                {
                    // follow the redirect once
                    response = await http.GetAsync(response.Headers.Location);
                }

                return response;
            }
        }
        """, """
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, string url)
            {
                var response = await http.GetAsync(url);
                if ((int)response.StatusCode == 302)
                {
                    var location = response.Headers.Location;
                    response.Dispose();
                    // follow the redirect once
                    response = await http.GetAsync(location);
                }

                return response;
            }
        }
        """);

    [Fact]
    public Task Dispose_previous_response_after_an_awaited_read_for_the_next_request() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, string url, string mirror)
            {
                var response = await [|http.GetAsync(url)|];
                if (!response.IsSuccessStatusCode)
                {
                    response = await http.PostAsync(mirror, new StringContent(await response.Content.ReadAsStringAsync()));
                }

                return response;
            }
        }
        """, """
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, string url, string mirror)
            {
                var response = await http.GetAsync(url);
                if (!response.IsSuccessStatusCode)
                {
                    var stringContent = new StringContent(await response.Content.ReadAsStringAsync());
                    response.Dispose();
                    response = await http.PostAsync(mirror, stringContent);
                }

                return response;
            }
        }
        """);

    [Fact]
    public Task Dispose_previous_is_not_offered_when_a_value_may_be_stored_before_the_overwrite() => VerifyResponsesDisposePrevious.CodeFixAsync("""
        class C
        {
            private readonly List<HttpResponseMessage> _kept = new();

            async Task<HttpResponseMessage> M(HttpClient http, string a, string b, bool keep)
            {
                var response = await [|http.GetAsync(a)|];
                if (keep)
                {
                    _kept.Add(response);
                }

                response = await http.GetAsync(b);
                return response;
            }
        }
        """, """
        class C
        {
            private readonly List<HttpResponseMessage> _kept = new();

            async Task<HttpResponseMessage> M(HttpClient http, string a, string b, bool keep)
            {
                var response = await [|http.GetAsync(a)|];
                if (keep)
                {
                    _kept.Add(response);
                }

                response = await http.GetAsync(b);
                return response;
            }
        }
        """);

    [Fact]
    public Task A_local_that_is_assigned_again_gets_dispose_previous_not_using() => VerifyResponsesUsing.CodeFixAsync("""
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, string a, string b, bool retry)
            {
                var response = await [|http.GetAsync(a)|];
                if (retry)
                {
                    response = await http.GetAsync(b);
                }

                return response;
            }
        }
        """, """
        class C
        {
            async Task<HttpResponseMessage> M(HttpClient http, string a, string b, bool retry)
            {
                var response = await http.GetAsync(a);
                if (retry)
                {
                    response.Dispose();
                    response = await http.GetAsync(b);
                }

                return response;
            }
        }
        """);

    [Fact]
    public Task Linked_sources_overwritten_in_a_loop_are_reported_per_value() => VerifySources.DiagnosticsAsync("""
        class C
        {
            private CancellationTokenSource? _current;

            void Restart(CancellationToken stopping, int times)
            {
                CancellationTokenSource? cts = null;
                for (var i = 0; i < times; i++)
                {
                    cts = [|CancellationTokenSource.CreateLinkedTokenSource(stopping)|];
                }

                _current = cts;
            }
        }
        """);

    // ---- Shape 6: a connection handed over through its own method --------------------------

    [Fact]
    public Task Receiver_whose_method_stores_this_in_the_result_is_handed_over() => VerifyClients.DiagnosticsAsync("""
        sealed class ConnectionContent : StreamContent
        {
            private readonly RawConnection _connection;
            public ConnectionContent(Stream body, RawConnection connection) : base(body) => _connection = connection;
            protected override void Dispose(bool disposing) { if (disposing) _connection.Dispose(); base.Dispose(disposing); }
        }

        sealed class RawConnection : IDisposable
        {
            public RawConnection(Stream transport) => Transport = transport;
            public Stream Transport { get; }

            public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) =>
                Task.FromResult(new HttpResponseMessage { Content = new ConnectionContent(Transport, this) });

            public int Ping() => Transport.ReadByte();

            public void Dispose() => Transport.Dispose();
        }

        class C
        {
            async Task<HttpResponseMessage> Send(Stream transport, HttpRequestMessage request, CancellationToken ct)
            {
                var connection = new RawConnection(transport);
                return await connection.SendAsync(request, ct);
            }

            int Ping(Stream transport)
            {
                var connection = [|new RawConnection(transport)|];
                return connection.Ping();
            }
        }
        """);

    // ---- Shape 7: a response received from any method ---------------------------------------

    [Fact]
    public Task Response_from_a_wrapper_interface_is_owned_by_whoever_receives_it() => VerifyResponses.DiagnosticsAsync("""
        public interface IApiConnection
        {
            Task<HttpResponseMessage> SendAsync(HttpRequestMessage r, CancellationToken ct);
        }

        class C
        {
            private readonly IApiConnection _connection;
            private readonly Func<Task<HttpResponseMessage>> _probe;

            public C(IApiConnection connection, Func<Task<HttpResponseMessage>> probe) { _connection = connection; _probe = probe; }

            async Task<bool> Exists(HttpRequestMessage request, CancellationToken ct)
            {
                var response = await [|_connection.SendAsync(request, ct)|];
                return response.IsSuccessStatusCode;
            }

            async Task Head(HttpRequestMessage request, CancellationToken ct)
            {
                await [|_connection.SendAsync(request, ct)|];
                _ = await [|_probe()|];
                _ = await [|Local()|];

                Task<HttpResponseMessage> Local() => _connection.SendAsync(request, ct);
            }

            async Task<HttpResponseMessage> Passed(HttpRequestMessage request, CancellationToken ct)
            {
                var response = await _connection.SendAsync(request, ct);
                return response.EnsureSuccessStatusCode();
            }
        }
        """);

    [Fact]
    public Task Handler_that_retries_base_SendAsync_loses_the_previous_response() => VerifyResponses.DiagnosticsAsync("""
        sealed class RetryHandler : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
            {
                HttpResponseMessage response;
                var attempt = 0;
                do
                {
                    response = await [|base.SendAsync(request, ct)|];
                }
                while ((int)response.StatusCode >= 500 && ++attempt < 3);

                return response;
            }
        }

        sealed class LoggingHandler : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
            {
                var response = await base.SendAsync(request, ct);
                Console.WriteLine(response.StatusCode);
                return response;
            }
        }
        """);

    [Fact]
    public Task Generic_pass_through_methods_and_methods_of_the_response_are_not_producers() => VerifyResponses.DiagnosticsAsync("""
        static class ResponseExtensions
        {
            public static HttpResponseMessage Checked(this HttpResponseMessage response) => response.EnsureSuccessStatusCode();
        }

        class C
        {
            async Task<int> M(HttpResponseMessage given)
            {
                var same = given.EnsureSuccessStatusCode();
                var checkedResponse = given.Checked();
                var fromResult = await Task.FromResult(given);
                return (int)same.StatusCode + (int)checkedResponse.StatusCode + (int)fromResult.StatusCode;
            }
        }
        """);

    // ---- Near misses that must stay as they are ---------------------------------------------

    [Fact]
    public Task Disposable_wrapper_constructor_is_still_an_escape() => VerifyResponses.DiagnosticsAsync("""
        class C
        {
            async Task<StreamReader> M(HttpClient http, string u)
            {
                var stream = await http.GetStreamAsync(u);
                var reader = new StreamReader(stream);
                await Task.Yield();
                return reader;
            }
        }
        """);

    [Fact]
    public Task Grpc_stub_used_locally_and_dropped_still_leaves_the_channel_owned() => VerifyClients.DiagnosticsAsync("""
        namespace Grpc.Net.Client
        {
            public sealed class GrpcChannel : System.IDisposable
            {
                public static GrpcChannel ForAddress(string address) => new GrpcChannel();
                public void Dispose() { }
            }
        }

        namespace Greet
        {
            public sealed class GreeterClient
            {
                private readonly Grpc.Net.Client.GrpcChannel _channel;
                public GreeterClient(Grpc.Net.Client.GrpcChannel channel) => _channel = channel;
                public Task<string> SayHelloAsync(string name) => Task.FromResult(name);
            }
        }

        class C
        {
            async Task<string> Dropped(string address)
            {
                var channel = [|Grpc.Net.Client.GrpcChannel.ForAddress(address)|];
                var client = new Greet.GreeterClient(channel);
                return await client.SayHelloAsync("world");
            }

            Greet.GreeterClient Returned(string address)
            {
                var channel = Grpc.Net.Client.GrpcChannel.ForAddress(address);
                return new Greet.GreeterClient(channel);
            }
        }
        """);

    [Fact]
    public Task Using_fix_is_still_offered_where_nothing_escapes() => VerifyClientsUsing.CodeFixAsync("""
        using Gateway;

        class C
        {
            int M()
            {
                var api = [|new GatewayApiClient()|];
                return api.GetHashCode();
            }
        }
        """, """
        using Gateway;

        class C
        {
            int M()
            {
                using var api = new GatewayApiClient();
                return api.GetHashCode();
            }
        }
        """, test => test.ReferencedProjectSources.Add(("Gateway.cs", GatewayLibrary)));

    [Fact]
    public Task Http_clients_going_into_the_object_under_construction_or_a_returned_object_are_not_per_call() => VerifyPerCall.DiagnosticsAsync("""
        public class ApiBase
        {
            private readonly HttpClient _http;
            protected ApiBase(HttpClient http) => _http = http;
            public Task<string> GetAsync(string url) => _http.GetStringAsync(url);
        }

        public sealed class Api : ApiBase
        {
            public Api() : base(new HttpClient()) { }
        }

        public sealed class ApiFactory
        {
            public static ApiBase Create() => new Wrapper(new HttpClient());

            public static async Task<string> Dropped(string url)
            {
                var wrapper = new Wrapper([|new HttpClient()|]);
                return await wrapper.GetAsync(url);
            }

            private sealed class Wrapper : ApiBase
            {
                public Wrapper(HttpClient http) : base(http) { }
            }
        }
        """);
}
