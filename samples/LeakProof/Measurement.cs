using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace LeakProof;

/// <summary>One reading of the gateway (/diag, forced full GC) and the downstream (/stats).</summary>
internal sealed record Sample(
    int Requests,
    double Seconds,
    long HeapBytes,
    long WorkingSetBytes,
    int Threads,
    int Fds,
    int Sockets,
    int FdsLive,
    int SocketsLive,
    int DownstreamInFlight,
    int DownstreamConnections,
    int DownstreamConnectionsAfterGc,
    bool Collected)
{
    public double Value(Metric metric) => metric switch
    {
        Metric.SocketsLive or Metric.PeakSockets => SocketsLive,
        Metric.PeakDownstreamConnections => DownstreamConnections,
        Metric.SocketsAfterGc => Sockets,
        Metric.Heap => HeapBytes,
        Metric.WorkingSet => WorkingSetBytes,
        Metric.Threads => Threads,
        Metric.DownstreamConnections => DownstreamConnections,
        Metric.DownstreamConnectionsAfterGc => DownstreamConnectionsAfterGc,
        Metric.DownstreamInFlight => DownstreamInFlight,
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };
}

internal sealed record LoadSettings(int Requests, int Concurrency, TimeSpan MaxDuration, TimeSpan Settle);

internal sealed record PhaseResult(
    string Rule,
    string Variant,
    int Sent,
    int Ok,
    int HttpErrors,
    int TimedOut,
    int Failed,
    double LoadSeconds,
    Sample Baseline,
    Sample Final,
    IReadOnlyList<Sample> Samples,
    int PeakSocketsLive)
{
    public int Concurrency { get; init; }

    /// <summary>From the baseline to the end (after the load stopped); for the peak, to the highest reading.</summary>
    public double Growth(Metric metric) => End(metric) - Baseline.Value(metric);

    /// <summary>The reading at the end, or for a peak metric the highest reading during and after the load.</summary>
    public double End(Metric metric) => metric is Metric.PeakSockets or Metric.PeakDownstreamConnections
        ? Samples.Max(s => s.Value(metric))
        : Final.Value(metric);

    public double Floor(Metric metric) => Thresholds.For(metric, Math.Max(Sent, 1), Concurrency);

    public IEnumerable<Metric> Leaking() =>
        Enum.GetValues<Metric>().Where(m => Growth(m) > Floor(m));
}

/// <summary>Drives a bounded load at one endpoint and samples both services while it runs and after.</summary>
internal sealed class Measurement(HttpClient probe)
{
    private sealed record Diag(long HeapBytes, long WorkingSetBytes, int Threads, int Fds, int Sockets, int FdsLive, int SocketsLive);

    private sealed record Stats(int InFlight, int OpenConnections);

    /// <summary>
    /// Reads both services. With <paramref name="collect"/>, the gateway runs a full blocking
    /// collection (finalizers included) first; its live socket count is still taken before that,
    /// and the downstream is read before and after it. During the load nothing is collected, so
    /// the live readings show what the service really lives with between its own collections.
    /// </summary>
    public async Task<Sample> SampleAsync(Uri gateway, Uri downstream, int requests, double seconds, bool collect, bool downstreamAfterCollection = true)
    {
        // A hang guard: /diag runs a full blocking collection, which a loaded machine can make slow.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var statsBefore = await probe.GetFromJsonAsync<Stats>(new Uri(downstream, "/stats"), timeout.Token)
                          ?? throw new InvalidOperationException("empty /stats");
        var diag = await probe.GetFromJsonAsync<Diag>(new Uri(gateway, collect ? "/diag?gc=true" : "/diag?gc=false"), timeout.Token)
                   ?? throw new InvalidOperationException("empty /diag");
        var statsAfter = statsBefore;
        if (collect && downstreamAfterCollection)
        {
            // Let the downstream see the connections the gateway's finalizers closed.
            await Task.Delay(200, timeout.Token);
            statsAfter = await probe.GetFromJsonAsync<Stats>(new Uri(downstream, "/stats"), timeout.Token)
                         ?? throw new InvalidOperationException("empty /stats");
        }

        return new Sample(requests, Math.Round(seconds, 2), diag.HeapBytes, diag.WorkingSetBytes, diag.Threads, diag.Fds, diag.Sockets,
            diag.FdsLive, diag.SocketsLive, statsBefore.InFlight, statsBefore.OpenConnections, statsAfter.OpenConnections, collect);
    }

    public async Task<PhaseResult> RunAsync(Scenario scenario, string variant, Uri gateway, Uri downstream, LoadSettings load, Action<int, int> progress)
    {
        var target = new Uri(gateway, scenario.Path);

        var requests = load.Requests * scenario.RequestScale;

        // Warm up (JIT, connection and memory pools) with the same endpoint at the same
        // concurrency, then collect twice: the baseline is the clean state the load starts from.
        await DriveAsync(target, scenario, load.Concurrency * 2, load.Concurrency, TimeSpan.FromSeconds(1), null);
        await Task.Delay(300);
        await SampleAsync(gateway, downstream, 0, 0, collect: true);
        var baseline = await SampleAsync(gateway, downstream, 0, 0, collect: true);

        var samples = new List<Sample> { baseline };
        var clock = Stopwatch.StartNew();
        var counters = new Counters();
        // The time bound scales with the request count, so an endpoint loaded with more requests
        // (LEAK008) is not cut short on a slow machine.
        var driving = DriveAsync(target, scenario, requests, load.Concurrency, load.MaxDuration * scenario.RequestScale, counters);

        // Sample at every tenth of the requests, and at least once a second.
        var nextMark = requests / 10;
        var lastSample = clock.Elapsed;
        while (!driving.IsCompleted)
        {
            await Task.WhenAny(driving, Task.Delay(25));
            var completed = counters.Completed;
            progress(completed, requests);
            if (!driving.IsCompleted && (completed >= nextMark || clock.Elapsed - lastSample >= TimeSpan.FromSeconds(1)))
            {
                samples.Add(await SampleAsync(gateway, downstream, counters.Sent, clock.Elapsed.TotalSeconds, scenario.CollectWhileLoading, downstreamAfterCollection: false));
                lastSample = clock.Elapsed;
                while (nextMark <= completed)
                {
                    nextMark += Math.Max(1, requests / 10);
                }
            }
        }

        await driving;
        var loadSeconds = clock.Elapsed.TotalSeconds;
        progress(counters.Completed, requests);
        samples.Add(await SampleAsync(gateway, downstream, counters.Sent, clock.Elapsed.TotalSeconds, scenario.CollectWhileLoading, downstreamAfterCollection: false));

        // The load has stopped and its connections are closed: what is still held now is the
        // leak. Live counts are taken before the forced collection, the heap after it.
        await Task.Delay(scenario.Settle ?? load.Settle);
        var final = await SampleAsync(gateway, downstream, counters.Sent, clock.Elapsed.TotalSeconds, collect: true);
        samples.Add(final);

        return new PhaseResult(scenario.Rule, variant, counters.Sent, counters.Ok, counters.HttpErrors, counters.TimedOut, counters.Failed,
            Math.Round(loadSeconds, 2), baseline, final, samples, samples.Max(s => s.SocketsLive)) { Concurrency = load.Concurrency };
    }

    private sealed class Counters
    {
        public int Sent;
        public int Completed;
        public int Ok;
        public int HttpErrors;
        public int TimedOut;
        public int Failed;
    }

    /// <summary>Sends at most <paramref name="total"/> requests, <paramref name="concurrency"/> at a time, for at most <paramref name="maxDuration"/>.</summary>
    private static async Task DriveAsync(Uri target, Scenario scenario, int total, int concurrency, TimeSpan maxDuration, Counters? counters)
    {
        counters ??= new Counters();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var stop = new CancellationTokenSource(maxDuration);

        async Task Worker()
        {
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref counters.Sent) <= total)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, target);
                if (scenario.NewConnectionPerRequest)
                {
                    request.Headers.ConnectionClose = true;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                timeout.CancelAfter(scenario.RequestTimeout);
                try
                {
                    using var response = await client.SendAsync(request, timeout.Token);
                    await response.Content.ReadAsByteArrayAsync(timeout.Token);
                    Interlocked.Increment(ref response.IsSuccessStatusCode ? ref counters.Ok : ref counters.HttpErrors);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref counters.TimedOut);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref counters.Failed);
                }
                finally
                {
                    Interlocked.Increment(ref counters.Completed);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(Worker)));
        counters.Sent = Math.Min(counters.Sent, total);
        if (counters.Sent > counters.Completed)
        {
            counters.Sent = counters.Completed;
        }
    }
}
