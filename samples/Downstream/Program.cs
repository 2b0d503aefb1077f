// The "content service" the gateway calls: answers fast, slowly, or never, and reports how
// many requests and connections it is still serving, so work the gateway abandoned (or
// connections it never gave back) is visible from the other side of the socket.
using Downstream;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
var stats = new ServingStats();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    // Keep idle keep-alive connections for a long time so a client that never gives a
    // connection back shows up here as an open connection.
    kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(10);
    kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => async connection =>
    {
        Interlocked.Increment(ref stats.OpenConnections);
        Interlocked.Increment(ref stats.TotalConnections);
        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref stats.OpenConnections);
        }
    }));
});

var app = builder.Build();

// A few KB of content: an undisposed response holds a real buffer and a real connection.
var body = Content.Page(4096);

app.Use(async (context, next) =>
{
    if (context.Request.Path.StartsWithSegments("/stats"))
    {
        await next(context);
        return;
    }

    Interlocked.Increment(ref stats.InFlight);
    Interlocked.Increment(ref stats.Total);
    try
    {
        await next(context);
    }
    catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
    {
        Interlocked.Increment(ref stats.Aborted);
    }
    finally
    {
        Interlocked.Decrement(ref stats.InFlight);
    }
});

app.MapGet("/fast", () => Results.Text(body, "text/plain"));

app.MapGet("/slow", async (int? ms, HttpContext context) =>
{
    await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(ms ?? 1000, 0, 600_000)), context.RequestAborted);
    return Results.Text(body, "text/plain");
});

// A dead downstream: accepts the request and never answers, until the caller goes away.
app.MapGet("/hang", async (HttpContext context) =>
{
    await Task.Delay(Timeout.Infinite, context.RequestAborted);
    return Results.Text(body, "text/plain");
});

app.MapGet("/stats", () => Results.Json(new
{
    inFlight = Volatile.Read(ref stats.InFlight),
    total = Volatile.Read(ref stats.Total),
    aborted = Volatile.Read(ref stats.Aborted),
    openConnections = Volatile.Read(ref stats.OpenConnections),
    totalConnections = Volatile.Read(ref stats.TotalConnections),
}));

app.Run();

namespace Downstream
{
    internal sealed class ServingStats
    {
        public int InFlight;
        public long Total;
        public long Aborted;
        public int OpenConnections;
        public long TotalConnections;
    }

    internal static class Content
    {
        public static string Page(int size)
        {
            var text = new System.Text.StringBuilder(size);
            var line = 0;
            while (text.Length < size)
            {
                text.Append("content line ").Append(line++).Append(": lorem ipsum dolor sit amet\n");
            }

            return text.ToString(0, size);
        }
    }
}
