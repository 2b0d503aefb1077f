using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using LeakAnalyzers.Benchmarks;
using LeakAnalyzers.Corpus;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

// dotnet run -c Release --project tests/LeakAnalyzers.Benchmarks [-- --quick] [--sizes 250,1000,4000] [--runs 5] [--fix-all-size 1000] [--no-fix-all]
//   -- --cold <repo-dir> <project> [--runs 3] [--leak-analyzers label=dll,...]   (see ColdBenchmark)
//   -- --document-latency [--size 1000] [--edits 5]                              (see DocumentLatencyBenchmark)
//   -- --write-corpus <dir> [--size 1000]                                        (the corpus as a project, for --cold)
var report = new StringBuilder();
if (args.Length > 0 && args[0] == "--cold")
{
    var exitCode = ColdBenchmark.Run(args, line => Write(line));
    SaveMarkdown();
    return exitCode;
}

if (args.Length > 1 && args[0] == "--write-corpus")
{
    // A project of the generated corpus on disk, for --cold: dotnet run ... -- --write-corpus /tmp/corpus [--size 1000]
    var size = int.Parse(Option("--size") ?? "1000", CultureInfo.InvariantCulture);
    foreach (var file in ServiceCorpus.Generate(size))
    {
        var path = Path.Combine(args[1], file.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, file.Text);
    }

    File.WriteAllText(Path.Combine(args[1], "Corpus.csproj"), """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>disable</ImplicitUsings>
          </PropertyGroup>
          <ItemGroup>
            <FrameworkReference Include="Microsoft.AspNetCore.App" />
          </ItemGroup>
        </Project>
        """);
    Write($"Wrote {size} corpus files and Corpus.csproj to {args[1]}");
    return 0;
}

if (args.Contains("--document-latency"))
{
    await DocumentLatencyBenchmark.RunAsync(args, line => Write(line));
    SaveMarkdown();
    return 0;
}

var quick = args.Contains("--quick");
var sizes = Option("--sizes")?.Split(',').Select(int.Parse).ToArray() ?? (quick ? new[] { 100, 400 } : new[] { 250, 1000, 4000 });
var runs = int.Parse(Option("--runs") ?? (quick ? "1" : "3"), CultureInfo.InvariantCulture);
var fixAllSize = int.Parse(Option("--fix-all-size") ?? (quick ? "400" : "1000"), CultureInfo.InvariantCulture);

Write($"LeakAnalyzers benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Write($"Machine: {Machine.Describe()}; load average at the start: {Machine.LoadAverage()}");
Write($"Command: dotnet run -c Release --project tests/LeakAnalyzers.Benchmarks -- {string.Join(' ', args)}".TrimEnd(' ', '-'));
Write($"Runs per measurement: {runs} (median); analyzers and compiler measured single-threaded (concurrentAnalysis: false, concurrentBuild: false).");
Write("Each LEAK analyzer is timed inside the run of all LEAK analyzers; CA2016, MA0040, MA0134 and VSTHRD110 share one run; IDisposableAnalyzers and CA2000 run alone.");

var problems = new List<string>();
var sets = AnalyzerSets.Create(problems);
foreach (var problem in problems)
{
    Write($"Anchor unavailable: {problem}");
}

var references = Machine.References();
var enabledIds = sets.SelectMany(set => set.RuleIds).Distinct().ToImmutableDictionary(id => id, _ => ReportDiagnostic.Warn);
var compilationOptions = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: false)
    .WithSpecificDiagnosticOptions(enabledIds);

var runGroups = sets.GroupBy(set => set.Run).Select(group => group.ToList()).ToList();

// Warm-up: JIT the compiler and every analyzer on a small corpus so the first size is not penalized.
var warmUp = Compile(ServiceCorpus.Generate(40));
foreach (var group in runGroups)
{
    await Measure.AnalyzersAsync(warmUp, group);
}

var results = new Dictionary<int, (int Lines, double CompileMs, Dictionary<string, (double Ms, int Diagnostics)> Sets)>();
foreach (var size in sizes)
{
    var files = ServiceCorpus.Generate(size);
    var lines = ServiceCorpus.CountLines(files);
    var compilation = Compile(files);
    var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
    if (errors.Count > 0)
    {
        throw new InvalidOperationException($"The {size}-file corpus has {errors.Count} compiler errors, first: {errors[0]}");
    }

    // Runs go round-robin over the compiler and the driver runs, so a change in machine load hits all of them alike.
    var compileSamples = new List<double>();
    var samples = sets.ToDictionary(set => set.Name, _ => new List<(double Ms, int Diagnostics)>());
    for (var run = 0; run < runs; run++)
    {
        compileSamples.Add(Measure.Compiler(compilation));
        foreach (var group in runGroups)
        {
            foreach (var (name, sample) in await Measure.AnalyzersAsync(compilation, group))
            {
                samples[name].Add(sample);
            }
        }

        Console.Error.WriteLine($"  {size} files: run {run + 1} of {runs} done");
    }

    var compileMs = Median(compileSamples);
    var measured = samples.ToDictionary(pair => pair.Key, pair => (Median(pair.Value.Select(s => s.Ms)), pair.Value[0].Diagnostics));
    results[size] = (lines, compileMs, measured);
    WriteSizeTable(size, lines, compileMs, measured);
}

WriteGrowthTable();

if (!args.Contains("--no-fix-all"))
{
    Write();
    Write($"### Fix All (solution scope) on the {fixAllSize}-file corpus");
    Write();
    Write("| Code fix | Rules | Diagnostics before | After | New compiler errors | Fix All ms (median) |");
    Write("| --- | --- | ---: | ---: | ---: | ---: |");
    foreach (var row in await FixAllBenchmark.RunAsync(ServiceCorpus.Generate(fixAllSize), references, compilationOptions, runs))
    {
        Write($"| {row.Fixer} | {row.Rules} | {row.Before} | {row.After} | {row.NewErrors} | {row.Ms:F0} |");
    }
}

WriteTargets();
Write($"Load average at the end: {Machine.LoadAverage()}");
SaveMarkdown();
return 0;

void SaveMarkdown()
{
    if (Option("--markdown") is { } markdownPath)
    {
        File.WriteAllText(markdownPath, report.ToString());
    }
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

void Write(string line = "")
{
    Console.WriteLine(line);
    report.AppendLine(line);
}

CSharpCompilation Compile(IReadOnlyList<CorpusFile> files)
{
    var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
    var trees = files.Select(file => CSharpSyntaxTree.ParseText(file.Text, parseOptions, "/corpus/" + file.Name, Encoding.UTF8));
    return CSharpCompilation.Create("Corpus", trees, references, compilationOptions);
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.OrderBy(v => v).ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

void WriteSizeTable(int size, int lines, double compileMs, Dictionary<string, (double Ms, int Diagnostics)> measured)
{
    var anchors = sets.Where(s => !s.IsLeak && measured.ContainsKey(s.Name)).ToList();
    Write();
    Write($"### {size} files, {lines:N0} lines; compiler (GetDiagnostics, no analyzers): {compileMs:F0} ms");
    Write();
    Write("| Analyzer | ms | ms / 1k lines | % of compile | " + string.Join(" | ", anchors.Select(a => "× " + Short(a.Name))) + " | Diagnostics |");
    Write("| --- | ---: | ---: | ---: | " + string.Join(" | ", anchors.Select(_ => "---:")) + " | ---: |");
    foreach (var set in sets.Where(s => measured.ContainsKey(s.Name)))
    {
        var (ms, diagnostics) = measured[set.Name];
        var ratios = anchors.Select(a => (ms / Math.Max(measured[a.Name].Ms, 0.01)).ToString("F2", CultureInfo.InvariantCulture));
        var name = set.Name.StartsWith("All LEAK", StringComparison.Ordinal) ? $"**{set.Name}**" : set.Name;
        Write($"| {name} | {ms:F0} | {ms * 1000 / lines:F2} | {ms * 100 / compileMs:F2} | {string.Join(" | ", ratios)} | {diagnostics} |");
    }
}

void WriteGrowthTable()
{
    if (results.Count < 2)
    {
        return;
    }

    var small = results[sizes.Min()];
    var large = results[sizes.Max()];
    var lineFactor = (double)large.Lines / small.Lines;
    Write();
    Write($"### Growth from {sizes.Min()} to {sizes.Max()} files ({lineFactor:F1}× the lines); 1.00 = linear, cost per line unchanged");
    Write();
    Write("| Analyzer | ms small | ms large | × ms | per-line cost large / small |");
    Write("| --- | ---: | ---: | ---: | ---: |");
    Write($"| compiler | {small.CompileMs:F0} | {large.CompileMs:F0} | {large.CompileMs / small.CompileMs:F1} | {large.CompileMs / small.CompileMs / lineFactor:F2} |");
    foreach (var set in sets.Where(s => small.Sets.ContainsKey(s.Name)))
    {
        var (a, b) = (small.Sets[set.Name].Ms, large.Sets[set.Name].Ms);
        Write($"| {set.Name} | {a:F0} | {b:F0} | {b / Math.Max(a, 0.01):F1} | {b / Math.Max(a, 0.01) / lineFactor:F2} |");
    }
}

void WriteTargets()
{
    var largest = results[sizes.Max()];
    var all = largest.Sets.First(s => s.Key.StartsWith("All LEAK", StringComparison.Ordinal)).Value.Ms;
    var share = all * 100 / largest.CompileMs;
    var cheapest = sets.Where(s => s.Name.StartsWith("IDisposableAnalyzers", StringComparison.Ordinal) || s.Name == "CA2000")
        .Where(s => largest.Sets.ContainsKey(s.Name))
        .Select(s => (s.Name, largest.Sets[s.Name].Ms))
        .OrderBy(s => s.Ms)
        .FirstOrDefault();
    Write();
    Write($"### Targets at {sizes.Max()} files");
    Write();
    Write($"- All LEAK analyzers together: {all:F0} ms = {share:F2}% of compile time (target < 5%): {(share < 5 ? "met" : "MISSED")}.");
    Write(cheapest.Name is null
        ? "- No IDisposableAnalyzers/CA2000 anchor was loaded."
        : $"- Cheapest of IDisposableAnalyzers and CA2000: {cheapest.Name} at {cheapest.Ms:F0} ms; all LEAK together at {all / cheapest.Ms:F2}× of it (target < 1): {(all < cheapest.Ms ? "met" : "MISSED")}.");
}

static string Short(string name) => name.Split(' ')[0];

internal static class Measure
{
    /// <summary>Single-threaded compiler cost of binding and checking every method body (no emit).</summary>
    public static double Compiler(CSharpCompilation compilation)
    {
        var fresh = compilation.Clone();
        var stopwatch = Stopwatch.StartNew();
        fresh.GetDiagnostics();
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    /// <summary>
    /// One driver run over the analyzers of <paramref name="group"/>: for each set, the sum of its
    /// analyzers' execution times as the driver measures them, and the count of its diagnostics.
    /// </summary>
    public static async Task<Dictionary<string, (double Ms, int Diagnostics)>> AnalyzersAsync(CSharpCompilation compilation, List<AnalyzerSet> group)
    {
        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            (exception, analyzer, _) => { lock (exceptions) { exceptions.Add($"{analyzer.GetType().Name}: {exception.Message}"); } },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: true,
            reportSuppressedDiagnostics: false);
        var analyzers = group.SelectMany(set => set.Analyzers).Distinct().ToImmutableArray();
        var withAnalyzers = compilation.Clone().WithAnalyzers(analyzers, options);
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        if (exceptions.Count > 0 || diagnostics.Any(d => d.Id == "AD0001"))
        {
            throw new InvalidOperationException($"{group[0].Run} threw: {string.Join("; ", exceptions.Concat(diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage())))}");
        }

        var times = new Dictionary<DiagnosticAnalyzer, TimeSpan>();
        foreach (var analyzer in analyzers)
        {
            times[analyzer] = (await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None)).ExecutionTime;
        }

        return group.ToDictionary(
            set => set.Name,
            set => (set.Analyzers.Sum(a => times[a].TotalMilliseconds), diagnostics.Count(d => set.RuleIds.Contains(d.Id))));
    }
}

internal static class Machine
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, Roslyn {typeof(Compilation).Assembly.GetName().Version}";
    }

    /// <summary>Other processes compete for the cores: their load is part of the result.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The reference assemblies this project compiles against (written at build time, see the csproj).</summary>
    public static ImmutableArray<MetadataReference> References() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "benchmark-references.txt"))
            .Select(line => line.Split('|', 2))
            .Where(parts => parts[0] is "Microsoft.NETCore.App.Ref" or "Microsoft.AspNetCore.App.Ref")
            .Select(parts => (MetadataReference)MetadataReference.CreateFromFile(parts[1]))
            .ToImmutableArray();
}
