namespace Corpus.Fanout;

public sealed record Dashboard(Order? LastOrder, Customer? Customer, int OpenTickets, string Weather);

/// <summary>Builds the account dashboard from four services in parallel.</summary>
public sealed class DashboardService
{
    private readonly IOrderRepository _orders;
    private readonly ICustomerDirectory _customers;
    private readonly HttpClient _http;

    public DashboardService(IOrderRepository orders, ICustomerDirectory customers, HttpClient http)
    {
        _orders = orders;
        _customers = customers;
        _http = http;
    }

    public async Task<Dashboard> BuildAsync(string customerId, int lastOrderId, CancellationToken cancellationToken)
    {
        Task<Order?> order = _orders.LoadAsync(lastOrderId);
        Task<Customer?> customer = _customers.FindAsync(customerId);
        Task<string> tickets = _http.GetStringAsync($"https://support.internal/open/{customerId}");
        Task<string> weather = _http.GetStringAsync("https://weather.example.com/today");
        await Task.WhenAll(order, customer, tickets, weather);
        return new Dashboard(order.Result, customer.Result, int.Parse(tickets.Result), weather.Result);
    }

    public async Task<IReadOnlyList<Order?>> RecentAsync(IEnumerable<int> ids)
    {
        var lookups = from id in ids
                      where id > 0
                      select _orders.LoadAsync(id);
        return await Task.WhenAll(lookups);
    }

    public async Task<int> SourceCountAsync(string customerId, bool includeArchive)
    {
        var sources = includeArchive
            ? new[] { _http.GetStringAsync($"https://orders.internal/count/{customerId}"), _http.GetStringAsync($"https://archive.internal/count/{customerId}") }
            : new[] { _http.GetStringAsync($"https://orders.internal/count/{customerId}") };
        var counts = await Task.WhenAll(sources);
        return counts.Sum(int.Parse);
    }

    public async Task WarmAsync(IEnumerable<ICacheWarmer> warmers, string[] regions)
    {
        var work = new List<Task>();
        foreach (var warmer in warmers)
        {
            foreach (var region in regions)
            {
                work.Add(warmer.WarmAsync(region));
            }
        }

        await Task.WhenAll(work).WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task<string[]> ProfilesAsync(string[] ids) =>
        await Task.WhenAll([.. ids.Select(id => _http.GetStringAsync($"https://profiles.internal/{id}"))]);

    public async Task NotifyAllAsync(IEmailSender sender, IEnumerable<Customer> customers) =>
        await Task.WhenAll(customers.Select(async c =>
        {
            await sender.SendAsync(c.Email, "Your dashboard", "is ready").ConfigureAwait(false);
        }));

    public async Task<Order?[]> LoadManyAsync(int[] ids, string mode)
    {
        var tasks = ids.Select(id => mode switch
        {
            "archive" => _orders.LoadAsync(-id),
            _ => _orders.LoadAsync(id),
        });
        return await Task.WhenAll(tasks);
    }
}
