using System.Text.Json;
using LeakAnalyzers.Tests.Infrastructure;
using Xunit;

namespace LeakAnalyzers.Tests.Samples;

/// <summary>
/// The README's main job in CI form: <c>LeakProof --quick</c> builds the leaking gateway,
/// fixes a copy with the package's own code fixes through <c>dotnet format</c>, drives a bounded
/// loopback load against both and compares resource growth. Only what a loaded machine cannot
/// flip is asserted: every implemented rule is reported on the unfixed gateway, the fixed copy
/// builds with no LEAK warning, and each measured leak's growth after the fix is at most a
/// quarter of its growth before (LeakProof's own checks). The measurements themselves, and
/// which metrics sit above a noise floor, stay in LeakProof's report.
/// </summary>
[Trait("Category", "Samples")]
public sealed class LeakProofTests
{
    /// <summary>Rules whose leak must be measurably smaller after the fix.</summary>
    private static readonly string[] MeasuredRules = { "LEAK001", "LEAK002", "LEAK003", "LEAK004", "LEAK005", "LEAK006", "LEAK007", "LEAK008" };

    /// <summary>A hang guard, not a performance bound: a quick run takes 3-6 minutes on a busy 2-core machine.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(25);

    [Fact]
    public async Task Quick_run_finds_every_implemented_leak_fixes_them_in_bulk_and_the_gap_is_wide()
    {
        using var output = new TempDirectory("leakproof");
        var run = await ProcessRunner.DotNetAsync(
            Repository.Root,
            HangGuard,
            "run", "--project", Repository.PathOf("samples", "LeakProof"), "--", "--quick", "--out", output.Path);
        Assert.True(run.Succeeded, run.ToString());

        using var report = JsonDocument.Parse(File.ReadAllText(output.Combine("leakproof.json")));
        var root = report.RootElement;
        var implemented = root.GetProperty("implementedRules").EnumerateArray().Select(rule => rule.GetString()).ToList();
        Assert.Contains("LEAK001", implemented);
        Assert.Contains("LEAK008", implemented);

        var build = root.GetProperty("build");
        var warningsBefore = build.GetProperty("warningsBefore").EnumerateArray().Select(w => w.GetProperty("Rule").GetString()).ToHashSet();
        Assert.All(implemented, rule => Assert.Contains(rule, warningsBefore));
        Assert.True(build.GetProperty("fixedBuilds").GetBoolean(), run.Output);
        Assert.True(build.GetProperty("warningsAfter").GetArrayLength() == 0, "LEAK warnings left after the bulk fix: " + build.GetProperty("warningsAfter"));

        var checks = root.GetProperty("checks").EnumerateArray().Select(c => (Passed: c.GetProperty("Passed").GetBoolean(), Text: c.GetProperty("Text").GetString()!)).ToList();
        Assert.All(checks, check => Assert.True(check.Passed, check.Text));
        foreach (var rule in MeasuredRules.Where(implemented.Contains))
        {
            Assert.Contains(checks, check => check.Text.StartsWith(rule + " growth after the fix is at most a quarter", StringComparison.Ordinal));
        }
    }
}
