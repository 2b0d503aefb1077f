namespace LeakProof;

/// <summary>What a phase measures, as read from the gateway's /diag and the downstream's /stats.</summary>
internal enum Metric
{
    /// <summary>Sockets the gateway holds, as it lives with them (counted before the forced collection).</summary>
    SocketsLive,
    /// <summary>Sockets still open after a forced full collection with finalizers run.</summary>
    SocketsAfterGc,
    /// <summary>GC heap after a forced full compacting collection.</summary>
    Heap,
    WorkingSet,
    Threads,
    /// <summary>Highest live socket count during and right after the load.</summary>
    PeakSockets,
    /// <summary>Connections the downstream still has open from the gateway.</summary>
    DownstreamConnections,
    /// <summary>Highest count of connections the downstream had open during and right after the load.</summary>
    PeakDownstreamConnections,
    /// <summary>The same, after the gateway ran a forced full collection.</summary>
    DownstreamConnectionsAfterGc,
    /// <summary>Requests the downstream is still serving (work the gateway abandoned).</summary>
    DownstreamInFlight,
}

/// <summary>
/// One gateway endpoint and how to load it. <see cref="CollectWhileLoading"/>: the readings
/// taken during the load force a full collection first (heap after GC), except for the
/// endpoints whose leak is "held until the next collection" (undisposed sockets, closed by
/// their finalizers): forcing collections there would hide what the service lives with. The leak verdict of every scenario is computed the
/// same way (growth of every metric from the baseline to after the load, against the noise
/// floors of <see cref="Thresholds"/>); <see cref="Primary"/> only says which metrics the
/// incident is about (shown first, and the ones CI asserts on).
/// </summary>
internal sealed record Scenario(
    string Rule,
    string Path,
    string Incident,
    Metric[] Primary,
    TimeSpan RequestTimeout,
    bool NewConnectionPerRequest = false,
    bool AssertGrowth = true,
    int RequestScale = 1,
    bool CollectWhileLoading = true,
    string? Note = null,
    TimeSpan? Settle = null,
    bool JudgePeaks = true)
{
    /// <summary>
    /// Whether a growth of <paramref name="metric"/> above its noise floor is marked LEAK in the
    /// report (the verdict itself is the <see cref="LeakGap"/>). Peaks are not for work that is
    /// meant to run on after its request until its bound: what such work leaks is what it still
    /// holds once the bound has passed, not what it holds while it runs.
    /// </summary>
    public bool Judges(Metric metric) =>
        metric != Metric.WorkingSet &&
        (JudgePeaks || metric is not (Metric.PeakSockets or Metric.PeakDownstreamConnections));

    public static readonly Scenario[] All =
    [
        new("LEAK001", "/leak001", "response never disposed (incidents 1, 4)",
            [Metric.PeakSockets, Metric.PeakDownstreamConnections], TimeSpan.FromSeconds(5), CollectWhileLoading: false),
        new("LEAK002", "/leak002", "new HttpClient per request (incident 1)",
            [Metric.PeakSockets, Metric.PeakDownstreamConnections], TimeSpan.FromSeconds(5), CollectWhileLoading: false),
        new("LEAK003", "/leak003", "per-request TcpClient never closed (incident 3)",
            [Metric.PeakSockets, Metric.PeakDownstreamConnections], TimeSpan.FromSeconds(5), CollectWhileLoading: false),
        new("LEAK004", "/leak004", "fire-and-forget call with no token (incidents 1, 2)",
            [Metric.DownstreamInFlight, Metric.SocketsLive], TimeSpan.FromSeconds(5),
            Note: "the background call outlives its request by design; the fix bounds it with leak_analyzers.default_timeout (5 s in samples/Gateway/.editorconfig): the final sample is taken 7 s after the load, and the peaks while the bounded work runs are shown, not judged",
            Settle: TimeSpan.FromSeconds(7),
            JudgePeaks: false),
        new("LEAK005", "/leak005", "3-way WhenAll fan-out, no timeout, one downstream dead (incidents 1, 2)",
            [Metric.DownstreamInFlight, Metric.SocketsLive], TimeSpan.FromSeconds(1)),
        new("LEAK006", "/leak006", "WhenAny + Delay timeout returns 500, call keeps running (incident 1)",
            [Metric.DownstreamInFlight, Metric.SocketsLive], TimeSpan.FromSeconds(5)),
        new("LEAK007", "/leak007", "static map keyed by HttpContext, health route never cleared (incident 5)",
            [Metric.Heap], TimeSpan.FromSeconds(5), NewConnectionPerRequest: true,
            Note: "probes open a new connection per check (as kubelet's do), so every check has its own HttpContext"),
        new("LEAK008", "/leak008", "linked CancellationTokenSource per request never disposed",
            [Metric.Heap], TimeSpan.FromSeconds(5), RequestScale: 15,
            Note: "a few hundred bytes per request stay registered on ApplicationStopping: 15x the requests so the growth stands at least ten times above the heap's noise"),
    ];
}

/// <summary>
/// Noise floors: a growth (after the load, minus the baseline) at or below these is noise.
/// Chosen above what a fixed gateway usually shows (a few sockets of pooled connections, up to
/// about 0.3 MB of heap from pools and JIT on a busy 2-core machine), and far below what one
/// leaked object per request gives over the load (hundreds to thousands). They decide the
/// report's LEAK marks and whether a leak was measured before the fix; the after-fix value is
/// never compared with them (see <see cref="LeakGap"/>): it sits at the edge of the noise.
/// </summary>
internal static class Thresholds
{
    public static double For(Metric metric, int requests, int concurrency) => metric switch
    {
        // A fixed gateway keeps at most one pooled connection per concurrent request.
        Metric.SocketsLive or Metric.SocketsAfterGc or Metric.DownstreamConnections or Metric.DownstreamConnectionsAfterGc
            => concurrency + Math.Max(20, requests * 0.05),
        // During the load it also holds the load's own connections: two per concurrent request.
        Metric.PeakSockets or Metric.PeakDownstreamConnections => 2 * concurrency + Math.Max(20, requests * 0.05),
        Metric.DownstreamInFlight => Math.Max(10, requests * 0.02),
        Metric.Threads => 20,
        // 32 bytes per request and at least 256 KB: a fixed gateway grows by well under 100 KB
        // after a warm-up at the same concurrency; one small leaked object graph per request
        // (a linked token source: ~350 bytes) is several times the floor.
        Metric.Heap => Math.Max(256 * 1024, requests * 32.0),
        Metric.WorkingSet => double.PositiveInfinity, // shown, never judged: the runtime keeps what it got
        _ => double.PositiveInfinity,
    };
}

/// <summary>
/// The pass/fail judgement of one endpoint, made so that a loaded machine cannot flip it: the
/// leak's clearest measure (the primary metric that grew furthest past its noise floor before
/// the fix) must have grown past its floor before the fix, and after the fix it must have grown
/// by at most a quarter of that. Before-fix growth stands 5-50x above the floors; after-fix
/// growth is noise (+0 to +0.3 MB of heap, a few dozen sockets), far below a quarter of it.
/// </summary>
internal sealed record LeakGap(Metric Metric, double Before, double After, double Floor)
{
    public const double RequiredRatio = 4;

    public bool MeasuredBefore => Before > Floor;

    public bool Passed => MeasuredBefore && After <= Before / RequiredRatio;

    public static LeakGap Of(Scenario scenario, PhaseResult before, PhaseResult? after)
    {
        var metric = scenario.Primary.MaxBy(m => before.Growth(m) / before.Floor(m));
        return new LeakGap(metric, before.Growth(metric), after?.Growth(metric) ?? double.NaN, before.Floor(metric));
    }

    public string Describe() =>
        $"{Report.Name(Metric)} {Report.Signed(Metric, Before)} -> {(double.IsNaN(After) ? "not measured" : Report.Signed(Metric, After))} " +
        $"(before must exceed the noise floor {Report.Signed(Metric, Floor)}; after must be at most before/{RequiredRatio:0} = {Report.Signed(Metric, Before / RequiredRatio)})";
}
