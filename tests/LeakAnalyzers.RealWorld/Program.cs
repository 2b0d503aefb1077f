using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using LeakAnalyzers.RealWorld;

// dotnet run --project tests/LeakAnalyzers.RealWorld -- <repo-dir> <project> [--repository <name>] [--framework <tf>] [--analyzer <dll>] [build options...]
// dotnet run --project tests/LeakAnalyzers.RealWorld -- --fix-corpus [--analyzers <dir>]   (FixCorpusRun: what bulk Fix All leaves)
//
// Builds <project> (relative to <repo-dir>) of an existing repository with the LeakAnalyzers
// injected through -p:CustomAfterMicrosoftCommonTargets, without editing the repository; prints
// every LEAK diagnostic with its verdict from judged.tsv. --no-incremental so the analyzers run.
if (args.Length > 0 && args[0] == "--fix-corpus")
{
    return FixCorpusRun.Run(args[1..]);
}

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: dotnet run --project tests/LeakAnalyzers.RealWorld -- <repo-dir> <project> [--repository <name>] [--framework <tf>] [--analyzer <dll>] [build options...]");
    return 2;
}

var repoDir = Path.GetFullPath(args[0]);
var project = Path.Combine(repoDir, args[1]);
var rest = args.Skip(2).ToList();
var repository = Path.GetFileName(repoDir.TrimEnd(Path.DirectorySeparatorChar));
var nameIndex = rest.IndexOf("--repository");
if (nameIndex >= 0 && nameIndex + 1 < rest.Count)
{
    repository = rest[nameIndex + 1];
    rest.RemoveRange(nameIndex, 2);
}

// Copied beside this tool by the project reference; never loaded here (it needs the compiler host).
string? framework = null;
var frameworkIndex = rest.IndexOf("--framework");
if (frameworkIndex >= 0 && frameworkIndex + 1 < rest.Count)
{
    framework = rest[frameworkIndex + 1];
    rest.RemoveRange(frameworkIndex, 2);
}

// The analyzer DLL is copied beside this tool by the project reference and never loaded here (it
// needs the compiler host); --analyzer <dll> runs another build of it, to compare versions.
var analyzer = Path.Combine(AppContext.BaseDirectory, "LeakAnalyzers.dll");
var analyzerIndex = rest.IndexOf("--analyzer");
if (analyzerIndex >= 0 && analyzerIndex + 1 < rest.Count)
{
    analyzer = Path.GetFullPath(rest[analyzerIndex + 1]);
    rest.RemoveRange(analyzerIndex, 2);
}
var targets = Path.Combine(Path.GetTempPath(), $"leakanalyzers-realworld-{Environment.ProcessId}.targets");
File.WriteAllText(targets, InjectedTargets.For(analyzer, framework));

var buildArgs = new List<string>
{
    "build", project, "--no-incremental", "-nologo", "-v", "q", "-clp:NoSummary",
    $"-p:CustomAfterMicrosoftCommonTargets={targets}",
    $"-p:CustomAfterMicrosoftCommonCrossTargetingTargets={targets}",
    // The repository's own gates must not stop the build half-way or hide warnings.
    "-p:TreatWarningsAsErrors=false", "-p:CodeAnalysisTreatWarningsAsErrors=false", "-p:MSBuildTreatWarningsAsErrors=false",
};
buildArgs.AddRange(rest);
Console.WriteLine($"Repository: {repository} ({repoDir})");
Console.WriteLine($"Analyzer: {analyzer}");
Console.WriteLine($"Command: dotnet {string.Join(' ', buildArgs.Select(a => a.Contains(' ') ? $"\"{a}\"" : a))}");

var output = new StringBuilder();
// Started outside the repository: the dotnet host then ignores a global.json that pins an SDK this
// machine does not have (the project's own MSBuild SDK resolution still sees it).
var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
foreach (var arg in buildArgs)
{
    start.ArgumentList.Add(arg);
}

start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
using (var process = Process.Start(start)!)
{
    process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    process.WaitForExit();
    Console.WriteLine($"Build exit code: {process.ExitCode}");
    if (process.ExitCode != 0)
    {
        foreach (var line in output.ToString().Split('\n').Where(l => l.Contains(": error ")).Distinct().Take(10))
        {
            Console.WriteLine("  " + line.Trim());
        }
    }
}

File.Delete(targets);

// path(line,col): warning LEAK001: message [project]
var pattern = new Regex(@"^(?<path>.+?)\((?<line>\d+),(?<col>\d+)(,\d+,\d+)?\): warning (?<rule>LEAK\d{3}): (?<message>.*?)( \(https?://[^)]*\))?( \[[^\]]+\])?$");
var found = output.ToString().Split('\n')
    .Select(l => pattern.Match(l.Trim()))
    .Where(m => m.Success)
    .Select(m => new Reported(
        Path.GetRelativePath(repoDir, m.Groups["path"].Value).Replace('\\', '/'),
        int.Parse(m.Groups["line"].Value),
        m.Groups["rule"].Value,
        m.Groups["message"].Value))
    .Distinct()
    .OrderBy(r => r.File, StringComparer.Ordinal).ThenBy(r => r.Line).ThenBy(r => r.Rule)
    .ToList();

// The checked-in list when run from the source tree (dotnet run), else the copy beside the tool.
var checkedIn = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "judged.tsv"));
var judged = Judged.Load(File.Exists(checkedIn) ? checkedIn : Path.Combine(AppContext.BaseDirectory, "judged.tsv"), repository);
var tally = new SortedDictionary<string, (int Tp, int Fp, int Unjudged)>(StringComparer.Ordinal);
Console.WriteLine();
Console.WriteLine($"{found.Count} LEAK diagnostics:");
foreach (var diagnostic in found)
{
    var verdict = judged.FirstOrDefault(j => j.File == diagnostic.File && j.Line == diagnostic.Line && j.Rule == diagnostic.Rule);
    var counts = tally.GetValueOrDefault(diagnostic.Rule);
    string label;
    switch (verdict?.Verdict)
    {
        case "TP":
        case "FN":
            counts.Tp++;
            label = verdict.Verdict == "FN" ? "TP (a leak judged missed before, now reported)" : "TP";
            break;
        case "FP":
            counts.Fp++;
            label = "FP";
            break;
        default:
            counts.Unjudged++;
            label = "UNJUDGED";
            break;
    }

    tally[diagnostic.Rule] = counts;
    Console.WriteLine($"  {diagnostic.Rule} {diagnostic.File}:{diagnostic.Line}  {label}{(verdict is null ? "  " + diagnostic.Message : "  - " + verdict.Reason)}");
}

var missed = judged.Where(j => j.Verdict == "FN" && !found.Any(f => f.File == j.File && f.Line == j.Line && f.Rule == j.Rule)).ToList();
if (missed.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("Real leaks found by reading that are not reported:");
    foreach (var leak in missed)
    {
        Console.WriteLine($"  {leak.Rule} {leak.File}:{leak.Line}  - {leak.Reason}");
    }
}

var stale = judged.Where(j => j.Verdict is "TP" or "FP" && !found.Any(f => f.File == j.File && f.Line == j.Line && f.Rule == j.Rule)).ToList();
if (stale.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("Judged diagnostics no longer reported (another project of the repository, or fixed):");
    foreach (var entry in stale)
    {
        Console.WriteLine($"  {entry.Rule} {entry.File}:{entry.Line}  {entry.Verdict} - {entry.Reason}");
    }
}

Console.WriteLine();
Console.WriteLine("Rule      TP  FP  unjudged  precision");
foreach (var (rule, (tp, fp, unjudged)) in tally)
{
    var precision = tp + fp == 0 ? "-" : ((double)tp / (tp + fp)).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
    Console.WriteLine($"{rule}  {tp,3} {fp,3} {unjudged,9}  {precision}");
}

return found.Any(f => !judged.Any(j => j.File == f.File && j.Line == f.Line && j.Rule == f.Rule && j.Verdict is "TP" or "FP" or "FN")) ? 1 : 0;

internal sealed record Reported(string File, int Line, string Rule, string Message);
