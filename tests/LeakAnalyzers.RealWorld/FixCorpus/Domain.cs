namespace Corpus;

public sealed record Order(int Id, string CustomerId, decimal Total, string Status);
public sealed record Customer(string Id, string Name, string Email);
public sealed record Quote(string Carrier, decimal Price, int Days);
public sealed record PriceResult(string Sku, decimal Price);
public sealed record AuditEntry(string Actor, string Action, DateTimeOffset At);
public sealed record WebhookEvent(string Url, string Type, string Payload);
public sealed record UserProfile(string Id, string DisplayName, string[] Roles);
public sealed record InventoryLevel(string Sku, int OnHand);
public sealed record SearchHit(string Id, double Score);

public interface IOrderRepository
{
    Task<Order?> LoadAsync(int id, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<Order>> ForCustomerAsync(string customerId, CancellationToken cancellationToken = default);
    Task SaveAsync(Order order, CancellationToken cancellationToken = default);
    Task PurgeExpiredAsync(CancellationToken cancellationToken = default);
}

public interface ICustomerDirectory
{
    Task<Customer?> FindAsync(string id, CancellationToken cancellationToken = default);
}

public interface IAuditLog
{
    Task WriteAsync(AuditEntry entry, CancellationToken cancellationToken = default);
}

public interface IEmailSender
{
    Task SendAsync(string to, string subject, string body, CancellationToken cancellationToken = default);
}

public interface IShippingCarrier
{
    string Name { get; }
    Task<Quote> QuoteAsync(string postcode, decimal weight, CancellationToken cancellationToken = default);
}

public interface ISearchIndexer
{
    Task IndexAsync(string documentId, CancellationToken cancellationToken = default);
}

public interface IMetricsSink
{
    ValueTask FlushAsync(CancellationToken cancellationToken = default);
}

public interface ICacheWarmer
{
    Task WarmAsync(string region, CancellationToken cancellationToken = default);
}
