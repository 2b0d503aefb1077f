namespace Corpus.Middleware;

/// <summary>Forwards /legacy/* to the old monolith.</summary>
public sealed class ReverseProxyMiddleware
{
    private static readonly HttpClient Upstream = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false });
    private static readonly HashSet<HttpContext> Proxied = new();
    private readonly RequestDelegate _next;

    public ReverseProxyMiddleware(RequestDelegate next) => _next = next;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/legacy", out var rest))
        {
            await _next(context);
            return;
        }

        lock (Proxied)
        {
            Proxied.Add(context);
        }

        var message = new HttpRequestMessage(new HttpMethod(context.Request.Method), "http://monolith:8080" + rest + context.Request.QueryString);
        if (context.Request.ContentLength > 0)
        {
            message.Content = new StreamContent(context.Request.Body);
        }

        var upstream = await Upstream.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)upstream.StatusCode;
        foreach (var header in upstream.Content.Headers)
        {
            context.Response.Headers[header.Key] = header.Value.ToArray();
        }

        await upstream.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        lock (Proxied)
        {
            Proxied.Remove(context);
        }
    }
}
