using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace LeakAnalyzers.Tests.Verification;

/// <summary>Entry points of the rule tests, in the shape of the Roslyn SDK's verifiers.</summary>
public static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    /// <summary>Asserts exactly the diagnostics marked with <c>[|...|]</c> / <c>{|ID:...|}</c>; no markup means none.</summary>
    public static Task DiagnosticsAsync(string source, Action<LeakTest<TAnalyzer, EmptyCodeFixProvider>>? configure = null)
    {
        var test = new LeakTest<TAnalyzer, EmptyCodeFixProvider> { TestCode = source };
        configure?.Invoke(test);
        return test.RunAsync();
    }
}

public static class Verify<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    /// <summary>
    /// Diagnostics as marked (every LEAK rule runs), then the fix one diagnostic at a time and Fix All
    /// in document, project and solution scope give <paramref name="fixedSource"/>, whose markup
    /// names exactly the diagnostics left in it.
    /// </summary>
    public static Task CodeFixAsync(string source, string fixedSource, Action<LeakTest<TAnalyzer, TCodeFix>>? configure = null)
    {
        var test = new LeakTest<TAnalyzer, TCodeFix> { TestCode = source, FixedCode = fixedSource };

        // The library ignores markup of fixable diagnostics in fixed code by default; here it states what is left.
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        configure?.Invoke(test);
        return test.RunAsync();
    }
}
