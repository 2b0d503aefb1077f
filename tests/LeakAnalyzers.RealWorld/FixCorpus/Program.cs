using System.Net.Http.Json;
using Corpus;
using Corpus.Data;
using Corpus.Fanout;
using Corpus.Http;
using Corpus.Middleware;
using Corpus.Realtime;
using Corpus.Workers;
using Grpc.Net.Client;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddControllers();
builder.Services.AddHttpClient();
builder.Services.AddSingleton<ConnectionRegistry>();
builder.Services.AddSingleton<SessionTracker>();
builder.Services.AddSingleton<PricingAggregator>();
builder.Services.AddHostedService<OutboxWorker>();
builder.Services.AddHostedService<MetricsPusher>();
builder.Services.AddHostedService<UpstreamHealthWorker>();
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("orders")!));

var app = builder.Build();
app.UseWebSockets();
app.UseMiddleware<RequestTimingMiddleware>();
app.UseMiddleware<TenantResolutionMiddleware>();

app.MapGet("/healthz/deep", async () =>
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
    var db = await http.GetAsync("http://orders-db-proxy:8080/ping");
    var cache = await http.GetAsync("http://cache-proxy:8080/ping");
    return db.IsSuccessStatusCode && cache.IsSuccessStatusCode ? Results.Ok() : Results.StatusCode(503);
});

app.MapGet("/inventory/{sku}", async (string sku, IConfiguration config) =>
{
    var channel = GrpcChannel.ForAddress(config["Inventory:Url"]!);
    var client = new InventoryClient(channel);
    var level = await client.GetLevelAsync(sku);
    return Results.Ok(level);
});

app.MapPost("/webhooks/replay", (WebhookEvent evt, IHttpClientFactory factory) =>
{
    var http = factory.CreateClient();
    _ = http.PostAsJsonAsync(evt.Url, evt);
    return Results.Accepted();
});

app.MapGet("/quotes/{postcode}", async (string postcode, IEnumerable<IShippingCarrier> carriers) =>
{
    var quotes = await Task.WhenAll(carriers.Select(c => c.QuoteAsync(postcode, 1.5m)));
    return Results.Ok(quotes.OrderBy(q => q.Price));
});

app.MapGet("/reports/daily", async (NpgsqlDataSource dataSource, HttpContext context) =>
{
    var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
    var connection = await dataSource.OpenConnectionAsync(timeout.Token);
    await using var command = connection.CreateCommand();
    command.CommandText = "select count(*) from orders where created_at > now() - interval '1 day'";
    var count = (long)(await command.ExecuteScalarAsync(timeout.Token))!;
    return Results.Ok(new { count });
});

app.MapGet("/fx/{currency}", async (string currency) =>
{
    var rate = new HttpClient().GetStringAsync($"https://fx.example.com/latest/{currency}");
    return await Task.WhenAny(rate, Task.Delay(1500)) == rate ? Results.Ok(await rate) : Results.StatusCode(504);
});

app.Map("/ws/chat", ChatEndpoint.HandleAsync);
app.MapControllers();
app.Run();
