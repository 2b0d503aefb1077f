using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using LeakAnalyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LeakAnalyzers.Benchmarks;

/// <summary>
/// A row of the table: analyzers whose execution times are added up, the rule IDs it is enabled
/// for, and the driver run it is measured in (sets of one run share one CompilationWithAnalyzers).
/// </summary>
internal sealed record AnalyzerSet(string Name, ImmutableArray<DiagnosticAnalyzer> Analyzers, ImmutableArray<string> RuleIds, bool IsLeak, string Run);

/// <summary>The LEAK analyzers (by reflection) and the anchors loaded from their packages.</summary>
internal static class AnalyzerSets
{
    public static ImmutableArray<DiagnosticAnalyzer> LeakAnalyzers() =>
        typeof(HttpResponseDisposalAnalyzer).Assembly.GetTypes()
            .Where(type => type is { IsAbstract: false, IsClass: true } &&
                           typeof(DiagnosticAnalyzer).IsAssignableFrom(type) &&
                           type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
            .OrderBy(analyzer => analyzer.SupportedDiagnostics[0].Id, StringComparer.Ordinal)
            .ToImmutableArray();

    public static ImmutableArray<CodeFixProvider> LeakCodeFixes() =>
        typeof(LeakAnalyzers.CodeFixes.Disposal.DisposeWithUsingCodeFixProvider).Assembly.GetTypes()
            .Where(type => type is { IsAbstract: false, IsClass: true } && typeof(CodeFixProvider).IsAssignableFrom(type))
            .OrderBy(type => type.Name, StringComparer.Ordinal)
            .Select(type => (CodeFixProvider)Activator.CreateInstance(type)!)
            .ToImmutableArray();

    /// <summary>Each LEAK analyzer alone, all of them together, then the anchors; <paramref name="problems"/> gets every anchor that could not be loaded.</summary>
    public static List<AnalyzerSet> Create(List<string> problems)
    {
        var leak = LeakAnalyzers();
        var sets = leak
            .Select(analyzer => new AnalyzerSet(string.Join("/", Ids(analyzer)), ImmutableArray.Create(analyzer), Ids(analyzer), IsLeak: true, Run: "LEAK"))
            .ToList();
        sets.Add(new AnalyzerSet($"All LEAK ({leak.Length} analyzers)", leak, leak.SelectMany(a => Ids(a)).ToImmutableArray(), IsLeak: true, Run: "LEAK"));

        var packages = LoadAnchorPackages(problems);
        if (packages.TryGetValue("IDisposableAnalyzers", out var idisposable))
        {
            sets.Add(new AnalyzerSet($"IDisposableAnalyzers (all {idisposable.SelectMany(a => Ids(a)).Distinct().Count()} rules)", idisposable, idisposable.SelectMany(a => Ids(a)).Distinct().ToImmutableArray(), IsLeak: false, Run: "IDisposableAnalyzers"));
        }

        foreach (var (package, id) in new[] { ("NetAnalyzers", "CA2000"), ("NetAnalyzers", "CA2016"), ("Meziantou", "MA0040"), ("Meziantou", "MA0134"), ("VSThreading", "VSTHRD110") })
        {
            var analyzers = packages.TryGetValue(package, out var all) ? all.Where(a => Ids(a).Contains(id)).ToImmutableArray() : ImmutableArray<DiagnosticAnalyzer>.Empty;
            if (analyzers.IsEmpty)
            {
                problems.Add($"{id}: no analyzer supporting it was loaded from {package}.");
                continue;
            }

            // CA2000 is expensive enough to skew the others it would share caches with: it runs alone.
            sets.Add(new AnalyzerSet(id, analyzers, ImmutableArray.Create(id), IsLeak: false, Run: id == "CA2000" ? id : "cheap anchors"));
        }

        return sets;
    }

    private static ImmutableArray<string> Ids(DiagnosticAnalyzer analyzer) => analyzer.SupportedDiagnostics.Select(d => d.Id).ToImmutableArray();

    private static Dictionary<string, ImmutableArray<DiagnosticAnalyzer>> LoadAnchorPackages(List<string> problems)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "benchmark-anchors.txt"))
            .Select(line => line.Split('|', 2))
            .ToList();
        var loader = new AnalyzerLoader(lines.Select(parts => Path.GetDirectoryName(parts[1])!).Distinct());
        var result = new Dictionary<string, ImmutableArray<DiagnosticAnalyzer>>();
        foreach (var group in lines.GroupBy(parts => parts[0], parts => parts[1]))
        {
            var analyzers = ImmutableArray.CreateBuilder<DiagnosticAnalyzer>();
            foreach (var path in group)
            {
                if (!File.Exists(path))
                {
                    problems.Add($"{group.Key}: {path} is missing.");
                    continue;
                }

                var reference = new AnalyzerFileReference(path, loader);
                reference.AnalyzerLoadFailed += (_, e) => problems.Add($"{group.Key}: {Path.GetFileName(path)}: {e.ErrorCode} {e.TypeName} {e.Message}");
                analyzers.AddRange(reference.GetAnalyzers(LanguageNames.CSharp));
            }

            result[group.Key] = analyzers.ToImmutable();
        }

        return result;
    }

    /// <summary>Loads analyzer DLLs into the default context, resolving their dependencies from the package folders.</summary>
    private sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
    {
        private readonly string[] _directories;

        public AnalyzerLoader(IEnumerable<string> directories)
        {
            _directories = directories.ToArray();
            AssemblyLoadContext.Default.Resolving += (context, name) =>
                _directories.Select(directory => Path.Combine(directory, name.Name + ".dll")).Where(File.Exists).Select(context.LoadFromAssemblyPath).FirstOrDefault();
        }

        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
    }
}
