using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace ValidCode;

/// <summary>Streams handed to the framework, which disposes them after writing the response.</summary>
[ApiController]
[Route("files")]
public sealed class DownloadController(IHttpClientFactory factory) : ControllerBase
{
    [HttpGet("{name}")]
    public async Task<IActionResult> Download(string name, CancellationToken cancellationToken)
    {
        var client = factory.CreateClient("storage");
        var stream = await client.GetStreamAsync($"blobs/{Uri.EscapeDataString(name)}", cancellationToken);
        return File(stream, "application/octet-stream", name);
    }

    [HttpGet("{name}/proxy")]
    public async Task<IActionResult> Proxy(string name, CancellationToken cancellationToken)
    {
        var client = factory.CreateClient("storage");
        var response = await client.GetAsync($"blobs/{Uri.EscapeDataString(name)}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        HttpContext.Response.RegisterForDispose(response);
        return File(await response.Content.ReadAsStreamAsync(cancellationToken), "application/octet-stream");
    }
}

public static class DownloadEndpoints
{
    public static IEndpointRouteBuilder MapDownloads(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/mirror/{name}", async (string name, IHttpClientFactory factory, CancellationToken cancellationToken) =>
        {
            var client = factory.CreateClient("storage");
            var stream = await client.GetStreamAsync($"blobs/{Uri.EscapeDataString(name)}", cancellationToken);
            return Results.Stream(stream, "application/octet-stream");
        });

        endpoints.MapGet("/status", async (HttpContext context, IHttpClientFactory factory) =>
        {
            var client = factory.CreateClient("backend");
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            cts.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await client.GetAsync("health", cts.Token);
            return response.IsSuccessStatusCode ? Results.Ok() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });

        return endpoints;
    }

    public static async Task CopyUpstreamAsync(HttpContext context, HttpClient client)
    {
        var response = await client.GetAsync("upstream", HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.RegisterForDispose(response);
        context.Response.StatusCode = (int)response.StatusCode;
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
