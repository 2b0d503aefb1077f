using ScottPlot;
using System.Diagnostics;
using System.Globalization;

namespace LeakProof;

/// <summary>Per-phase progress lines (and a live counter on a terminal).</summary>
internal sealed class Progress(Stopwatch clock)
{
    private readonly bool live = !Console.IsOutputRedirected;
    private string current = "";
    private DateTime lastPrinted;

    public void Phase(string text) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {text}");

    public void Detail(string text) => Console.WriteLine($"         {text}");

    public void Begin(string text)
    {
        current = text;
        Phase(text);
    }

    public void Load(int completed, int total)
    {
        if (live && DateTime.UtcNow - lastPrinted > TimeSpan.FromMilliseconds(200))
        {
            lastPrinted = DateTime.UtcNow;
            var width = 30;
            var filled = total == 0 ? width : Math.Min(width, completed * width / total);
            Console.Write($"\r         [{new string('#', filled)}{new string('.', width - filled)}] {completed}/{total}   ");
        }
    }

    public void End(string text)
    {
        if (live)
        {
            Console.Write("\r" + new string(' ', 60) + "\r");
        }

        Detail(text);
        _ = current;
    }
}

internal static class Report
{
    public static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Name(Metric metric) => metric switch
    {
        Metric.SocketsLive => "sockets",
        Metric.SocketsAfterGc => "sockets after GC",
        Metric.Heap => "heap",
        Metric.WorkingSet => "working set",
        Metric.Threads => "threads",
        Metric.DownstreamConnections => "downstream connections",
        Metric.DownstreamConnectionsAfterGc => "downstream connections after GC",
        Metric.PeakSockets => "peak sockets",
        Metric.PeakDownstreamConnections => "peak downstream connections",
        Metric.DownstreamInFlight => "downstream in-flight",
        _ => metric.ToString(),
    };

    public static string Signed(Metric metric, double value) => metric is Metric.Heap or Metric.WorkingSet
        ? (value >= 0 ? "+" : "") + (value / 1024.0 / 1024.0).ToString("0.00", CultureInfo.InvariantCulture) + " MB"
        : (value >= 0 ? "+" : "") + value.ToString("0", CultureInfo.InvariantCulture);

    private static readonly (Metric Metric, string Label)[] Rows =
    [
        (Metric.SocketsLive, "sockets open, load stopped"),
        (Metric.PeakSockets, "sockets open, peak"),
        (Metric.SocketsAfterGc, "sockets open after full GC"),
        (Metric.DownstreamConnections, "downstream open connections"),
        (Metric.PeakDownstreamConnections, "downstream connections, peak"),
        (Metric.DownstreamConnectionsAfterGc, "downstream conns after GC"),
        (Metric.DownstreamInFlight, "downstream in-flight requests"),
        (Metric.Heap, "GC heap after full GC"),
        (Metric.WorkingSet, "working set"),
        (Metric.Threads, "threads"),
    ];

    public static void PrintTable(Scenario scenario, PhaseResult before, PhaseResult? after, int warningsBefore, int warningsAfter, string verdict)
    {
        Console.WriteLine();
        Console.WriteLine($"{scenario.Rule} {scenario.Path}: {scenario.Incident}");
        Console.WriteLine($"  {scenario.Rule} warnings: {warningsBefore} before the fix, {warningsAfter} after" + (scenario.Note is null ? "" : $"; note: {scenario.Note}"));
        Console.WriteLine($"  {"",-31}| {"before: baseline -> end  (growth)",-36}| {"after: baseline -> end  (growth)",-36}| noise floor");
        Console.WriteLine($"  {new string('-', 31)}+{new string('-', 37)}+{new string('-', 37)}+------------");
        Console.WriteLine($"  {"requests sent/ok/err/timed out",-31}| {Requests(before),-36}| {(after is null ? "not measured" : Requests(after)),-36}|");
        foreach (var (metric, label) in Rows)
        {
            var primary = scenario.Primary.Contains(metric) ? "*" : " ";
            var floor = before.Floor(metric);
            var judged = scenario.Judges(metric) && !double.IsInfinity(floor);
            Console.WriteLine($"  {primary}{label,-30}| {Cell(metric, before, judged),-36}| {(after is null ? "" : Cell(metric, after, judged)),-36}| {(judged ? Signed(metric, floor) : "(shown only)")}");
        }

        Console.WriteLine($"  verdict: {verdict}");
    }

    /// <summary>One line per endpoint: its key measures before and after, and the verdict.</summary>
    public static void PrintSummary(IReadOnlyList<(Scenario Scenario, PhaseResult Before, PhaseResult? After, string Verdict, bool Asserted)> rows)
    {
        Console.WriteLine();
        Console.WriteLine("Summary: growth from the baseline, before -> after the fix (* asserted by --quick checks)");
        Console.WriteLine($"  {"rule",-9}{"endpoint",-10}{"measure",-30}{"before",12}{"after",12}  verdict");
        foreach (var (scenario, before, after, verdict, asserted) in rows)
        {
            var first = true;
            foreach (var metric in scenario.Primary)
            {
                var head = first ? $"{scenario.Rule + (asserted ? "*" : ""),-9}{scenario.Path,-10}" : new string(' ', 19);
                var tail = first ? "  " + verdict.Split(':')[0] : "";
                Console.WriteLine($"  {head}{Name(metric),-30}{Signed(metric, before.Growth(metric)),12}{(after is null ? "-" : Signed(metric, after.Growth(metric))),12}{tail}");
                first = false;
            }
        }
    }

    private static string Requests(PhaseResult phase) => $"{phase.Sent} / {phase.Ok} / {phase.HttpErrors + phase.Failed} / {phase.TimedOut} ({phase.LoadSeconds:0.0} s)";

    private static string Cell(Metric metric, PhaseResult phase, bool judged)
    {
        var growth = phase.Growth(metric);
        var flag = judged && growth > phase.Floor(metric) ? " LEAK" : "";
        return metric is Metric.Heap or Metric.WorkingSet
            ? $"{Mb((long)phase.Baseline.Value(metric))} -> {Mb((long)phase.Final.Value(metric))} MB ({Signed(metric, growth)}){flag}"
            : $"{phase.Baseline.Value(metric):0} -> {phase.End(metric):0} ({Signed(metric, growth)}){flag}";
    }

    /// <summary>Memory and open sockets over the requests sent, before vs after, one row per endpoint (ScottPlot).</summary>
    public static string Chart(IReadOnlyList<(Scenario Scenario, PhaseResult Before, PhaseResult? After)> measurements, string path)
    {
        var multiplot = new ScottPlot.Multiplot();
        multiplot.AddPlots(measurements.Count * 3);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows: measurements.Count, columns: 3);
        var index = 0;
        foreach (var (scenario, before, after) in measurements)
        {
            var downstreamMetric = scenario.Primary.Contains(Metric.DownstreamInFlight) ? Metric.DownstreamInFlight : Metric.DownstreamConnections;
            var columns = new[]
            {
                (Metric.Heap, scenario.CollectWhileLoading ? "GC heap after full GC (MB)" : "GC heap, live (MB; last point after full GC)"),
                (Metric.SocketsLive, "gateway open sockets"),
                (downstreamMetric, downstreamMetric == Metric.DownstreamInFlight ? "downstream in-flight requests" : "downstream open connections"),
            };
            foreach (var (metric, label) in columns)
            {
                var plot = multiplot.GetPlot(index++);
                foreach (var (phase, color, name) in new[] { (before, ScottPlot.Colors.Crimson, "before fix"), (after, ScottPlot.Colors.SeaGreen, "after fix") }.Where(p => p.Item1 is not null).Select(p => (p.Item1!, p.Item2, p.Item3)))
                {
                    var xs = phase.Samples.Select((s, i) => (double)s.Requests + (i == phase.Samples.Count - 1 ? 0.5 : 0)).ToArray();
                    var ys = phase.Samples.Select(s => metric == Metric.Heap ? s.HeapBytes / 1024.0 / 1024.0 : s.Value(metric)).ToArray();
                    var line = plot.Add.Scatter(xs, ys, color);
                    line.LegendText = name;
                    line.LineWidth = 2;
                    line.MarkerSize = 4;
                }

                plot.Title($"{scenario.Rule} {scenario.Path}: {label}", size: 12);
                plot.XLabel("requests sent", size: 11);
                plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
            }
        }

        multiplot.SavePng(path, 1500, 280 * measurements.Count);
        return path;
    }
}
