using LeakAnalyzers.Tests.Infrastructure;
using Xunit;

namespace LeakAnalyzers.Tests.Consumer;

/// <summary>
/// The package as users install it: packed, restored from a feed into a fresh project, its
/// warnings seen by <c>dotnet build</c>, and its code fixes applied by <c>dotnet format</c>.
/// </summary>
[Trait("Category", "Consumer")]
[Collection(ConsumerCollection.Name)]
public sealed class PackageConsumerTests
{
    private const string LeakingProgram = """
        internal static class Program
        {
            private static readonly HttpClient Client = new();

            public static async Task<int> Main(string[] args)
            {
                using var shutdown = new CancellationTokenSource();
                Console.WriteLine(await FetchStatusAsync(new Uri("http://localhost:5000/health"), shutdown.Token));
                return 0;
            }

            private static async Task<string> FetchStatusAsync(Uri uri, CancellationToken cancellationToken)
            {
                var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var response = await Client.GetAsync(uri, timeout.Token);
                return response.StatusCode.ToString();
            }
        }
        """;

    private readonly PackedPackage _package;

    public PackageConsumerTests(PackedPackage package) => _package = package;

    [Fact]
    public async Task Installed_package_reports_LEAK001_and_LEAK008_and_dotnet_format_fixes_them()
    {
        using var project = new ConsumerProject(_package, LeakingProgram);

        var build = await project.BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Contains("warning LEAK001", build.Output);
        Assert.Contains("warning LEAK008", build.Output);

        var strict = await project.BuildAsync("-warnaserror");
        Assert.False(strict.Succeeded, "-warnaserror should turn the leaks into errors:" + Environment.NewLine + strict);
        Assert.Contains("LEAK001", strict.Output);

        var format = await project.FormatAnalyzersAsync("LEAK001", "LEAK008");
        Assert.True(format.Succeeded, format.ToString());
        var program = project.Program;
        Assert.True(
            program.Contains("using var response = await Client.GetAsync", StringComparison.Ordinal) &&
            program.Contains("using var timeout = CancellationTokenSource.CreateLinkedTokenSource", StringComparison.Ordinal),
            $"dotnet format did not add the using declarations. Program.cs:{Environment.NewLine}{program}{Environment.NewLine}{format}");

        var fixedBuild = await project.BuildAsync();
        Assert.True(fixedBuild.Succeeded, fixedBuild.ToString());
        Assert.DoesNotContain("LEAK0", fixedBuild.Output);
    }

    [Fact]
    public async Task Installed_package_fixes_LEAK002_and_LEAK003_with_dotnet_format()
    {
        using var project = new ConsumerProject(_package, """
            using System.Net.Sockets;

            internal static class Program
            {
                public static async Task Main()
                {
                    Console.WriteLine(await CatalogAsync());
                    Console.WriteLine(await IsPortOpenAsync());
                }

                private static async Task<string> CatalogAsync()
                {
                    using var client = new HttpClient();
                    return await client.GetStringAsync("http://localhost:5000/catalog");
                }

                private static async Task<bool> IsPortOpenAsync()
                {
                    var tcp = new TcpClient();
                    await tcp.ConnectAsync("localhost", 5000);
                    return tcp.Connected;
                }
            }
            """);

        var build = await project.BuildAsync();
        Assert.Contains("warning LEAK002", build.Output);
        Assert.Contains("warning LEAK003", build.Output);

        var format = await project.FormatAnalyzersAsync("LEAK002", "LEAK003");
        Assert.True(format.Succeeded, format.ToString());
        var program = project.Program;
        Assert.True(
            program.Contains("private static readonly HttpClient s_httpClient = new(new SocketsHttpHandler", StringComparison.Ordinal) &&
            program.Contains("return await s_httpClient.GetStringAsync(", StringComparison.Ordinal) &&
            program.Contains("using var tcp = new TcpClient();", StringComparison.Ordinal),
            $"dotnet format did not apply the LEAK002/LEAK003 fixes. Program.cs:{Environment.NewLine}{program}{Environment.NewLine}{format}");

        var fixedBuild = await project.BuildAsync();
        Assert.True(fixedBuild.Succeeded, fixedBuild.ToString());
        Assert.DoesNotContain("LEAK0", fixedBuild.Output);
    }

    [Fact]
    public async Task Installed_package_rewrites_an_unbounded_fan_out_with_dotnet_format()
    {
        using var project = new ConsumerProject(_package, """
            internal static class Program
            {
                private static readonly HttpClient Client = new();

                public static async Task Main() => Console.WriteLine(await AggregateAsync(CancellationToken.None));

                private static async Task<int> AggregateAsync(CancellationToken cancellationToken)
                {
                    var pages = await Task.WhenAll(
                        Client.GetStringAsync("http://localhost:5001/a"),
                        Client.GetStringAsync("http://localhost:5002/b"),
                        Client.GetStringAsync("http://localhost:5003/c"));
                    return pages.Sum(page => page.Length);
                }
            }
            """);

        var build = await project.BuildAsync();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Contains("warning LEAK005", build.Output);

        var format = await project.FormatAnalyzersAsync("LEAK005");
        Assert.True(format.Succeeded, format.ToString());
        var program = project.Program;
        Assert.True(
            program.Contains("using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);", StringComparison.Ordinal) &&
            program.Contains("cts.CancelAfter(TimeSpan.FromSeconds(30));", StringComparison.Ordinal) &&
            program.Contains("Client.GetStringAsync(\"http://localhost:5003/c\", cts.Token)", StringComparison.Ordinal),
            $"dotnet format did not apply the linked-token rewrite. Program.cs:{Environment.NewLine}{program}{Environment.NewLine}{format}");

        var fixedBuild = await project.BuildAsync();
        Assert.True(fixedBuild.Succeeded, fixedBuild.ToString());
        Assert.DoesNotContain("LEAK0", fixedBuild.Output);
    }
}
