namespace Corpus.Workers;

/// <summary>An IHostedService in the older style: a timer refreshes the caches.</summary>
public sealed class CacheRefreshService : IHostedService, IDisposable
{
    private readonly ICacheWarmer _warmer;
    private readonly IHostApplicationLifetime _lifetime;
    private Timer? _timer;

    public CacheRefreshService(ICacheWarmer warmer, IHostApplicationLifetime lifetime)
    {
        _warmer = warmer;
        _lifetime = lifetime;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = new Timer(_ => Task.Factory.StartNew(() => _warmer.WarmAsync("eu").Wait(), TaskCreationOptions.LongRunning), null, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        var warmup = new CancellationTokenSource();
        _lifetime.ApplicationStopping.Register(() => warmup.Cancel());
        return _warmer.WarmAsync("us", warmup.Token);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.Infinite, 0);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();
}
