using System.Text;

namespace Corpus.Workers;

/// <summary>Pushes process metrics to the push gateway; each push gets its own deadline.</summary>
public sealed class MetricsPusher : BackgroundService
{
    private static readonly HttpClient Gateway = new() { BaseAddress = new Uri("http://pushgateway:9091/") };
    private readonly IMetricsSink _sink;

    public MetricsPusher(IMetricsSink sink) => _sink = sink;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                var body = new StringContent($"process_uptime_seconds {Environment.TickCount64 / 1000}\n", Encoding.UTF8, "text/plain");
                await Gateway.PostAsync("metrics/job/orders", body, deadline.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // A slow gateway must not stop the loop.
            }

            _sink.FlushAsync().AsTask().Forget();
        }
    }
}
