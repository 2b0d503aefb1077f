using System.Collections.Concurrent;
using System.Security.Claims;

namespace Corpus.Realtime;

/// <summary>A singleton: which users are active, for the admin dashboard.</summary>
public sealed class SessionTracker
{
    private readonly ConcurrentDictionary<ClaimsPrincipal, DateTimeOffset> _lastSeen = new();
    private readonly ConcurrentDictionary<HttpContext, CancellationTokenSource> _cancellations = new();

    public void Seen(ClaimsPrincipal user) => _lastSeen[user] = DateTimeOffset.UtcNow;

    public int ActiveSince(DateTimeOffset since) => _lastSeen.Count(kv => kv.Value >= since);

    public CancellationToken TokenFor(HttpContext context) =>
        _cancellations.GetOrAdd(context, _ => new CancellationTokenSource()).Token;

    public void CancelAll()
    {
        foreach (var pair in _cancellations)
        {
            pair.Value.Cancel();
        }

        _cancellations.Clear();
    }
}
