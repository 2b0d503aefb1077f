using System.Net.Http.Json;

namespace Corpus;

/// <summary>A typed client the services share; its raw call hands the response to the caller.</summary>
public sealed class CatalogApi
{
    private readonly HttpClient _http;

    public CatalogApi(HttpClient http) => _http = http;

    public Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken = default) =>
        _http.SendAsync(request, cancellationToken);

    public async Task<PriceResult?> PriceAsync(string sku, CancellationToken cancellationToken = default) =>
        await _http.GetFromJsonAsync<PriceResult>($"prices/{sku}", cancellationToken);
}

/// <summary>A vendor SDK client: disposable, one connection per instance.</summary>
public sealed class BillingClient : IDisposable
{
    private readonly HttpClient _http = new();

    public BillingClient(string apiKey) => _http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);

    public Task<string> ChargeAsync(string customerId, decimal amount, CancellationToken cancellationToken = default) =>
        _http.GetStringAsync($"https://billing.example.com/charge?c={customerId}&a={amount}", cancellationToken);

    public void Dispose() => _http.Dispose();
}

public sealed class SearchClient : IAsyncDisposable
{
    public SearchClient(string index) => Index = index;

    public string Index { get; }

    public Task<IReadOnlyList<SearchHit>> QueryAsync(string text, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SearchHit>>(new[] { new SearchHit(text, 1.0) });

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public interface ISearchClientFactory
{
    SearchClient CreateClient(string index);
}

public sealed class FtpConnection : IDisposable
{
    public static FtpConnection Open(string host) => new(host);

    private FtpConnection(string host) => Host = host;

    public string Host { get; }

    public Task UploadAsync(string path, Stream content, CancellationToken cancellationToken = default) => content.CopyToAsync(Stream.Null, cancellationToken);

    public void Dispose()
    {
    }
}

public static class TaskExtensions
{
    /// <summary>The team's explicit fire-and-forget helper: logs nothing, observes the exception.</summary>
    public static void Forget(this Task task) => task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
}
