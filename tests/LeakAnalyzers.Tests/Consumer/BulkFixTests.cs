using LeakAnalyzers.Tests.Infrastructure;
using Xunit;

namespace LeakAnalyzers.Tests.Consumer;

/// <summary>
/// The one-time clean-up of a repository: <c>dotnet format analyzers</c> over a solution of two
/// projects (an app referencing a library), every fixable rule at once, and
/// <c>--verify-no-changes</c> as the CI check before and after.
/// </summary>
[Trait("Category", "Consumer")]
[Collection(ConsumerCollection.Name)]
public sealed class BulkFixTests
{
    private static readonly string[] FixableRules = { "LEAK001", "LEAK002", "LEAK003", "LEAK008" };

    private readonly PackedPackage _package;

    public BulkFixTests(PackedPackage package) => _package = package;

    [Fact]
    public async Task Dotnet_format_fixes_every_rule_across_a_multi_project_solution()
    {
        Assert.True(_package.Pack.Succeeded, _package.Pack.ToString());
        using var directory = new TempDirectory("leakanalyzers-solution");
        WriteProject(directory, "Downstream.Client", "Library", reference: null, "DownstreamClient.cs", """
            using System.Net.Sockets;

            namespace Downstream.Client;

            public sealed class DownstreamClient
            {
                public async Task<bool> IsUpAsync(HttpClient client, CancellationToken cancellationToken)
                {
                    var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    linked.CancelAfter(TimeSpan.FromSeconds(2));
                    var response = await client.GetAsync("http://localhost:5001/health", linked.Token);
                    return response.IsSuccessStatusCode;
                }

                public async Task<bool> PingAsync()
                {
                    var tcp = new TcpClient();
                    await tcp.ConnectAsync("localhost", 5001);
                    return tcp.Connected;
                }
            }
            """);
        WriteProject(directory, "Gateway", "Exe", reference: "Downstream.Client", "Program.cs", """
            using Downstream.Client;

            internal static class Program
            {
                public static async Task Main() => Console.WriteLine(await CheckAsync());

                private static async Task<bool> CheckAsync()
                {
                    var client = new HttpClient();
                    var downstream = new DownstreamClient();
                    var up = await downstream.IsUpAsync(client, CancellationToken.None);
                    await client.PostAsync("http://localhost:5001/audit", null);
                    return up;
                }
            }
            """);
        Assert.True((await ProcessRunner.DotNetAsync(directory.Path, "new", "sln", "-n", "Leaky", "--format", "sln")).Succeeded);
        var add = await ProcessRunner.DotNetAsync(directory.Path, "sln", "Leaky.sln", "add", "Downstream.Client/Downstream.Client.csproj", "Gateway/Gateway.csproj");
        Assert.True(add.Succeeded, add.ToString());

        var before = await ProcessRunner.DotNetAsync(directory.Path, "build", "Leaky.sln", "--no-incremental");
        Assert.True(before.Succeeded, before.ToString());
        foreach (var rule in FixableRules)
        {
            Assert.Contains("warning " + rule, before.Output);
        }

        var check = await ProcessRunner.DotNetAsync(directory.Path, FormatArguments("--verify-no-changes"));
        Assert.False(check.Succeeded, "--verify-no-changes should fail while leaks can be fixed:" + Environment.NewLine + check);

        var format = await ProcessRunner.DotNetAsync(directory.Path, FormatArguments());
        Assert.True(format.Succeeded, format.ToString());

        var after = await ProcessRunner.DotNetAsync(directory.Path, "build", "Leaky.sln", "--no-incremental");
        Assert.True(after.Succeeded, after.ToString());
        Assert.DoesNotContain("LEAK0", after.Output);
        var fixedClient = File.ReadAllText(Path.Combine(directory.Path, "Downstream.Client", "DownstreamClient.cs"));
        Assert.Contains("using var linked = CancellationTokenSource.CreateLinkedTokenSource", fixedClient);
        Assert.Contains("using var response = await client.GetAsync", fixedClient);
        Assert.Contains("using var tcp = new TcpClient()", fixedClient);
        var fixedProgram = File.ReadAllText(Path.Combine(directory.Path, "Gateway", "Program.cs"));
        Assert.Contains("s_httpClient", fixedProgram);

        var recheck = await ProcessRunner.DotNetAsync(directory.Path, FormatArguments("--verify-no-changes"));
        Assert.True(recheck.Succeeded, "after the fix, --verify-no-changes should pass:" + Environment.NewLine + recheck);
    }

    private static string[] FormatArguments(params string[] extra) =>
        new[] { "format", "analyzers", "Leaky.sln", "--diagnostics" }.Concat(FixableRules).Concat(new[] { "--severity", "warn" }).Concat(extra).ToArray();

    private void WriteProject(TempDirectory root, string name, string outputType, string? reference, string fileName, string source)
    {
        var directory = Directory.CreateDirectory(Path.Combine(root.Path, name)).FullName;
        var projectReference = reference is null ? string.Empty : $"""<ProjectReference Include="../{reference}/{reference}.csproj" />""";
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>{outputType}</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestorePackagesPath>{root.Combine("packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LeakAnalyzers" Version="{_package.Version}" PrivateAssets="all" />
                {projectReference}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, fileName), source);
        File.WriteAllText(root.Combine("nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="leakanalyzers-under-test" value="{_package.FeedDirectory}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(root.Combine("Directory.Build.props"), "<Project />");
        File.WriteAllText(root.Combine("Directory.Build.targets"), "<Project />");
    }
}
