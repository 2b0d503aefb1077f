using System.Net;
using System.Net.Http.Headers;

namespace ValidCode;

/// <summary>
/// Not leaks seen in real libraries (issue 15): constructor-initializer arguments, responses
/// handed over with their content, connections handed over through their own method, and
/// previous values disposed before they are overwritten.
/// </summary>
public sealed class GatewayApiClient : IDisposable
{
    public void Dispose()
    {
    }
}

public abstract class BaseBot : IDisposable
{
    private readonly GatewayApiClient _api;

    protected BaseBot(GatewayApiClient api) => _api = api;

    public void Dispose() => _api.Dispose();
}

public sealed class Bot : BaseBot
{
    public Bot()
        : this(CreateApiClient())
    {
    }

    public Bot(int shard)
        : base(CreateApiClient())
    {
        Shard = shard;
    }

    private Bot(GatewayApiClient api)
        : base(api)
    {
    }

    public int Shard { get; }

    private static GatewayApiClient CreateApiClient() => new();
}

public readonly record struct RawResponse(HttpStatusCode Status, HttpContent Content, HttpResponseHeaders Headers);

public sealed class StreamingRequest
{
    public Stream? ResponseStream { get; set; }
}

public sealed class ResponseHandOver
{
    private readonly HttpClient _http;

    public ResponseHandOver(HttpClient http) => _http = http;

    public async Task<Stream> OpenAsync(Uri url, CancellationToken ct)
    {
        var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStreamAsync(ct);
    }

    public async Task FillAsync(StreamingRequest request, Uri url, CancellationToken ct)
    {
        var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        request.ResponseStream = await response.Content.ReadAsStreamAsync(ct);
    }

    public async Task<RawResponse> SendRawAsync(Uri url, CancellationToken ct)
    {
        var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
        return new RawResponse(response.StatusCode, response.Content, response.Headers);
    }

    public async Task<HttpResponseMessage> FollowOneRedirectAsync(Uri url, CancellationToken ct)
    {
        var response = await _http.GetAsync(url, ct);
        if (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location is { } location)
        {
            response.Dispose();
            response = await _http.GetAsync(location, ct);
        }

        return response;
    }

    public async Task<HttpResponseMessage> RetryAsync(Func<HttpRequestMessage> build, CancellationToken ct)
    {
        while (true)
        {
            var response = await _http.SendAsync(build(), ct);
            if ((int)response.StatusCode < 500)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }
}

/// <summary>A connection whose response content keeps (and finally disposes) the connection.</summary>
public sealed class RawConnection : IDisposable
{
    private readonly Stream _transport;

    public RawConnection(Stream transport) => _transport = transport;

    public static async Task<HttpResponseMessage> SendOnceAsync(Stream transport, CancellationToken ct)
    {
        var connection = new RawConnection(transport);
        return await connection.SendAsync(ct);
    }

    public Task<HttpResponseMessage> SendAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(new HttpResponseMessage { Content = new ConnectionContent(_transport, this) });
    }

    public void Dispose() => _transport.Dispose();

    private sealed class ConnectionContent : StreamContent
    {
        private readonly RawConnection _connection;

        public ConnectionContent(Stream body, RawConnection connection)
            : base(body) => _connection = connection;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _connection.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>A handler passes the response it receives from the next handler on to its caller.</summary>
public sealed class LoggingHandler : DelegatingHandler
{
    public int LastStatus { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        LastStatus = (int)response.StatusCode;
        return response;
    }
}
