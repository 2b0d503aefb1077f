using LeakAnalyzers.Tests.Infrastructure;
using LeakAnalyzers.Tests.Verification;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace LeakAnalyzers.Tests;

/// <summary>
/// tests/ValidCode is correct code: every analyzer of the LeakAnalyzers assembly (found by
/// reflection, so new rules are covered without touching this test) must report nothing on it.
/// </summary>
public sealed class ValidCodeTests
{
    [Fact]
    public Task No_analyzer_reports_anything_on_valid_code()
    {
        Assert.NotEmpty(AllComponents.Analyzers());

        var folder = Repository.PathOf("tests", "ValidCode");
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(Path.GetRelativePath(folder, path)))
            .OrderBy(path => path, StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);

        return Verify<EmptyDiagnosticAnalyzer>.DiagnosticsAsync(File.ReadAllText(files[0]), test =>
        {
            test.EveryRule = true;

            // Real code, not test markup.
            test.TestState.MarkupHandling = MarkupMode.None;
            test.TestState.Sources.Clear();
            foreach (var file in files)
            {
                test.TestState.Sources.Add(("/0/" + Path.GetRelativePath(folder, file).Replace('\\', '/'), File.ReadAllText(file)));
            }
        });
    }

    private static bool IsBuildOutput(string relativePath)
    {
        var first = relativePath.Split('/', '\\')[0];
        return first is "bin" or "obj";
    }
}
