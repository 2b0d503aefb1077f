namespace Corpus.Fanout;

/// <summary>Asks every carrier for a quote and returns the ones that answer in time.</summary>
public sealed class ShippingQuoteService
{
    private readonly IReadOnlyList<IShippingCarrier> _carriers;
    private readonly ILogger<ShippingQuoteService> _logger;

    public ShippingQuoteService(IEnumerable<IShippingCarrier> carriers, ILogger<ShippingQuoteService> logger)
    {
        _carriers = carriers.ToList();
        _logger = logger;
    }

    public async Task<IReadOnlyList<Quote>> QuotesAsync(string postcode, decimal weight)
    {
        var pending = _carriers.Select(c => c.QuoteAsync(postcode, weight)).ToList();
        var all = Task.WhenAll(pending);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2))) != all)
        {
            _logger.LogWarning("Some carriers did not answer within 2 s");
            return pending.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToList();
        }

        return all.Result;
    }

    public Quote? Cheapest(string postcode, decimal weight)
    {
        var tasks = _carriers.Select(c => c.QuoteAsync(postcode, weight)).ToArray();
        if (!Task.WaitAll(tasks, 3000))
        {
            return null;
        }

        return tasks.Select(t => t.Result).MinBy(q => q.Price);
    }

    public async Task<Quote> FromCarrierAsync(string name, string postcode, CancellationToken cancellationToken)
    {
        var carrier = _carriers.Single(c => c.Name == name);
        return await carrier.QuoteAsync(postcode, 1m).WaitAsync(cancellationToken);
    }

    public Task<Quote> PreferredAsync(string postcode) =>
        _carriers[0].QuoteAsync(postcode, 1m).WaitAsync(TimeSpan.FromSeconds(1));

    public async Task<Quote?> FirstAnswerAsync(string postcode)
    {
        var racing = _carriers.Select(c => c.QuoteAsync(postcode, 1m)).ToList();
        var index = Task.WaitAny(racing.Cast<Task>().Append(Task.Delay(1500)).ToArray());
        return index < racing.Count ? await racing[index] : null;
    }
}
