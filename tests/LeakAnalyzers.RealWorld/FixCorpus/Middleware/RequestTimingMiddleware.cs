using System.Collections.Concurrent;
using System.Diagnostics;

namespace Corpus.Middleware;

/// <summary>Times each request; the slow-request report reads the map from a timer.</summary>
public sealed class RequestTimingMiddleware
{
    private static readonly ConcurrentDictionary<HttpContext, Stopwatch> InFlight = new();
    private readonly RequestDelegate _next;
    private readonly ILogger<RequestTimingMiddleware> _logger;

    public RequestTimingMiddleware(RequestDelegate next, ILogger<RequestTimingMiddleware> logger)
    {
        _next = next;
        _logger = logger;
    }

    public static int InFlightCount => InFlight.Count;

    public async Task InvokeAsync(HttpContext context)
    {
        InFlight[context] = Stopwatch.StartNew();
        await _next(context);
        if (InFlight.TryRemove(context, out var watch) && watch.ElapsedMilliseconds > 2000)
        {
            _logger.LogWarning("Slow request {Path}: {Elapsed} ms", context.Request.Path, watch.ElapsedMilliseconds);
        }
    }
}
