using System.Text.RegularExpressions;

namespace LeakProof;

internal sealed record LeakWarning(string Rule, string File, int Line, int Column, string Message);

internal sealed record BuildResult(bool Succeeded, IReadOnlyList<LeakWarning> Warnings, string Output, TimeSpan Duration)
{
    public int Count(string rule) => Warnings.Count(w => w.Rule == rule);
}

/// <summary>Builds the samples, copies the gateway and fixes the copy with `dotnet format analyzers`.</summary>
internal static partial class Builds
{
    public static readonly string[] AllRules = ["LEAK001", "LEAK002", "LEAK003", "LEAK004", "LEAK005", "LEAK006", "LEAK007", "LEAK008"];

    // A hang guard, not a performance bound: a build on a loaded 2-core machine can take minutes.
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);

    [GeneratedRegex(@"^(?<file>.+?)\((?<line>\d+),(?<col>\d+)\): warning (?<id>LEAK\d{3}): (?<message>.*?)(?: \[[^\]]*\])?$", RegexOptions.Multiline)]
    private static partial Regex WarningLine();

    /// <summary>The LEAK warnings of a build output, each once (MSBuild repeats them in its summary).</summary>
    public static IReadOnlyList<LeakWarning> ParseWarnings(string output) =>
        WarningLine().Matches(output)
            .Select(m => new LeakWarning(m.Groups["id"].Value, Path.GetFileName(m.Groups["file"].Value.Trim()),
                int.Parse(m.Groups["line"].Value), int.Parse(m.Groups["col"].Value), m.Groups["message"].Value))
            .DistinctBy(w => (w.Rule, w.File, w.Line, w.Column))
            .OrderBy(w => w.Rule).ThenBy(w => w.File).ThenBy(w => w.Line)
            .ToList();

    /// <summary>
    /// Builds a project (and what it references). With <paramref name="forceCompile"/> the
    /// project's own intermediate assembly is deleted first so the compiler (and so every
    /// analyzer) runs even when the build is up to date: an up-to-date build prints no warnings.
    /// </summary>
    public static async Task<BuildResult> BuildAsync(string project, bool forceCompile, string configuration = "Release", IEnumerable<string>? extra = null)
    {
        var started = DateTime.UtcNow;
        var directory = Path.GetDirectoryName(project)!;
        if (forceCompile)
        {
            var intermediate = Path.Combine(directory, "obj", configuration, "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");
            if (File.Exists(intermediate))
            {
                File.Delete(intermediate);
            }
        }

        var (code, output) = await Command.RunAsync("dotnet", ["build", project, "-c", configuration, "-nologo", "-v", "q", .. extra ?? []], directory, BuildTimeout);
        return new BuildResult(code == 0, ParseWarnings(output), output, DateTime.UtcNow - started);
    }

    public static string AssemblyOf(string project) =>
        Path.Combine(Path.GetDirectoryName(project)!, "bin", "Release", "net10.0", Path.GetFileNameWithoutExtension(project) + ".dll");

    /// <summary>
    /// Copies the gateway's sources (no bin/obj) to <paramref name="destination"/>, pointing its
    /// analyzer ProjectReferences back at this repository's src/ and giving it the samples'
    /// build settings.
    /// </summary>
    public static string CopyGateway(string repositoryRoot, string destination)
    {
        var source = Path.Combine(repositoryRoot, "samples", "Gateway");
        var target = Path.Combine(destination, "Gateway");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            var first = relative.Split(Path.DirectorySeparatorChar)[0];
            if (first is "bin" or "obj")
            {
                continue;
            }

            var copy = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy, overwrite: true);
        }

        var projectFile = Path.Combine(target, "Gateway.csproj");
        var text = Regex.Replace(
            File.ReadAllText(projectFile),
            "(<ProjectReference\\s+Include=\")([^\"]+)(\")",
            m => m.Groups[1].Value + Path.GetFullPath(Path.Combine(source, m.Groups[2].Value.Replace('\\', '/'))) + m.Groups[3].Value);
        File.WriteAllText(projectFile, text);

        // The copy gets the same build settings as samples/Gateway (warnings stay warnings).
        File.WriteAllText(Path.Combine(destination, "Directory.Build.props"), $"""
            <Project>
              <Import Project="{Path.Combine(repositoryRoot, "samples", "Directory.Build.props")}" />
            </Project>
            """);
        return projectFile;
    }

    /// <summary>Fix All, in bulk, with the package's own code fixes.</summary>
    public static Task<(int ExitCode, string Output)> FormatAnalyzersAsync(string project) =>
        Command.RunAsync(
            "dotnet",
            ["format", "analyzers", project, "--no-restore", "--diagnostics", .. AllRules, "--severity", "warn", "--verbosity", "minimal"],
            Path.GetDirectoryName(project)!,
            BuildTimeout);

    /// <summary>The rules the analyzer assembly ships today, from its release-tracking files.</summary>
    public static IReadOnlySet<string> ImplementedRules(string repositoryRoot)
    {
        var rules = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" })
        {
            var path = Path.Combine(repositoryRoot, "src", "LeakAnalyzers", name);
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var line in File.ReadLines(path))
            {
                var match = Regex.Match(line, @"^\s*(LEAK00\d)\s*\|");
                if (match.Success)
                {
                    rules.Add(match.Groups[1].Value);
                }
            }
        }

        return rules;
    }
}
