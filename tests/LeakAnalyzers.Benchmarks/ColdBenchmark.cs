using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LeakAnalyzers.Benchmarks;

/// <summary>
/// What a CI build pays: <c>dotnet build --no-incremental -p:ReportAnalyzer=true</c> of a real
/// project in a fresh compiler process each run (no compiler server, no build server, no node
/// reuse), the LEAK analyzers, IDisposableAnalyzers and the NetAnalyzers (CA2000 enabled)
/// injected through <c>CustomAfterMicrosoftCommonTargets</c>, so the repository is not edited.
/// The per-analyzer times are the compiler's own report, read from the detailed file log.
/// </summary>
internal static partial class ColdBenchmark
{
    private const string LeakAssembly = "LeakAnalyzers";
    private const string IDisposableAssembly = "IDisposableAnalyzers";
    private const string Ca2000Analyzer = "Microsoft.NetCore.Analyzers.Runtime.DisposeObjectsBeforeLosingScope";

    /// <summary>
    /// <c>--cold &lt;repo-dir&gt; &lt;project&gt; [--runs 3] [--framework tfm] [--configuration Debug]
    /// [--leak-analyzers label=path.dll,label=path.dll] [--markdown file]</c>. With several
    /// LeakAnalyzers builds the runs alternate between them (A/B/A/B) so machine load hits both alike.
    /// </summary>
    public static int Run(string[] args, Action<string> write)
    {
        if (args.Length < 3 || args[1].StartsWith("--", StringComparison.Ordinal) || args[2].StartsWith("--", StringComparison.Ordinal))
        {
            write("Usage: --cold <repo-dir> <project path relative to it> [--runs 3] [--framework tfm] [--configuration Debug] [--leak-analyzers label=dll,...] [--markdown file]");
            return 2;
        }

        var repository = Path.GetFullPath(args[1]);
        var project = Path.GetFullPath(Path.Combine(repository, args[2]));
        var runs = int.Parse(Option(args, "--runs") ?? "3", CultureInfo.InvariantCulture);
        var framework = Option(args, "--framework");
        var configuration = Option(args, "--configuration") ?? "Debug";
        var variants = (Option(args, "--leak-analyzers") ?? "current=" + Path.Combine(AppContext.BaseDirectory, "LeakAnalyzers.dll"))
            .Split(',')
            .Select(entry => entry.Split('=', 2))
            .Select(parts => parts.Length == 2 ? (Label: parts[0], Dll: Path.GetFullPath(parts[1])) : (Label: Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(parts[0])))!, Dll: Path.GetFullPath(parts[0])))
            .ToList();
        var anchors = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "benchmark-anchors.txt"))
            .Select(line => line.Split('|', 2))
            .Where(parts => parts[0] is "IDisposableAnalyzers" or "NetAnalyzers")
            .Select(parts => parts[1])
            .ToList();
        foreach (var dll in variants.Select(v => v.Dll).Concat(anchors).Where(dll => !File.Exists(dll)))
        {
            write($"Missing analyzer: {dll}");
            return 2;
        }

        var workDirectory = Directory.CreateTempSubdirectory("leak-cold-").FullName;
        var globalConfig = Path.Combine(workDirectory, "cold.globalconfig");
        File.WriteAllText(globalConfig, "is_global = true\nglobal_level = 100\n# CA2000 is off by default.\ndotnet_diagnostic.CA2000.severity = warning\n");
        var targets = variants.ToDictionary(v => v.Label, v => WriteTargets(workDirectory, v.Label, anchors.Prepend(v.Dll), globalConfig));

        write($"Cold-process build benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        write($"Machine: {Machine.Describe()}; load average at the start: {Machine.LoadAverage()}");
        write($"Command: dotnet run -c Release --project tests/LeakAnalyzers.Benchmarks -- {string.Join(' ', args)}");
        write($"Project: {project} ({CountLines(Path.GetDirectoryName(project)!):N0} lines of C# under its folder)");
        write($"Each run: dotnet build --no-restore --no-incremental --disable-build-servers -nr:false -c {configuration} -p:UseSharedCompilation=false -p:ReportAnalyzer=true -p:CustomAfterMicrosoftCommonTargets=<generated>{(framework is null ? string.Empty : " -f " + framework)}; {runs} runs per LeakAnalyzers build, alternating; median (min-max).");

        var restore = Dotnet(workDirectory, "restore", Quote(project), $"-p:CustomAfterMicrosoftCommonTargets={Quote(targets[variants[0].Label])}", "-v:q", "-nologo");
        if (restore.ExitCode != 0)
        {
            write("Restore failed:\n" + restore.Output);
            return 1;
        }

        var samples = variants.ToDictionary(v => v.Label, _ => new List<ColdRun>());
        for (var run = 0; run < runs; run++)
        {
            foreach (var (label, _) in variants)
            {
                var log = Path.Combine(workDirectory, $"{label}-{run}.log");
                var arguments = new List<string>
                {
                    "build", Quote(project), "--no-restore", "--no-incremental", "--disable-build-servers", "-nr:false", "-c", configuration,
                    "-p:UseSharedCompilation=false", "-p:ReportAnalyzer=true", $"-p:CustomAfterMicrosoftCommonTargets={Quote(targets[label])}",
                    "-v:q", "-nologo", $"-flp:v=d;logfile={Quote(log)}",
                };
                if (framework is not null)
                {
                    arguments.AddRange(new[] { "-f", framework });
                }

                var load = Machine.LoadAverage();
                var stopwatch = Stopwatch.StartNew();
                var build = Dotnet(workDirectory, arguments.ToArray());
                var wall = stopwatch.Elapsed.TotalSeconds;
                if (build.ExitCode != 0)
                {
                    write($"Build failed ({label}, run {run + 1}), log {log}:\n{build.Output}");
                    return 1;
                }

                var parsed = ParseLog(log) with { BuildSeconds = wall, LoadAverage = load };
                samples[label].Add(parsed);
                write($"  run {run + 1} {label}: build {wall:F1} s, {parsed.Compilations} compilation(s), all LEAK {parsed.Seconds(Assembly(LeakAssembly)):F3} s, IDisposableAnalyzers {parsed.Seconds(Assembly(IDisposableAssembly)):F3} s, CA2000 {parsed.Seconds(Ca2000Analyzer):F3} s, load {load}");
            }
        }

        WriteTable(samples, write);
        write($"Load average at the end: {Machine.LoadAverage()}");
        write($"Logs: {workDirectory}");
        return 0;
    }

    private static void WriteTable(Dictionary<string, List<ColdRun>> samples, Action<string> write)
    {
        var first = samples.Values.First();
        var leakRules = first.SelectMany(run => run.Analyzers.Keys)
            .Where(key => key.StartsWith(LeakAssembly + ".", StringComparison.Ordinal))
            .Distinct()
            .OrderBy(key => first[0].RuleIds.GetValueOrDefault(key, key), StringComparer.Ordinal)
            .ToList();
        var rows = leakRules.Select(key => (Label: $"{first[0].RuleIds.GetValueOrDefault(key, "?")} ({key.Split('.').Last()})", Key: key, Rules: first[0].RuleIds.GetValueOrDefault(key, string.Empty).Split(", ")))
            .Append((Label: $"**All LEAK ({leakRules.Count} analyzers)**", Key: Assembly(LeakAssembly), Rules: first[0].RuleIds.Where(p => p.Key.StartsWith(LeakAssembly + ".", StringComparison.Ordinal)).SelectMany(p => p.Value.Split(", ")).ToArray()))
            .Append((Label: "IDisposableAnalyzers (all rules)", Key: Assembly(IDisposableAssembly), Rules: new[] { "IDISP" }))
            .Append((Label: "CA2000", Key: Ca2000Analyzer, Rules: new[] { "CA2000" }))
            .Append((Label: "All analyzers in the build", Key: "total", Rules: Array.Empty<string>()))
            .ToList();

        write(string.Empty);
        write("| Analyzer | " + string.Join(" | ", samples.Keys.Select(label => $"{label}: s, median (min-max) | {label}: × IDisposableAnalyzers")) + " | Diagnostics |");
        write("| --- | " + string.Join(" | ", samples.Keys.Select(_ => "---: | ---:")) + " | ---: |");
        foreach (var (label, key, rules) in rows)
        {
            var cells = samples.Select(pair =>
            {
                var values = pair.Value.Select(run => run.Seconds(key)).ToList();
                var idisposable = Median(pair.Value.Select(run => run.Seconds(Assembly(IDisposableAssembly))));
                return $"{Median(values):F3} ({values.Min():F3}-{values.Max():F3}) | {Median(values) / Math.Max(idisposable, 0.001):F3}";
            });
            var diagnostics = rules.Length == 0 ? string.Empty : first[0].Warnings.Count(w => rules.Any(rule => w.StartsWith(rule, StringComparison.Ordinal))).ToString(CultureInfo.InvariantCulture);
            write($"| {label} | {string.Join(" | ", cells)} | {diagnostics} |");
        }

        write($"| Build wall time | {string.Join(" | ", samples.Values.Select(runs => $"{Median(runs.Select(r => r.BuildSeconds)):F1} ({runs.Min(r => r.BuildSeconds):F1}-{runs.Max(r => r.BuildSeconds):F1}) | "))} |");
    }

    private static string Assembly(string name) => "assembly:" + name;

    private static string WriteTargets(string directory, string label, IEnumerable<string> analyzers, string globalConfig)
    {
        // Analyzers already referenced by the project under the same file names are replaced, so each runs once.
        var names = analyzers.Select(Path.GetFileNameWithoutExtension).ToList();
        var xml = new StringBuilder();
        xml.AppendLine("<Project>");
        xml.AppendLine("  <PropertyGroup>");
        xml.AppendLine("    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>");
        xml.AppendLine("    <WarningsAsErrors></WarningsAsErrors>");
        xml.AppendLine("    <CodeAnalysisTreatWarningsAsErrors>false</CodeAnalysisTreatWarningsAsErrors>");
        xml.AppendLine("  </PropertyGroup>");
        xml.AppendLine("  <Target Name=\"InjectColdBenchmarkAnalyzers\" BeforeTargets=\"CoreCompile\" AfterTargets=\"ResolveLockFileAnalyzers\">");
        xml.AppendLine("    <ItemGroup>");
        xml.AppendLine($"      <Analyzer Remove=\"@(Analyzer)\" Condition=\"{string.Join(" or ", names.Select(n => $"'%(Filename)' == '{n}'"))}\" />");
        foreach (var analyzer in analyzers)
        {
            xml.AppendLine($"      <Analyzer Include=\"{analyzer}\" />");
        }

        xml.AppendLine($"      <EditorConfigFiles Include=\"{globalConfig}\" />");
        xml.AppendLine("    </ItemGroup>");
        xml.AppendLine("  </Target>");
        xml.AppendLine("</Project>");
        var path = Path.Combine(directory, $"inject-{label}.targets");
        File.WriteAllText(path, xml.ToString());
        return path;
    }

    /// <summary>Sums the compiler's analyzer report over every compilation of the build (a project reference is compiled too).</summary>
    internal static ColdRun ParseLog(string path)
    {
        var analyzers = new Dictionary<string, double>(StringComparer.Ordinal);
        var ruleIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new HashSet<string>(StringComparer.Ordinal);
        var compilations = 0;
        var inAnalyzerTable = false;
        foreach (var rawLine in File.ReadLines(path))
        {
            var line = NodePrefix().Replace(rawLine, string.Empty).Trim();
            if (WarningLine().Match(line) is { Success: true } warning)
            {
                warnings.Add(warning.Groups["id"].Value + " " + warning.Groups["location"].Value);
                continue;
            }

            if (line.StartsWith("Total analyzer execution time:", StringComparison.Ordinal))
            {
                compilations++;
                inAnalyzerTable = true;
                analyzers["total"] = analyzers.GetValueOrDefault("total") + double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                continue;
            }

            if (!inAnalyzerTable || line.Length == 0 || line.StartsWith("Time (s)", StringComparison.Ordinal))
            {
                continue;
            }

            if (TimeLine().Match(line) is not { Success: true } match)
            {
                inAnalyzerTable = false;
                continue;
            }

            var seconds = match.Groups["time"].Value.StartsWith('<') ? 0 : double.Parse(match.Groups["time"].Value, CultureInfo.InvariantCulture);
            var name = match.Groups["name"].Value;
            string key;
            if (name.Contains(", Version=", StringComparison.Ordinal))
            {
                key = Assembly(name.Split(',')[0]);
            }
            else
            {
                var open = name.IndexOf(" (", StringComparison.Ordinal);
                key = open < 0 ? name : name[..open];
                if (open >= 0)
                {
                    ruleIds[key] = name[(open + 2)..].TrimEnd(')');
                }
            }

            analyzers[key] = analyzers.GetValueOrDefault(key) + seconds;
        }

        return new ColdRun(analyzers, ruleIds, warnings, compilations, 0, string.Empty);
    }

    private static (int ExitCode, string Output) Dotnet(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", string.Join(' ', arguments))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    private static int CountLines(string directory) =>
        Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) &&
                           !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Sum(file => File.ReadLines(file).Count());

    private static string Quote(string value) => value.Contains(' ', StringComparison.Ordinal) ? $"\"{value}\"" : value;

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The "1:7>" prefix MSBuild puts before a node's lines in a multi-node log.</summary>
    [GeneratedRegex(@"^\s*\d+(:\d+)?>")]
    private static partial Regex NodePrefix();

    /// <summary>A row of the report: "0.206    1      LeakAnalyzers.Rules.X (LEAK008)" or "&lt;0.001   &lt;1   Assembly, Version=...".</summary>
    [GeneratedRegex(@"^(?<time><?[0-9]+\.[0-9]+)\s+(?<percent><?[0-9]+)\s+(?<name>\S.*)$")]
    private static partial Regex TimeLine();

    [GeneratedRegex(@"^(?<location>\S.*\(\d+,\d+\)): warning (?<id>LEAK\d{3}|IDISP\d{3}|CA2000):")]
    private static partial Regex WarningLine();
}

/// <summary>One build: seconds per analyzer type (and per "assembly:Name", and "total"), summed over its compilations.</summary>
internal sealed record ColdRun(
    Dictionary<string, double> Analyzers,
    Dictionary<string, string> RuleIds,
    HashSet<string> Warnings,
    int Compilations,
    double BuildSeconds,
    string LoadAverage)
{
    public double Seconds(string key) => Analyzers.GetValueOrDefault(key);
}
