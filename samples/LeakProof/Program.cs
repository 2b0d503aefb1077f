// LeakProof: re-enacts the incidents behind LEAK001-LEAK008 as running services, measures the
// leaks, applies the package's own code fixes in bulk (dotnet format analyzers) to a copy of
// the gateway, and measures again.
//
//   dotnet run --project samples/LeakProof [-- --quick] [--out DIR] [--only LEAK001,LEAK008]
using System.Diagnostics;
using System.Text.Json;
using LeakProof;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        LeakProof: measure the incidents' leaks in samples/Gateway, Fix All with the package's code fixes, measure again.
          dotnet run --project samples/LeakProof [-- options]
          --quick            smaller load (CI): 600 requests at concurrency 25 per endpoint, at most 2.5 s each
          --only LEAK001,... measure only these endpoints (builds and checks still run)
          --out DIR          where to write leakproof.json, leakproof.png, fix.diff (default artifacts/leakproof)
          --keep-copy        keep the fixed copy of the gateway (in the temp folder)
        Exit code: 0 all checks passed, 1 a check failed (printed under "Checks"), 2 a sample did not build.
        """);
    return 0;
}

var quick = args.Contains("--quick");
var outDirectory = ArgumentAfter("--out");
var only = ArgumentAfter("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
var keepCopy = args.Contains("--keep-copy");

var load = quick
    ? new LoadSettings(Requests: 600, Concurrency: 25, MaxDuration: TimeSpan.FromSeconds(2.5), Settle: TimeSpan.FromSeconds(0.5))
    : new LoadSettings(Requests: 2000, Concurrency: 50, MaxDuration: TimeSpan.FromSeconds(4), Settle: TimeSpan.FromSeconds(0.5));

var total = Stopwatch.StartNew();
var root = RepositoryRoot();
outDirectory = Path.GetFullPath(outDirectory ?? Path.Combine(root, "artifacts", "leakproof"));
Directory.CreateDirectory(outDirectory);
var console = new Progress(total);

// The services are this program's children: never leave one behind.
Console.CancelKeyPress += (_, _) => ServiceProcess.KillAll();
AppDomain.CurrentDomain.ProcessExit += (_, _) => ServiceProcess.KillAll();
AppDomain.CurrentDomain.UnhandledException += (_, _) => ServiceProcess.KillAll();

console.Phase($"LeakProof ({(quick ? "quick" : "full")}): {load.Requests} requests per endpoint at concurrency {load.Concurrency}, at most {load.MaxDuration.TotalSeconds:0.#} s each; output {outDirectory}");
var implemented = Builds.ImplementedRules(root);
console.Phase($"rules implemented by src/LeakAnalyzers: {string.Join(", ", implemented)}");

// 1. Build the two services (the gateway's build shows the package's warnings) and, side by
//    side, Fix All on a copy of the gateway with the package's own code fixes.
var downstreamProject = Path.Combine(root, "samples", "Downstream", "Downstream.csproj");
var gatewayProject = Path.Combine(root, "samples", "Gateway", "Gateway.csproj");
var workspace = Path.Combine(Path.GetTempPath(), "leakproof-" + Environment.ProcessId);
if (Directory.Exists(workspace))
{
    Directory.Delete(workspace, recursive: true);
}

var copyProject = Builds.CopyGateway(root, workspace);
console.Phase($"restoring the gateway's copy in {Path.GetDirectoryName(copyProject)} (and with it the analyzer projects)...");
var (restored, restoreOutput) = await Command.RunAsync("dotnet", ["restore", copyProject, "-v", "q", "-nologo"], Path.GetDirectoryName(copyProject)!, TimeSpan.FromMinutes(5));
Require(restored == 0, "the gateway's copy does not restore", restoreOutput);

// dotnet format loads the copy in its default (Debug) configuration, so the analyzer and
// code-fix assemblies it references must exist in Debug too: without them it fixes nothing.
console.Phase("building src/LeakAnalyzers.CodeFixes in Debug (the configuration dotnet format loads)...");
var analyzersBuild = await Builds.BuildAsync(Path.Combine(root, "src", "LeakAnalyzers.CodeFixes", "LeakAnalyzers.CodeFixes.csproj"), forceCompile: false, configuration: "Debug", extra: ["--no-restore"]);
Require(analyzersBuild.Succeeded, "src/LeakAnalyzers.CodeFixes does not build", analyzersBuild.Output);

console.Phase($"building samples/Downstream and samples/Gateway (Release) while dotnet format analyzers --diagnostics {string.Join(' ', Builds.AllRules)} --severity warn fixes the copy...");
var formatClock = Stopwatch.StartNew();
// The analyzer projects are restored already, so these restores do not write where dotnet format reads.
var downstreamBuild = Builds.BuildAsync(downstreamProject, forceCompile: false);
var gatewayBuilding = Builds.BuildAsync(gatewayProject, forceCompile: true);
var formatting = Builds.FormatAnalyzersAsync(copyProject);
var gatewayBuild = await gatewayBuilding;
var downstreamBuilt = await downstreamBuild;
var (formatExit, formatOutput) = await formatting;
File.WriteAllText(Path.Combine(outDirectory, "format.log"), formatOutput);
Require(downstreamBuilt.Succeeded, "samples/Downstream does not build", downstreamBuilt.Output);
Require(gatewayBuild.Succeeded, "samples/Gateway does not build", gatewayBuild.Output);
console.Phase($"gateway built in {gatewayBuild.Duration.TotalSeconds:0} s: {gatewayBuild.Warnings.Count} LEAK warning(s)");
foreach (var warning in gatewayBuild.Warnings)
{
    console.Detail($"{warning.File}({warning.Line},{warning.Column}): {warning.Rule}");
}

console.Phase($"dotnet format exited with {formatExit} after {formatClock.Elapsed.TotalSeconds:0} s; building the fixed copy...");
var fixedBuild = await Builds.BuildAsync(copyProject, forceCompile: false, extra: ["--no-restore", "-p:BuildProjectReferences=false"]);
File.WriteAllText(Path.Combine(outDirectory, "build-fixed.log"), fixedBuild.Output);
console.Phase($"fixed copy {(fixedBuild.Succeeded ? "builds" : "DOES NOT BUILD")}: {fixedBuild.Warnings.Count} LEAK warning(s)");
foreach (var warning in fixedBuild.Warnings)
{
    console.Detail($"{warning.File}({warning.Line},{warning.Column}): {warning.Rule} {warning.Message}");
}

var fixDiff = new System.Text.StringBuilder();
foreach (var original in Directory.EnumerateFiles(Path.Combine(root, "samples", "Gateway"), "*.cs"))
{
    var diff = await Command.RunAsync("git", ["diff", "--no-index", "--no-color", "--", original, Path.Combine(Path.GetDirectoryName(copyProject)!, Path.GetFileName(original))], root, TimeSpan.FromSeconds(30));
    fixDiff.Append(diff.Output);
}

File.WriteAllText(Path.Combine(outDirectory, "fix.diff"), fixDiff.ToString());
console.Detail($"the package's fixes: {outDirectory}/fix.diff");

// 3. Measure every endpoint before and after, each on freshly started processes.
var measurements = new List<(Scenario Scenario, PhaseResult Before, PhaseResult? After)>();
using var probe = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
var measurement = new Measurement(probe);
var scenarios = Scenario.All.Where(s => only is null || only.Contains(s.Rule)).ToList();
var gatewayAssembly = Builds.AssemblyOf(gatewayProject);
var fixedAssembly = Builds.AssemblyOf(copyProject);
if (fixedBuild.Succeeded)
{
    foreach (var scenario in scenarios)
    {
        // One downstream and both gateways start side by side (start-ups are the slow part on a
        // 2-core machine); the unfixed gateway is stopped as soon as it has been measured, and
        // the downstream has let go of everything it held before the fixed one is loaded.
        // In --quick mode an endpoint whose rule reported nothing is measured before only: no
        // fix touched it, so its "after" would be the same code (the full run measures it anyway,
        // as a control of the run-to-run noise).
        var measureAfter = !quick || gatewayBuild.Count(scenario.Rule) > 0;
        await using var services = await StartServicesAsync(measureAfter);
        var before = await MeasureAsync(scenario, "before", services.Before, services.Downstream);
        await services.Before.DisposeAsync();
        PhaseResult? after = null;
        if (services.After is not null)
        {
            await WaitUntilIdleAsync(services.Downstream);
            after = await MeasureAsync(scenario, "after", services.After, services.Downstream);
        }
        else
        {
            console.Detail($"{scenario.Rule} after: not measured (--quick, and {scenario.Rule} reported nothing: no fix was applied to {scenario.Path})");
        }

        measurements.Add((scenario, before, after));
    }
}

// 4. Report.
var verdicts = new Dictionary<string, string>();
foreach (var (scenario, before, after) in measurements)
{
    var verdict = Verdict(scenario, before, after);
    verdicts[scenario.Rule] = verdict;
    Report.PrintTable(scenario, before, after, gatewayBuild.Count(scenario.Rule), fixedBuild.Count(scenario.Rule), verdict);
}

Report.PrintSummary(measurements.Select(m => (m.Scenario, m.Before, m.After, verdicts[m.Scenario.Rule], implemented.Contains(m.Scenario.Rule) && m.Scenario.AssertGrowth)).ToList());
var assertions = Assertions().ToList();
Console.WriteLine();
Console.WriteLine("Checks:");
foreach (var (passed, text) in assertions)
{
    Console.WriteLine($"  [{(passed ? "pass" : "FAIL")}] {text}");
}

var chart = measurements.Count > 0 ? Report.Chart(measurements, Path.Combine(outDirectory, "leakproof.png")) : "no measurements";
var json = Path.Combine(outDirectory, "leakproof.json");
File.WriteAllText(json, JsonSerializer.Serialize(new
{
    mode = quick ? "quick" : "full",
    date = DateTimeOffset.UtcNow,
    machine = new { cores = Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
    load = new { load.Requests, load.Concurrency, maxDurationSeconds = load.MaxDuration.TotalSeconds, settleSeconds = load.Settle.TotalSeconds },
    implementedRules = implemented,
    build = new
    {
        warningsBefore = gatewayBuild.Warnings,
        formatExitCode = formatExit,
        fixedBuilds = fixedBuild.Succeeded,
        warningsAfter = fixedBuild.Warnings,
    },
    thresholds = Enum.GetValues<Metric>().ToDictionary(m => m.ToString(), m => Thresholds.For(m, load.Requests, load.Concurrency)),
    scenarios = measurements.Select(m => new
    {
        m.Scenario.Rule,
        m.Scenario.Path,
        m.Scenario.Incident,
        primary = m.Scenario.Primary.Select(p => p.ToString()),
        before = m.Before,
        after = m.After,
        growthBefore = Enum.GetValues<Metric>().ToDictionary(x => x.ToString(), x => m.Before.Growth(x)),
        growthAfter = m.After is null ? null : Enum.GetValues<Metric>().ToDictionary(x => x.ToString(), x => m.After.Growth(x)),
        gap = LeakGap.Of(m.Scenario, m.Before, m.After),
        verdict = verdicts[m.Scenario.Rule],
    }),
    checks = assertions.Select(a => new { a.Passed, a.Text }),
    totalSeconds = Math.Round(total.Elapsed.TotalSeconds, 1),
}, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));

console.Phase($"wrote {json} and {chart}");
if (!keepCopy)
{
    TryDelete(workspace);
}

var failed = assertions.Count(a => !a.Passed);
console.Phase(failed == 0
    ? $"all {assertions.Count} checks passed in {total.Elapsed.TotalSeconds:0} s"
    : $"{failed} of {assertions.Count} checks FAILED in {total.Elapsed.TotalSeconds:0} s");
return failed == 0 ? 0 : 1;

async Task<ScenarioServices> StartServicesAsync(bool withFixedGateway)
{
    var downstreamPort = ServiceProcess.FreeLoopbackPort();
    string[] downstreamArgument = [$"--Downstream=http://127.0.0.1:{downstreamPort}"];
    var starts = new[]
    {
        ServiceProcess.StartAsync(Builds.AssemblyOf(downstreamProject), downstreamPort, [], "/stats", probe),
        ServiceProcess.StartAsync(gatewayAssembly, ServiceProcess.FreeLoopbackPort(), downstreamArgument, "/ready", probe),
        withFixedGateway ? ServiceProcess.StartAsync(fixedAssembly, ServiceProcess.FreeLoopbackPort(), downstreamArgument, "/ready", probe) : Task.FromResult<ServiceProcess>(null!),
    };
    try
    {
        await Task.WhenAll(starts);
    }
    catch
    {
        foreach (var started in starts.Where(t => t.IsCompletedSuccessfully && t.Result is not null))
        {
            await started.Result.DisposeAsync();
        }

        throw;
    }

    return new ScenarioServices(starts[0].Result, starts[1].Result, starts[2].Result);
}

async Task WaitUntilIdleAsync(ServiceProcess downstream)
{
    // The stopped gateway's sockets are closed by the OS; give the downstream a moment to see it.
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
    while (DateTime.UtcNow < deadline)
    {
        using var response = await probe.GetAsync(new Uri(downstream.BaseAddress, "/stats"));
        using var stats = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (stats.RootElement.GetProperty("inFlight").GetInt32() == 0 && stats.RootElement.GetProperty("openConnections").GetInt32() <= 1)
        {
            return;
        }

        await Task.Delay(100);
    }
}

async Task<PhaseResult> MeasureAsync(Scenario scenario, string variant, ServiceProcess gateway, ServiceProcess downstream)
{
    console.Begin($"{scenario.Rule} {variant,-6} {scenario.Path}: gateway pid {gateway.Id} on {gateway.BaseAddress}, downstream on {downstream.BaseAddress}");
    var result = await measurement.RunAsync(scenario, variant, gateway.BaseAddress, downstream.BaseAddress, load, console.Load);
    console.End($"{result.Sent} sent ({result.Ok} ok, {result.HttpErrors} http errors, {result.TimedOut} timed out, {result.Failed} failed) in {result.LoadSeconds:0.0} s; " +
                $"peak sockets {result.PeakSocketsLive}, heap {Report.Mb(result.Baseline.HeapBytes)}->{Report.Mb(result.Final.HeapBytes)} MB, downstream in-flight {result.Final.DownstreamInFlight}");
    return result;
}

string Verdict(Scenario scenario, PhaseResult before, PhaseResult? after)
{
    var leakingBefore = before.Leaking().Where(scenario.Judges).ToList();
    var described = (PhaseResult phase, IEnumerable<Metric> metrics) => string.Join(", ", metrics.Select(m => $"{Report.Name(m)} {Report.Signed(m, phase.Growth(m))}"));
    if (!implemented.Contains(scenario.Rule))
    {
        return $"NOT FIXED: {scenario.Rule} is not implemented yet, the code is unchanged" +
               (leakingBefore.Count > 0 ? $" (leaking: {described(before, leakingBefore)})" : "");
    }

    var gap = LeakGap.Of(scenario, before, after);
    if (!gap.MeasuredBefore)
    {
        return "NO LEAK MEASURED before the fix (no growth above the noise floors)";
    }

    if (after is null)
    {
        return "NOT MEASURED after the fix";
    }

    // Other measures above their floors after the fix are shown, not judged: they are noise on a busy machine.
    var aboveFloorAfter = after.Leaking().Where(scenario.Judges).ToList();
    var shown = aboveFloorAfter.Count == 0 ? "" : $"; above a noise floor after the fix (shown, not judged): {described(after, aboveFloorAfter)}";
    return (gap.Passed ? "LEAK GONE: " : "STILL LEAKING after the fix: ") + gap.Describe() + shown;
}

IEnumerable<(bool Passed, string Text)> Assertions()
{
    yield return (fixedBuild.Succeeded, "the fixed copy builds");
    yield return (formatExit == 0, $"dotnet format analyzers exits 0 (exit {formatExit})");
    foreach (var rule in implemented)
    {
        var count = gatewayBuild.Count(rule);
        yield return (count > 0, $"unfixed gateway reports {rule} ({count} warning(s))");
    }

    yield return (fixedBuild.Warnings.Count == 0,
        $"fixed copy reports no LEAK warning ({(fixedBuild.Warnings.Count == 0 ? "none" : string.Join(", ", fixedBuild.Warnings.Select(w => $"{w.Rule} at {w.File}({w.Line})")))})");
    foreach (var (scenario, before, measuredAfter) in measurements.Where(m => implemented.Contains(m.Scenario.Rule) && m.Scenario.AssertGrowth))
    {
        if (measuredAfter is not { } after)
        {
            yield return (false, $"{scenario.Rule} was not measured after the fix (its rule reported nothing in the unfixed gateway)");
            continue;
        }

        // Wide margins only: the after-fix value is compared with a quarter of the before-fix
        // growth, never with a noise floor it can touch on a loaded machine.
        var gap = LeakGap.Of(scenario, before, after);
        yield return (gap.Passed, $"{scenario.Rule} growth after the fix is at most a quarter of the growth before it: {gap.Describe()}");
    }
}

void Require(bool condition, string message, string output)
{
    if (!condition)
    {
        Console.Error.WriteLine(output);
        Console.Error.WriteLine($"LeakProof: {message}");
        Environment.Exit(2);
    }
}

string? ArgumentAfter(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static string RepositoryRoot()
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LeakAnalyzers.sln")))
            {
                return directory.FullName;
            }
        }
    }

    throw new InvalidOperationException("LeakProof must run inside the LeakAnalyzers repository (no LeakAnalyzers.sln found above the current directory).");
}

static void TryDelete(string directory)
{
    try
    {
        Directory.Delete(directory, recursive: true);
    }
    catch (IOException)
    {
    }
}
