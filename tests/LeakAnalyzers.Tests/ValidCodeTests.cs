using LeakAnalyzers.Tests.Infrastructure;
using LeakAnalyzers.Tests.Verification;
using Xunit;

namespace LeakAnalyzers.Tests;

/// <summary>
/// tests/ValidCode is correct code: every analyzer of the LeakAnalyzers assembly (found by
/// reflection, so new rules are covered without touching this test) must report nothing on it.
/// </summary>
public sealed class ValidCodeTests
{
    [Fact]
    public async Task No_analyzer_reports_anything_on_valid_code()
    {
        var analyzers = AllComponents.Analyzers().ToArray();
        Assert.NotEmpty(analyzers);

        var folder = Repository.PathOf("tests", "ValidCode");
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(Path.GetRelativePath(folder, path)))
            .OrderBy(path => path, StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);

        var test = new LeakTest(analyzers);
        foreach (var file in files)
        {
            test.WithSource(File.ReadAllText(file), Path.GetRelativePath(folder, file).Replace('\\', '/'));
        }

        await test.VerifyDiagnosticsAsync();
    }

    private static bool IsBuildOutput(string relativePath)
    {
        var first = relativePath.Split('/', '\\')[0];
        return first is "bin" or "obj";
    }
}
