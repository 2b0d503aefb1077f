using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Corpus.Endpoints;

/// <summary>Reports Degraded when the payments provider is slow.</summary>
public sealed class DependencyHealthCheck : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            using var response = await client.GetAsync("https://payments.example.com/status", timeout.Token);
            return response.IsSuccessStatusCode ? HealthCheckResult.Healthy() : HealthCheckResult.Degraded();
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("payments unreachable", ex);
        }
    }
}
