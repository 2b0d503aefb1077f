using Microsoft.Extensions.Hosting;

namespace ValidCode;

/// <summary>LEAK008 near misses: sources disposed on every normal path, or owned by something that disposes them.</summary>
public static class CancellationSources
{
    public static async Task<T> WithTimeoutAsync<T>(Func<CancellationToken, Task<T>> work, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return await work(cts.Token);
    }

    public static async Task UsingStatementAsync(Func<CancellationToken, Task> work)
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await work(cts.Token);
        }
    }

    public static async Task LinkedToTwoTokensAsync(Func<CancellationToken, Task> work, CancellationToken requestAborted, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, stopping);
        await Task.Run(() => work(linked.Token), linked.Token);
    }

    public static async Task<T> DisposedInFinallyAsync<T>(Func<CancellationToken, Task<T>> work, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            cts.CancelAfter(timeout);
            return await work(cts.Token);
        }
        finally
        {
            cts.Dispose();
        }
    }

    public static async Task<bool> DisposedBeforeEveryReturnAsync(Func<CancellationToken, Task<bool>> probe, bool quick)
    {
        var cts = new CancellationTokenSource();
        if (quick)
        {
            cts.CancelAfter(TimeSpan.FromMilliseconds(200));
            var fast = await probe(cts.Token);
            cts.Dispose();
            return fast;
        }
        else
        {
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            var slow = await probe(cts.Token);
            cts.Dispose();
            return slow;
        }
    }

    public static async Task<string> DisposedInEverySwitchCaseAsync(Func<CancellationToken, Task<string>> fetch, int priority, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string result;
        switch (priority)
        {
            case 0:
                cts.CancelAfter(TimeSpan.FromSeconds(1));
                result = await fetch(cts.Token);
                cts.Dispose();
                return result;
            case 1:
                cts.CancelAfter(TimeSpan.FromSeconds(10));
                result = await fetch(cts.Token);
                cts.Dispose();
                break;
            default:
                cts.Dispose();
                throw new ArgumentOutOfRangeException(nameof(priority));
        }

        return result;
    }

    public static async Task<int> ConditionalDisposeAsync(Func<CancellationToken, Task<int>> work, CancellationToken cancellationToken)
    {
        CancellationTokenSource? cts = null;
        try
        {
            cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(3));
            return await work(cts.Token);
        }
        finally
        {
            cts?.Dispose();
        }
    }

    public static async Task<bool> CatchThatReturnsAsync(Func<CancellationToken, Task> work, TimeSpan timeout)
    {
        var cts = new CancellationTokenSource(timeout);
        try
        {
            await work(cts.Token);
            cts.Dispose();
            return true;
        }
        catch (OperationCanceledException)
        {
            // An exception path: not required to dispose (docs/ownership.md, "Disposed on every path").
            return false;
        }
    }

    /// <summary>A factory: the caller owns the returned source.</summary>
    public static CancellationTokenSource CreateTimeoutSource(TimeSpan timeout, CancellationToken parent)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(parent);
        cts.CancelAfter(timeout);
        return cts;
    }

    /// <summary>The source is disposed by the continuation it is handed to, once the work is done.</summary>
    public static Task StartWithDeadline(Func<CancellationToken, Task> work, TimeSpan deadline)
    {
        var cts = new CancellationTokenSource(deadline);
        var running = work(cts.Token);
        return running.ContinueWith(_ => cts.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

/// <summary>A long-lived owner: the source lives in a field and is disposed with its owner.</summary>
public sealed class RestartableOperation : IDisposable
{
    private readonly CancellationTokenSource _lifetime = new();
    private CancellationTokenSource? _current;

    public CancellationToken Restart()
    {
        _current?.Cancel();
        _current?.Dispose();
        _current = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        return _current.Token;
    }

    public void Dispose()
    {
        _lifetime.Cancel();
        _current?.Dispose();
        _lifetime.Dispose();
    }
}

/// <summary>Per-job sources kept in a dictionary until the job ends, all disposed on shutdown.</summary>
public sealed class JobRegistry : IDisposable
{
    private readonly Dictionary<Guid, CancellationTokenSource> _jobs = new();
    private readonly object _gate = new();

    public Guid Start(Func<CancellationToken, Task> job, CancellationToken stopping)
    {
        var id = Guid.NewGuid();
        var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        lock (_gate)
        {
            _jobs[id] = cts;
        }

        _ = RunAsync(id, job, cts.Token);
        return id;
    }

    public void Cancel(Guid id)
    {
        lock (_gate)
        {
            if (_jobs.TryGetValue(id, out var cts))
            {
                cts.Cancel();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var cts in _jobs.Values)
            {
                cts.Dispose();
            }

            _jobs.Clear();
        }
    }

    private async Task RunAsync(Guid id, Func<CancellationToken, Task> job, CancellationToken cancellationToken)
    {
        try
        {
            await job(cancellationToken);
        }
        finally
        {
            lock (_gate)
            {
                if (_jobs.Remove(id, out var cts))
                {
                    cts.Dispose();
                }
            }
        }
    }
}

/// <summary>A hosted service links a per-cycle source to its stopping token and keeps a field for the current one.</summary>
public sealed class PollingService(IHttpClientFactory factory) : BackgroundService
{
    private CancellationTokenSource? _cycle;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var client = factory.CreateClient("poller");
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            _cycle?.Dispose();
            _cycle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _cycle.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await client.GetAsync("poll", _cycle.Token);
        }
    }

    public override void Dispose()
    {
        _cycle?.Dispose();
        base.Dispose();
    }
}
