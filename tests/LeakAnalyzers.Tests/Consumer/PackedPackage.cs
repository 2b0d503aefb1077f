using LeakAnalyzers.Tests.Infrastructure;
using Xunit;

namespace LeakAnalyzers.Tests.Consumer;

/// <summary>
/// The LeakAnalyzers package packed once for all consumer tests, into a private feed, with a
/// version no NuGet cache can have seen (so no stale copy is ever restored).
/// </summary>
public sealed class PackedPackage : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("leakanalyzers-feed");

    public string Version { get; } = $"0.1.0-consumer.t{Guid.NewGuid():N}";

    public string FeedDirectory => _directory.Combine("feed");

    /// <summary>The <c>dotnet pack</c> run; consumer tests assert it succeeded before anything else.</summary>
    public ProcessResult Pack { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Pack = await ProcessRunner.DotNetAsync(
            Repository.Root,
            "pack",
            Repository.PathOf("src", "LeakAnalyzers.Package", "LeakAnalyzers.Package.csproj"),
            "-c", "Release",
            "-o", FeedDirectory,
            $"-p:Version={Version}",
            // Build outputs go to the temp folder too: the repository's bin/obj stay untouched.
            "--artifacts-path", _directory.Combine("build"));
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class ConsumerCollection : ICollectionFixture<PackedPackage>
{
    public const string Name = "Consumer package";
}
