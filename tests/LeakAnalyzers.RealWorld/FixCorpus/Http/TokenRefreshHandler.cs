using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;

namespace Corpus.Http;

/// <summary>Adds the service token; on 401 refreshes it once and retries.</summary>
public sealed class TokenRefreshHandler : DelegatingHandler
{
    private static readonly ConcurrentDictionary<HttpRequestMessage, int> Attempts = new();
    private readonly Func<CancellationToken, Task<string>> _tokenSource;
    private string? _token;

    public TokenRefreshHandler(Func<CancellationToken, Task<string>> tokenSource) => _tokenSource = tokenSource;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _token ??= await _tokenSource(cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        Attempts.AddOrUpdate(request, 1, (_, n) => n + 1);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            _token = await _tokenSource(cancellationToken);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            Attempts.AddOrUpdate(request, 1, (_, n) => n + 1);
            response = await base.SendAsync(request, cancellationToken);
        }

        Attempts.TryRemove(request, out _);
        return response;
    }
}
