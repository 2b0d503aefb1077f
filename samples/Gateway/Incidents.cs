using System.Net.Sockets;
using System.Text;

namespace Gateway;

/// <summary>
/// One handler per incident of docs/incidents.md (see samples/README.md), each written the
/// way the incident's authors wrote it. Do not "fix" these by hand: LeakProof applies the
/// package's own code fixes to a copy and measures the difference.
/// </summary>
internal static class Incidents
{
    /// <summary>An API route: the middleware clears its request context when it ends.</summary>
    public static async Task<IResult> ApiContent(HttpContext context)
    {
        RequestContext.Set(context, "user", context.Request.Query["user"].ToString());
        var body = await ContentService.Client.GetStringAsync("/fast", context.RequestAborted);
        return Results.Text(body);
    }

    /// <summary>
    /// LEAK001 (incidents 1, 4): only the status and the length are wanted, so nobody reads or
    /// disposes the response. Its headers were read (ResponseHeadersRead, to "save memory"), so the
    /// body is still in the socket and the connection can never go back to the pool.
    /// </summary>
    public static async Task<IResult> Leak001UndisposedResponse()
    {
        var response = await ContentService.Client.GetAsync("/fast", HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            return Results.StatusCode(502);
        }

        return Results.Ok(new { status = (int)response.StatusCode, length = response.Content.Headers.ContentLength });
    }

    /// <summary>LEAK002 (incident 1): a new HttpClient for every call, never disposed.</summary>
    public static async Task<IResult> Leak002HttpClientPerRequest()
    {
        var client = new HttpClient();
        var body = await client.GetStringAsync(new Uri(ContentService.BaseAddress, "/fast"));
        return Results.Ok(new { length = body.Length });
    }

    /// <summary>
    /// LEAK003 (incident 3): a client to the content service created for every request and never
    /// closed, like the per-request Secret Manager client of the incident.
    /// </summary>
    public static async Task<IResult> Leak003ClientPerRequest()
    {
        var client = new TcpClient();
        await client.ConnectAsync(ContentService.BaseAddress.Host, ContentService.BaseAddress.Port);
        var stream = client.GetStream();
        var request = Encoding.ASCII.GetBytes(
            $"GET /fast HTTP/1.1\r\nHost: {ContentService.BaseAddress.Authority}\r\nConnection: keep-alive\r\n\r\n");
        await stream.WriteAsync(request);

        var buffer = new byte[8192];
        var read = await stream.ReadAsync(buffer);
        var statusLine = Encoding.ASCII.GetString(buffer, 0, Math.Max(0, Math.Min(read, 64))).Split("\r\n")[0];
        return Results.Ok(new { status = statusLine, bytes = read });
    }

    /// <summary>
    /// LEAK004 (incidents 1, 2): the audit call is started in the background so the caller does
    /// not wait for it. It gets no token: when the audit service stops answering, every request
    /// leaves one more call running that nothing can stop.
    /// </summary>
    public static IResult Leak004FireAndForget(HttpContext context)
    {
        var path = context.Request.Path.Value;
        _ = Task.Run(async () =>
        {
            var audit = await ContentService.Client.GetStringAsync("/hang?audit=" + path);
            Console.WriteLine(audit.Length);
        });

        return Results.Ok(new { accepted = true });
    }

    /// <summary>
    /// LEAK005 (incidents 1, 2): a 3-way fan-out that waits for all three with no timeout and no
    /// cancellation. One downstream has died (/hang): the caller waits forever, and when the
    /// caller gives up the three calls keep running anyway.
    /// </summary>
    public static async Task<IResult> Leak005FanOutWithoutTimeout(HttpContext context)
    {
        var user = Uri.EscapeDataString(context.Request.Query["user"].ToString());
        var profile = ContentService.Client.GetStringAsync("/fast?user=" + user);
        var feed = ContentService.Client.GetStringAsync("/slow?ms=200&user=" + user);
        var ads = ContentService.Client.GetStringAsync("/hang?user=" + user);
        await Task.WhenAll(profile, feed, ads);
        return Results.Ok(new { profile = profile.Result.Length, feed = feed.Result.Length, ads = ads.Result.Length });
    }

    /// <summary>
    /// LEAK006 (incident 1): a timeout race. The caller gets a 500 after 300 ms, but the call to
    /// the slow downstream is never cancelled: it keeps its connection and its memory for 20 s.
    /// </summary>
    public static async Task<IResult> Leak006TimeoutAbandonsWork(HttpContext context)
    {
        var user = Uri.EscapeDataString(context.Request.Query["user"].ToString());
        var work = ContentService.Client.GetStringAsync("/slow?ms=20000&user=" + user);
        var finished = await Task.WhenAny(work, Task.Delay(TimeSpan.FromMilliseconds(300)));
        if (finished != work)
        {
            return Results.StatusCode(StatusCodes.Status500InternalServerError);
        }

        return Results.Ok(new { length = (await work).Length });
    }

    /// <summary>
    /// LEAK007 (incident 5): the health check is mapped outside the request-context middleware, so
    /// the value it sets (and the request it is keyed by) is never removed.
    /// </summary>
    public static async Task<IResult> Leak007HealthCheck(HttpContext context)
    {
        RequestContext.Set(context, "check-started", DateTimeOffset.UtcNow);
        var body = await ContentService.Client.GetStringAsync("/fast", context.RequestAborted);
        RequestContext.Set(context, "downstream-sample", body);
        return Results.Ok(new { healthy = true });
    }

    /// <summary>
    /// LEAK008: a per-request source linked to the request and to the application-stopping
    /// token, never disposed: it stays registered on ApplicationStopping (which lives as long as
    /// the process) for ever - the .NET form of Go's lost cancel().
    /// </summary>
    public static async Task<IResult> Leak008UndisposedLinkedSource(HttpContext context, IHostApplicationLifetime lifetime)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var body = await ContentService.Client.GetStringAsync("/fast", cts.Token);
        return Results.Ok(new { length = body.Length });
    }
}
