using System.Collections.Immutable;
using System.Reflection;
using LeakAnalyzers.CodeFixes.Disposal;
using LeakAnalyzers.Rules;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LeakAnalyzers.Tests.Verification;

/// <summary>Every analyzer of LeakAnalyzers and every code fix of LeakAnalyzers.CodeFixes, found by reflection so new rules are covered without touching the tests that use them.</summary>
public static class AllComponents
{
    /// <summary>One instance of each analyzer, shared: analyzers are stateless, as the IDE and the build require.</summary>
    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> SharedAnalyzers = new(FindAnalyzers);

    public static ImmutableArray<DiagnosticAnalyzer> Analyzers() => SharedAnalyzers.Value;

    private static ImmutableArray<DiagnosticAnalyzer> FindAnalyzers() =>
        typeof(HttpResponseDisposalAnalyzer).Assembly.GetTypes()
            .Where(type => type is { IsAbstract: false, IsClass: true } &&
                           typeof(DiagnosticAnalyzer).IsAssignableFrom(type) &&
                           type.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(type => type.FullName, StringComparer.Ordinal)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
            .ToImmutableArray();

    public static ImmutableArray<CodeFixProvider> CodeFixes() =>
        typeof(DisposeWithUsingCodeFixProvider).Assembly.GetTypes()
            .Where(type => type is { IsAbstract: false, IsClass: true } && typeof(CodeFixProvider).IsAssignableFrom(type))
            .OrderBy(type => type.FullName, StringComparer.Ordinal)
            .Select(type => (CodeFixProvider)Activator.CreateInstance(type)!)
            .ToImmutableArray();
}
