using System.Threading.Channels;

namespace Corpus.Workers;

public sealed record Job(string Id, string Kind, TimeSpan Timeout);

/// <summary>Runs queued jobs with a per-job deadline.</summary>
public sealed class JobScheduler
{
    private readonly Channel<Job> _queue = Channel.CreateUnbounded<Job>();
    private readonly IOrderRepository _orders;
    private readonly ISearchIndexer _indexer;
    private readonly ILogger<JobScheduler> _logger;
    private readonly CancellationToken _shutdown;

    public JobScheduler(IOrderRepository orders, ISearchIndexer indexer, ILogger<JobScheduler> logger, IHostApplicationLifetime lifetime)
    {
        _orders = orders;
        _indexer = indexer;
        _logger = logger;
        _shutdown = lifetime.ApplicationStopping;
    }

    public void Enqueue(Job job) => _ = _queue.Writer.WriteAsync(job);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await foreach (var job in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            var jobTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _shutdown);
            jobTimeout.CancelAfter(job.Timeout);
            try
            {
                await RunOneAsync(job, jobTimeout.Token);
            }
            catch (OperationCanceledException) when (jobTimeout.IsCancellationRequested)
            {
                _logger.LogWarning("Job {Id} timed out", job.Id);
            }
        }
    }

    private Task RunOneAsync(Job job, CancellationToken cancellationToken) => job.Kind switch
    {
        "purge" => _orders.PurgeExpiredAsync(cancellationToken),
        "reindex" => _indexer.IndexAsync(job.Id, cancellationToken),
        _ => Task.CompletedTask,
    };

    public async Task<bool> TryRunNowAsync(Job job)
    {
        CancellationTokenSource cts = new(job.Timeout);
        try
        {
            await RunOneAsync(job, cts.Token);
            cts.Dispose();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void RunAllNow(IEnumerable<Job> jobs)
    {
        foreach (var job in jobs)
        {
            var cts = new CancellationTokenSource(job.Timeout);
            RunOneAsync(job, cts.Token).GetAwaiter().GetResult();
        }
    }

    public Task RunWithDeadlineAsync(Job job, CancellationToken requestAborted)
    {
        var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        linked.CancelAfter(job.Timeout);
        return RunOneAsync(job, linked.Token).ContinueWith(_ => _logger.LogInformation("Job {Id} finished", job.Id), TaskScheduler.Default);
    }

    public void Kick(IEnumerable<string> documentIds)
    {
        foreach (var id in documentIds)
        {
            _indexer.IndexAsync(id);
        }
    }

    public void ScheduleNightlyPurge() =>
        Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromHours(1));
            await _orders.PurgeExpiredAsync();
        });

    public void PurgeLater()
    {
        var ignored = Task.Run(() => _orders.PurgeExpiredAsync());
    }

    public void ReportFailures() =>
        _ = _orders.PurgeExpiredAsync().ContinueWith(t => _logger.LogError(t.Exception, "purge failed"), TaskContinuationOptions.OnlyOnFaulted);
}
