using StackExchange.Redis;

namespace Corpus.Data;

/// <summary>Session state in redis. The connection string comes per tenant.</summary>
public sealed class RedisSessionStore
{
    private readonly IConfiguration _configuration;

    public RedisSessionStore(IConfiguration configuration) => _configuration = configuration;

    public async Task<string?> GetAsync(string tenant, string sessionId)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(_configuration[$"Tenants:{tenant}:Redis"]!);
        var value = await redis.GetDatabase().StringGetAsync($"session:{sessionId}");
        return value.HasValue ? value.ToString() : null;
    }

    public void Touch(string tenant, string sessionId)
    {
        var redis = ConnectionMultiplexer.Connect(_configuration[$"Tenants:{tenant}:Redis"]!);
        redis.GetDatabase().KeyExpire($"session:{sessionId}", TimeSpan.FromMinutes(20));
    }

    public Task<bool> DeleteAsync(string tenant, string sessionId) =>
        ConnectionMultiplexer.Connect(_configuration[$"Tenants:{tenant}:Redis"]!).GetDatabase().KeyDeleteAsync($"session:{sessionId}");
}
