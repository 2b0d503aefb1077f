// The "main API" of incident 1: a gateway that calls the content service (samples/Downstream)
// over HTTP on 127.0.0.1. Each /leakNNN endpoint re-enacts one incident, written the way the
// incident's authors wrote it: the leaks are real, not simulated. LeakProof measures them,
// applies the package's own code fixes in bulk to a copy of this project, and measures again.
using Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);

// Base URL of the content service: --Downstream=http://127.0.0.1:5001 (or configuration).
var downstream = builder.Configuration["Downstream"] ?? "http://127.0.0.1:5001";
ContentService.BaseAddress = new Uri(downstream);

var app = builder.Build();

// The request-context middleware of incident 5: it clears the per-request context map after
// every request of the API routes. The health check below is mapped outside of it.
app.UseWhen(
    context => context.Request.Path.StartsWithSegments("/api"),
    api => api.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        finally
        {
            RequestContext.Clear(context);
        }
    }));

app.MapGet("/ready", () => Results.Text("ready"));
app.MapGet("/api/content", (Delegate)Incidents.ApiContent);

app.MapGet("/leak001", Incidents.Leak001UndisposedResponse);
app.MapGet("/leak002", Incidents.Leak002HttpClientPerRequest);
app.MapGet("/leak003", Incidents.Leak003ClientPerRequest);
app.MapGet("/leak004", Incidents.Leak004FireAndForget);
app.MapGet("/leak005", (Delegate)Incidents.Leak005FanOutWithoutTimeout);
app.MapGet("/leak006", (Delegate)Incidents.Leak006TimeoutAbandonsWork);
app.MapGet("/leak007", (Delegate)Incidents.Leak007HealthCheck);
app.MapGet("/leak008", Incidents.Leak008UndisposedLinkedSource);

app.MapGet("/diag", Diagnostics.Snapshot);

app.Run();
