using System.Net.Http.Json;

namespace Corpus.Middleware;

public sealed record Tenant(string Id, string Region);

/// <summary>Resolves the tenant of each request from the tenant service and caches it per request.</summary>
public sealed class TenantResolutionMiddleware
{
    private readonly RequestDelegate _next;
    private readonly Dictionary<HttpRequest, Tenant> _resolved = new();
    private readonly object _gate = new();

    public TenantResolutionMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Host.Host;
        using var client = new HttpClient();
        var tenant = await client.GetFromJsonAsync<Tenant>($"https://tenants.internal/by-host/{host}", context.RequestAborted);
        if (tenant is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        lock (_gate)
        {
            _resolved[context.Request] = tenant;
        }

        await _next(context);
        lock (_gate)
        {
            _resolved.Remove(context.Request);
        }
    }

    public Tenant? TenantOf(HttpRequest request)
    {
        lock (_gate)
        {
            return _resolved.TryGetValue(request, out var tenant) ? tenant : null;
        }
    }
}
