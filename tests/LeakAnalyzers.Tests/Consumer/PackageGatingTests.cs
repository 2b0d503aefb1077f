using System.Text.Json;
using LeakAnalyzers.Tests.Infrastructure;
using Xunit;

namespace LeakAnalyzers.Tests.Consumer;

/// <summary>The CI side of the package: the gating switch, SARIF logs, other target frameworks.</summary>
[Trait("Category", "Consumer")]
[Collection(ConsumerCollection.Name)]
public sealed class PackageGatingTests
{
    private const string LeakingProgram = """
        internal static class Program
        {
            private static readonly HttpClient Client = new();

            public static async Task Main()
            {
                await Client.PostAsync("http://localhost:5000/", null);
            }
        }
        """;

    private readonly PackedPackage _package;

    public PackageGatingTests(PackedPackage package) => _package = package;

    [Fact]
    public async Task The_package_switch_turns_leaks_into_errors_and_sarif_carries_rule_metadata()
    {
        using var project = new ConsumerProject(_package, LeakingProgram);

        var gated = await project.BuildAsync("-p:LeakAnalyzersTreatWarningsAsErrors=true");
        Assert.False(gated.Succeeded, "LeakAnalyzersTreatWarningsAsErrors=true should fail the build:" + Environment.NewLine + gated);
        Assert.Contains("error LEAK001", gated.Output);

        var logged = await project.BuildAsync("-p:ErrorLog=leaks.sarif%2Cversion=2.1");
        Assert.True(logged.Succeeded, logged.ToString());
        using var sarif = JsonDocument.Parse(File.ReadAllText(Path.Combine(project.Directory, "leaks.sarif")));
        var run = sarif.RootElement.GetProperty("runs")[0];
        Assert.Contains(run.GetProperty("results").EnumerateArray(), result => result.GetProperty("ruleId").GetString() == "LEAK001");
        var rule = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray()
            .Single(r => r.GetProperty("id").GetString() == "LEAK001");
        Assert.EndsWith("docs/rules/LEAK001.md", rule.GetProperty("helpUri").GetString());
        Assert.Contains("connection", rule.GetProperty("fullDescription").GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_gate_fails_on_an_up_to_date_tree_and_LEAK900_points_at_the_setting_line()
    {
        using var project = new ConsumerProject(_package, LeakingProgram);
        File.WriteAllText(Path.Combine(project.Directory, ".editorconfig"), "root = true\n\n[*.cs]\nleak_analyzers.default_timeout = soon\n");

        var normal = await project.BuildIncrementalAsync();
        Assert.True(normal.Succeeded, normal.ToString());
        Assert.Contains("warning LEAK001", normal.Output);
        Assert.Contains(".editorconfig(4,34): warning LEAK900: 'leak_analyzers.default_timeout = soon': 'soon' ignored", normal.Output);

        // Up to date: the compiler does not run, so nothing is reported...
        var upToDate = await project.BuildIncrementalAsync();
        Assert.True(upToDate.Succeeded, upToDate.ToString());
        Assert.DoesNotContain("LEAK001", upToDate.Output);

        // ...but turning the gate on recompiles (the switch is a compile input), and it keeps failing.
        for (var run = 0; run < 2; run++)
        {
            var gated = await project.BuildIncrementalAsync("-p:LeakAnalyzersTreatWarningsAsErrors=true");
            Assert.False(gated.Succeeded, "the gate passed on an up-to-date tree:" + Environment.NewLine + gated);
            Assert.Contains("error LEAK001", gated.Output);
        }

        // The same switch in the build files, as the README shows it.
        var off = await project.BuildIncrementalAsync();
        Assert.True(off.Succeeded, off.ToString());
        File.WriteAllText(Path.Combine(project.Directory, "Directory.Build.props"), """
            <Project>
              <PropertyGroup>
                <LeakAnalyzersTreatWarningsAsErrors>true</LeakAnalyzersTreatWarningsAsErrors>
              </PropertyGroup>
            </Project>
            """);
        var fromProps = await project.BuildIncrementalAsync();
        Assert.False(fromProps.Succeeded, "the gate in Directory.Build.props passed:" + Environment.NewLine + fromProps);
        Assert.Contains("error LEAK001", fromProps.Output);
    }

    [Theory]
    [InlineData("net8.0")]
    [InlineData("netstandard2.0")]
    public async Task Installs_into_other_target_frameworks_and_fixes_in_their_language_version(string targetFramework)
    {
        using var project = new ConsumerProject(_package, """
            using System.Net.Http;
            using System.Threading.Tasks;

            public static class StatusProbe
            {
                public static async Task<int> ProbeAsync(HttpClient client)
                {
                    var response = await client.GetAsync("http://localhost:5000/health");
                    return (int)response.StatusCode;
                }

                public static Task<string> CatalogAsync() => new HttpClient().GetStringAsync("http://localhost:5000/catalog");
            }
            """, targetFramework);

        var build = await project.BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Contains("warning LEAK001", build.Output);

        Assert.Contains("warning LEAK002", build.Output);

        var format = await project.FormatAnalyzersAsync("LEAK001", "LEAK002");
        Assert.True(format.Succeeded, format.ToString());

        // netstandard2.0 projects default to C# 7.3 (no using declarations, no target-typed new)
        // and have no SocketsHttpHandler.
        var (usingForm, sharedClient) = targetFramework == "netstandard2.0"
            ? ("using (var response = await client.GetAsync(", "private static readonly HttpClient s_httpClient = new HttpClient();")
            : ("using var response = await client.GetAsync(", "private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler");
        Assert.True(project.Program.Contains(usingForm, StringComparison.Ordinal), project.Program + Environment.NewLine + format);
        Assert.True(project.Program.Contains(sharedClient, StringComparison.Ordinal), project.Program + Environment.NewLine + format);
        var fixedBuild = await project.BuildAsync();
        Assert.True(fixedBuild.Succeeded, fixedBuild.ToString());
        Assert.DoesNotContain("LEAK0", fixedBuild.Output);
    }
}
