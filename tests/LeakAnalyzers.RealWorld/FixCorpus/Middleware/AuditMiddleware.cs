using System.Collections.Concurrent;
using System.Security.Claims;

namespace Corpus.Middleware;

/// <summary>Queues an audit record per authenticated request; a worker drains the queue.</summary>
public sealed class AuditMiddleware
{
    internal static readonly ConcurrentQueue<ClaimsPrincipal> PendingPrincipals = new();
    private readonly RequestDelegate _next;
    private readonly IAuditLog _audit;
    private readonly IMetricsSink _metrics;

    public AuditMiddleware(RequestDelegate next, IAuditLog audit, IMetricsSink metrics)
    {
        _next = next;
        _audit = audit;
        _metrics = metrics;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        await _next(context);
        if (context.User.Identity?.IsAuthenticated == true)
        {
            PendingPrincipals.Enqueue(context.User);
            Task.Run(async () => await _audit.WriteAsync(new AuditEntry(context.User.Identity!.Name!, context.Request.Path, DateTimeOffset.UtcNow)));
        }

        _ = _metrics.FlushAsync();
    }
}
