using System.Diagnostics;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;

namespace LeakAnalyzers.RealWorld;

/// <summary>
/// <c>--fix-corpus</c>: what bulk Fix All leaves on the held-out corpus (FixCorpus/). Copies the corpus to
/// a temporary folder, builds it, runs <c>dotnet format analyzers</c> for LEAK001-LEAK008, rebuilds, and
/// prints per rule what was reported, fixed and left, every diagnostic left with its source line, and every
/// compiler error the fixes added. The corpus itself is never touched; artifacts/fix-corpus/ keeps the
/// output, the sources before and after, and their diff.
/// </summary>
internal static class FixCorpusRun
{
    private static readonly string[] Rules = ["LEAK001", "LEAK002", "LEAK003", "LEAK004", "LEAK005", "LEAK006", "LEAK007", "LEAK008"];

    // path(line,col): warning LEAK001: message [project]  /  path(line,col): error CS0103: message [project]
    private static readonly Regex BuildLine = new(@"^(?<path>.+?\.cs)\((?<line>\d+),\d+(,\d+,\d+)?\): (?<kind>warning|error) (?<id>[A-Z]+\d+): (?<message>.*?)( \[[^\]]+\])?$");

    public static int Run(IReadOnlyList<string> args)
    {
        // The tool's output folder is bin/<configuration>/<framework>/ of the project, which holds FixCorpus/.
        var projectDirectory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", ".."));
        var repositoryRoot = Path.GetFullPath(Path.Combine(projectDirectory, "..", ".."));
        var corpus = Path.Combine(projectDirectory, "FixCorpus");
        var analyzers = AppContext.BaseDirectory;
        var analyzersIndex = args.ToList().IndexOf("--analyzers");
        if (analyzersIndex >= 0 && analyzersIndex + 1 < args.Count)
        {
            // Another build of LeakAnalyzers.dll + LeakAnalyzers.CodeFixes.dll, to compare versions.
            analyzers = Path.GetFullPath(args[analyzersIndex + 1]) + Path.DirectorySeparatorChar;
        }

        var work = Path.Combine(Path.GetTempPath(), $"leakanalyzers-fixcorpus-{Environment.ProcessId}");
        var copy = Path.Combine(work, "FixCorpus");
        CopySources(corpus, copy);
        // Stops MSBuild's search for the repository's Directory.Build.props and points the corpus at the analyzers.
        File.WriteAllText(Path.Combine(work, "Directory.Build.props"), $"""
            <Project>
              <PropertyGroup>
                <LeakAnalyzersDirectory>{SecurityElement.Escape(analyzers)}</LeakAnalyzersDirectory>
              </PropertyGroup>
            </Project>
            """);
        File.Copy(Path.Combine(repositoryRoot, "nuget.config"), Path.Combine(work, "nuget.config"));

        var report = new StringBuilder();
        void Print(string line)
        {
            Console.WriteLine(line);
            report.AppendLine(line);
        }

        var project = Path.Combine(copy, "FixCorpus.csproj");
        Print($"Corpus: {corpus} (copied to {copy})");
        Print($"Analyzers: {analyzers}");
        var before = Build(work, project, copy);
        if (before.Errors.Count > 0)
        {
            Print("The corpus does not compile; nothing measured:");
            before.Errors.ForEach(e => Print($"  {e}"));
            return 2;
        }

        var format = DotNet(work, ["format", "analyzers", project, "--diagnostics", .. Rules, "--severity", "info", "-v", "detailed"]);
        var after = Build(work, project, copy);

        // A diagnostic left is one whose rule, file and source line were reported before; anything else is new (a fix's own output).
        var unmatched = before.Leaks.Select(d => d.Key).ToList();
        var left = new List<Diagnostic>();
        var introduced = new List<Diagnostic>();
        foreach (var diagnostic in after.Leaks)
        {
            if (unmatched.Remove(diagnostic.Key))
            {
                left.Add(diagnostic);
            }
            else
            {
                introduced.Add(diagnostic);
            }
        }

        var newErrors = after.Errors.Except(before.Errors).ToList();
        Print(string.Empty);
        Print($"dotnet format exit code: {format.ExitCode}");
        Print(string.Empty);
        Print("| rule | reported | fixed | left | fixed % |");
        Print("|---|---|---|---|---|");
        foreach (var rule in Rules.Append("all"))
        {
            var reported = before.Leaks.Count(d => rule == "all" || d.Rule == rule);
            var remaining = left.Count(d => rule == "all" || d.Rule == rule);
            var percent = reported == 0 ? "-" : ((reported - remaining) * 100.0 / reported).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%";
            Print($"| {(rule == "all" ? "**all**" : rule)} | {reported} | {reported - remaining} | {remaining} | {percent} |");
        }

        Print(string.Empty);
        Print($"New compiler errors after the fixes: {newErrors.Count}");
        newErrors.ForEach(e => Print($"  {e}"));
        Print($"New LEAK diagnostics after the fixes: {introduced.Count}");
        introduced.ForEach(d => Print($"  {d}"));
        Print(string.Empty);
        Print($"Left ({left.Count}):");
        foreach (var diagnostic in left.OrderBy(d => d.Rule, StringComparer.Ordinal).ThenBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line))
        {
            Print($"  {diagnostic}");
        }

        var artifacts = Path.Combine(repositoryRoot, "artifacts", "fix-corpus");
        if (Directory.Exists(artifacts))
        {
            Directory.Delete(artifacts, recursive: true);
        }

        CopySources(corpus, Path.Combine(artifacts, "before"));
        CopySources(copy, Path.Combine(artifacts, "after"));
        var diff = RunProcess(artifacts, "git", ["diff", "--no-index", "--no-color", "before", "after"]);
        File.WriteAllText(Path.Combine(artifacts, "fixed.diff"), diff.Output);
        File.WriteAllText(Path.Combine(artifacts, "format.log"), format.Output);
        File.WriteAllText(Path.Combine(artifacts, "report.md"), report.ToString());
        Console.WriteLine();
        Console.WriteLine($"Artifacts: {artifacts} (report.md, fixed.diff, format.log, before/, after/)");
        Directory.Delete(work, recursive: true);
        return newErrors.Count == 0 ? 0 : 1;
    }

    private static BuildResult Build(string work, string project, string copy)
    {
        var run = DotNet(work, ["build", project, "--no-incremental", "-nologo", "-v", "q", "-clp:NoSummary"]);
        var lines = run.Output.Split('\n').Select(l => BuildLine.Match(l.Trim())).Where(m => m.Success).ToList();
        var leaks = lines
            .Where(m => m.Groups["kind"].Value == "warning" && m.Groups["id"].Value.StartsWith("LEAK", StringComparison.Ordinal))
            .Select(m => (File: Path.GetRelativePath(copy, m.Groups["path"].Value).Replace('\\', '/'), Line: int.Parse(m.Groups["line"].Value), Rule: m.Groups["id"].Value))
            .Distinct()
            .Select(d => new Diagnostic(d.File, d.Line, d.Rule, SourceLine(copy, d.File, d.Line)))
            .ToList();
        var errors = lines
            .Where(m => m.Groups["kind"].Value == "error")
            .Select(m => $"{Path.GetRelativePath(copy, m.Groups["path"].Value).Replace('\\', '/')}:{m.Groups["line"].Value} {m.Groups["id"].Value}: {m.Groups["message"].Value}")
            .Distinct()
            .ToList();
        return new BuildResult(leaks, errors);
    }

    private static string SourceLine(string root, string file, int line)
    {
        var lines = File.ReadAllLines(Path.Combine(root, file));
        return line >= 1 && line <= lines.Length ? lines[line - 1].Trim() : string.Empty;
    }

    /// <summary>The corpus sources and project, without bin/ and obj/.</summary>
    private static void CopySources(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            var top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top is "bin" or "obj")
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static (int ExitCode, string Output) DotNet(string workingDirectory, IEnumerable<string> arguments) =>
        RunProcess(workingDirectory, "dotnet", arguments);

    private static (int ExitCode, string Output) RunProcess(string workingDirectory, string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var output = new StringBuilder();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    private sealed record BuildResult(List<Diagnostic> Leaks, List<string> Errors);

    private sealed record Diagnostic(string File, int Line, string Rule, string Source)
    {
        public (string, string, string) Key => (Rule, File, Source);

        public override string ToString() => $"{File}:{Line} {Rule}  {Source}";
    }
}
