using System.Net.Http.Json;

namespace Corpus.Fanout;

/// <summary>Prices a basket against the catalog, promotions and tax services.</summary>
public sealed class PricingAggregator
{
    private readonly CatalogApi _catalog;
    private readonly HttpClient _http;
    private readonly ILogger<PricingAggregator> _logger;

    public PricingAggregator(CatalogApi catalog, HttpClient http, ILogger<PricingAggregator> logger)
    {
        _catalog = catalog;
        _http = http;
        _logger = logger;
    }

    public async Task<decimal> BasketTotalAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        var prices = await Task.WhenAll(skus.Select(sku => _catalog.PriceAsync(sku)));
        return prices.Where(p => p is not null).Sum(p => p!.Price);
    }

    public async Task<(decimal Price, decimal Discount, decimal Tax)> QuoteAsync(string sku, string region)
    {
        var price = _catalog.PriceAsync(sku);
        var discount = _http.GetFromJsonAsync<decimal>($"https://promotions.internal/discount/{sku}");
        var tax = _http.GetFromJsonAsync<decimal>($"https://tax.internal/rate/{region}");
        await Task.WhenAll(price, discount, tax).ConfigureAwait(false);
        return ((await price)?.Price ?? 0m, await discount, await tax);
    }

    public decimal[] PricesBlocking(string[] skus)
    {
        var tasks = skus.Select(sku => _http.GetFromJsonAsync<decimal>($"https://catalog.internal/prices/{sku}")).ToArray();
        Task.WaitAll(tasks);
        return tasks.Select(t => t.Result).ToArray();
    }

    public async Task<decimal?> FastestPriceAsync(string sku)
    {
        var primary = _http.GetFromJsonAsync<decimal>($"https://prices-eu.internal/{sku}");
        var secondary = _http.GetFromJsonAsync<decimal>($"https://prices-us.internal/{sku}");
        var first = await Task.WhenAny(primary, secondary, Task.Delay(TimeSpan.FromSeconds(1)));
        return first switch
        {
            Task<decimal> { IsCompletedSuccessfully: true } won => won.Result,
            _ => null,
        };
    }

    public async Task<decimal> HedgedPriceAsync(string sku)
    {
        var primary = _http.GetFromJsonAsync<decimal>($"https://prices-eu.internal/{sku}");
        if (await Task.WhenAny(primary, Task.Delay(150)) == primary)
        {
            return await primary;
        }

        _logger.LogInformation("Hedging price lookup for {Sku}", sku);
        var hedge = _http.GetFromJsonAsync<decimal>($"https://prices-us.internal/{sku}");
        var winner = await Task.WhenAny(primary, hedge);
        return await winner;
    }
}
