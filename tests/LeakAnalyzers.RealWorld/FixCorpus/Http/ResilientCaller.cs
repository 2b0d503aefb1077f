using System.Net;

namespace Corpus.Http;

/// <summary>Hand-rolled retries and redirects, from before the team adopted Polly.</summary>
public sealed class ResilientCaller
{
    private readonly HttpClient _http;
    private readonly ILogger<ResilientCaller> _logger;

    public ResilientCaller(HttpClient http, ILogger<ResilientCaller> logger)
    {
        _http = http;
        _logger = logger;
    }

    public async Task<HttpResponseMessage> GetWithRetriesAsync(string url, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = null!;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            response = await _http.GetAsync(url, cancellationToken);
            if ((int)response.StatusCode < 500)
            {
                break;
            }

            _logger.LogInformation("Attempt {Attempt} for {Url} failed with {Status}", attempt, url, response.StatusCode);
            await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
        }

        return response;
    }

    public async Task<string> FollowRedirectsAsync(Uri start, CancellationToken cancellationToken)
    {
        var location = start;
        var response = await _http.GetAsync(location, cancellationToken);
        var hops = 0;
        while (response.StatusCode is HttpStatusCode.Moved or HttpStatusCode.Redirect && hops++ < 5)
        {
            location = new Uri(location, response.Headers.Location!);
            response = await _http.GetAsync(location, cancellationToken);
        }

        using (response)
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }
    }

    public string GetSync(string url)
    {
        var response = _http.Send(new HttpRequestMessage(HttpMethod.Get, url));
        using var reader = new StreamReader(response.Content.ReadAsStream());
        return reader.ReadToEnd();
    }

    public bool Ping(string url) => _http.GetAsync(url).Result.IsSuccessStatusCode;

    public async Task<int> PostWithTimeoutAsync(string url, HttpContent content)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var send = _http.PostAsync(url, content);
        var winner = await Task.WhenAny(send, Task.Delay(Timeout.Infinite, timeout.Token));
        if (winner == send)
        {
            using var response = await send;
            return (int)response.StatusCode;
        }

        return 0;
    }
}
