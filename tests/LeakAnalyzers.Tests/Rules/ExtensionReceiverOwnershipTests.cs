using Xunit;
using VerifyClient = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpClientPerCallAnalyzer>;
using VerifyClientFix = LeakAnalyzers.Tests.Verification.Verify<LeakAnalyzers.Rules.HttpClientPerCallAnalyzer, LeakAnalyzers.CodeFixes.Disposal.ReuseHttpClientCodeFixProvider>;

namespace LeakAnalyzers.Tests.Rules;

/// <summary>
/// The receiver of an extension method is used, not handed over: <c>client.PostAsJsonAsync(...)</c>
/// returns a response, and a response is not a wrapper that owns the client (found by the held-out corpus).
/// </summary>
public sealed class ExtensionReceiverOwnershipTests
{
    [Fact]
    public Task A_client_used_through_json_extension_methods_is_reported() => VerifyClient.DiagnosticsAsync("""
        using System.Net.Http.Json;

        class Webhooks
        {
            async Task DeliverAsync(IEnumerable<string> urls, CancellationToken cancellationToken)
            {
                foreach (var url in urls)
                {
                    try
                    {
                        var client = [|new HttpClient()|];
                        using var response = await client.PostAsJsonAsync(url, new { ok = true }, cancellationToken);
                    }
                    catch (HttpRequestException)
                    {
                    }
                }
            }

            async Task<int?> ReadAsync(string url)
            {
                using var client = [|new HttpClient()|];
                return await HttpClientJsonExtensions.GetFromJsonAsync<int>(client, url);
            }
        }
        """);

    [Fact]
    public Task An_extension_method_of_this_compilation_that_stores_its_receiver_takes_it() => VerifyClient.DiagnosticsAsync("""
        static class Registry
        {
            static readonly List<HttpClient> Clients = new();

            public static HttpClient Register(this HttpClient client)
            {
                Clients.Add(client);
                return client;
            }
        }

        class Setup
        {
            void Configure() => new HttpClient().Register();
        }
        """);

    [Fact]
    public Task Fix_shares_a_client_used_through_an_extension_method() => VerifyClientFix.CodeFixAsync("""
        using System.Net.Http.Json;

        class Webhooks
        {
            async Task DeliverAsync(string url)
            {
                var client = [|new HttpClient()|];
                using var response = await client.PostAsJsonAsync(url, new { ok = true });
            }
        }
        """, """
        using System.Net.Http.Json;

        class Webhooks
        {
            private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

            async Task DeliverAsync(string url)
            {
                using var response = await s_httpClient.PostAsJsonAsync(url, new { ok = true });
            }
        }
        """);
}
