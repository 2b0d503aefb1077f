using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace Corpus.Endpoints;

public static class SearchEndpoints
{
    private static readonly ConcurrentDictionary<HttpContext, string> QueryLog = new();
    private static readonly ConcurrentBag<HttpResponse> SlowResponses = new();

    public static IEndpointRouteBuilder MapSearch(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/search", async (string q, HttpContext context, ISearchClientFactory factory) =>
        {
            QueryLog.TryAdd(context, q);
            var client = factory.CreateClient("products");
            try
            {
                var hits = await client.QueryAsync(q, context.RequestAborted);
                return Results.Ok(hits);
            }
            finally
            {
                QueryLog.TryRemove(context, out _);
            }
        });

        routes.MapGet("/search/suggest", async (string prefix, CancellationToken cancellationToken) =>
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(300);
            var http = new HttpClient();
            var suggestions = await http.GetFromJsonAsync<string[]>($"https://suggest.internal/?p={prefix}", cts.Token);
            return Results.Ok(suggestions);
        });

        routes.MapGet("/search/federated", async (string q, [FromServices] IHttpClientFactory factory, HttpContext context) =>
        {
            var budget = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            budget.CancelAfter(TimeSpan.FromSeconds(2));
            var http = factory.CreateClient();
            var sources = new[] { "https://a.search.internal", "https://b.search.internal" };
            var pages = await Task.WhenAll(sources.Select(s => http.GetStringAsync($"{s}?q={q}", budget.Token)));
            if (context.Response.HasStarted)
            {
                SlowResponses.Add(context.Response);
            }

            return Results.Ok(pages);
        });

        routes.MapPost("/search/reindex/{id}", (string id, ISearchIndexer indexer) =>
        {
            indexer.IndexAsync(id).Forget();
            return Results.Accepted();
        });

        return routes;
    }
}
