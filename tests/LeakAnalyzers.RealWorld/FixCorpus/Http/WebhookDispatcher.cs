using System.Net.Http.Json;

namespace Corpus.Http;

/// <summary>Delivers webhooks to customer endpoints.</summary>
public sealed class WebhookDispatcher
{
    private readonly IHttpClientFactory _factory;
    private readonly ILogger<WebhookDispatcher> _logger;

    public WebhookDispatcher(IHttpClientFactory factory, ILogger<WebhookDispatcher> logger)
    {
        _factory = factory;
        _logger = logger;
    }

    public async Task DeliverAsync(IEnumerable<WebhookEvent> events, CancellationToken cancellationToken)
    {
        foreach (var evt in events)
        {
            try
            {
                var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                var response = await client.PostAsJsonAsync(evt.Url, evt, cancellationToken);
                _logger.LogInformation("Delivered {Type} to {Url}: {Status}", evt.Type, evt.Url, response.StatusCode);
            }
            catch (HttpRequestException ex)
            {
                _logger.LogWarning(ex, "Delivery of {Type} to {Url} failed", evt.Type, evt.Url);
            }
        }
    }

    public Task DeliverAllAsync(IReadOnlyList<WebhookEvent> events)
    {
        var deliveries = new List<Task>();
        foreach (var evt in events)
        {
            deliveries.Add(_factory.CreateClient("webhooks").PostAsJsonAsync(evt.Url, evt));
        }

        return Task.WhenAll(deliveries);
    }

    public void DeliverInBackground(WebhookEvent evt) =>
        _ = Task.Run(() => PostOnceAsync(evt));

    private async Task PostOnceAsync(WebhookEvent evt)
    {
        using var response = await _factory.CreateClient("webhooks").PostAsJsonAsync(evt.Url, evt);
        response.EnsureSuccessStatusCode();
    }

    public async Task<bool> VerifyEndpointAsync(string url)
    {
        using var cts = new CancellationTokenSource();
        var probe = _factory.CreateClient().GetAsync(url);
        var completed = await Task.WhenAny(probe, Task.Delay(2000, cts.Token));
        cts.Cancel();
        return completed == probe && (await probe).IsSuccessStatusCode;
    }
}
