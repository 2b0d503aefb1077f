using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LeakAnalyzers.Tests.Verification;

/// <summary>Entry points that read like the Roslyn SDK's verifiers.</summary>
public static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static LeakTest Test(string source) => new LeakTest(new TAnalyzer()).WithSource(source);

    /// <summary>Asserts exactly the diagnostics marked with <c>[|...|]</c> / <c>{|ID:...|}</c>; no markup means none.</summary>
    public static Task DiagnosticsAsync(string source, Action<LeakTest>? configure = null)
    {
        var test = Test(source);
        configure?.Invoke(test);
        return test.VerifyDiagnosticsAsync();
    }
}

public static class Verify<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static LeakTest Test(string source, string fixedSource) =>
        new LeakTest(new TAnalyzer()) { CodeFix = new TCodeFix() }.WithSource(source).WithFixedSource(fixedSource);

    /// <summary>Diagnostics as marked, then the fix one at a time and Fix All in every scope give <paramref name="fixedSource"/>.</summary>
    public static Task CodeFixAsync(string source, string fixedSource, Action<LeakTest>? configure = null)
    {
        var test = Test(source, fixedSource);
        configure?.Invoke(test);
        return test.VerifyCodeFixAsync();
    }
}
