using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace ValidCode;

/// <summary>LEAK007 near misses: per-request state that dies with the request.</summary>
public static class RequestTimers
{
    // Entries die with their HttpContext: no clean-up path to forget.
    private static readonly ConditionalWeakTable<HttpContext, Stopwatch> s_timers = new();

    // Plain data keyed by request IDs: nothing request-scoped is kept alive.
    private static readonly ConcurrentDictionary<string, TimeSpan> s_slowest = new();

    // Handlers that take a request are not requests.
    private static readonly Dictionary<string, Func<HttpContext, Task>> s_handlers = new();

    // An immutable set in a readonly field never grows.
    private static readonly ImmutableHashSet<HttpContext> s_none = ImmutableHashSet<HttpContext>.Empty;

    public static void Start(HttpContext context)
    {
        s_timers.AddOrUpdate(context, Stopwatch.StartNew());
        context.Items["started"] = DateTime.UtcNow;
    }

    public static void Stop(HttpContext context)
    {
        if (s_timers.TryGetValue(context, out var timer))
        {
            s_slowest.AddOrUpdate(context.TraceIdentifier, timer.Elapsed, (_, previous) => previous > timer.Elapsed ? previous : timer.Elapsed);
        }
    }

    public static bool HasHandler(string path) => s_handlers.ContainsKey(path) && !s_none.Contains(null!);
}

/// <summary>A scoped service lives for one request: its per-request collections go with it.</summary>
public sealed class RequestAudit
{
    private readonly List<HttpRequest> _requests = new();

    public void Record(HttpRequest request) => _requests.Add(request);

    public int Count => _requests.Count;
}

/// <summary>A singleton that needs the current request asks the accessor instead of keeping requests.</summary>
public sealed class CurrentUser(IHttpContextAccessor accessor)
{
    private readonly Dictionary<string, string> _displayNames = new();

    public string Name => accessor.HttpContext?.User.Identity?.Name is { } name && _displayNames.TryGetValue(name, out var display) ? display : "anonymous";
}

[ApiController]
[Route("audit")]
public sealed class AuditController : ControllerBase
{
    // Controllers are created per request.
    private readonly Dictionary<HttpContext, string> _notes = new();

    [HttpGet]
    public IActionResult Get()
    {
        _notes[HttpContext] = "seen";
        return Ok(_notes.Count);
    }
}

/// <summary>Connected clients whose every entry leaves when its request ends: the shape LEAK007's second fix writes.</summary>
public static class ConnectedClients
{
    private static readonly List<System.Net.WebSockets.WebSocket> s_clients = new();

    public static async Task JoinAsync(HttpContext context)
    {
        var socket = await context.WebSockets.AcceptWebSocketAsync();
        lock (s_clients)
        {
            s_clients.Add(socket);
        }

        try
        {
            await socket.ReceiveAsync(new byte[1024], context.RequestAborted);
        }
        finally
        {
            lock (s_clients)
            {
                s_clients.Remove(socket);
            }
        }
    }

    public static int Count()
    {
        lock (s_clients)
        {
            return s_clients.Count;
        }
    }
}

public static class RequestStateRegistration
{
    public static IServiceCollection AddRequestState(this IServiceCollection services) =>
        services.AddScoped<RequestAudit>().AddSingleton<CurrentUser>().AddHttpContextAccessor();
}
