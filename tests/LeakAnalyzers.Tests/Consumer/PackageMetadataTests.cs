using System.IO.Compression;
using System.Xml.Linq;
using LeakAnalyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace LeakAnalyzers.Tests.Consumer;

/// <summary>What a registry page shows: the packed nuspec's metadata, on the same base as the rules' help links.</summary>
[Trait("Category", "Consumer")]
[Collection(ConsumerCollection.Name)]
public sealed class PackageMetadataTests
{
    private readonly PackedPackage _package;

    public PackageMetadataTests(PackedPackage package) => _package = package;

    [Fact]
    public void The_package_is_packed_without_warnings_and_its_nuspec_has_what_a_registry_page_needs()
    {
        Assert.True(_package.Pack.Succeeded, _package.Pack.ToString());
        Assert.DoesNotContain(": warning ", _package.Pack.Output, StringComparison.Ordinal);

        using var archive = ZipFile.OpenRead(Directory.GetFiles(_package.FeedDirectory, "LeakAnalyzers.*.nupkg").Single());
        var nuspec = XDocument.Load(archive.GetEntry("LeakAnalyzers.nuspec")!.Open());
        var ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root!.Element(ns + "metadata")!;
        string Field(string name) => metadata.Element(ns + name)?.Value ?? throw new Xunit.Sdk.XunitException($"the nuspec has no <{name}>:{Environment.NewLine}{nuspec}");

        Assert.Equal("MIT", Field("license"));
        Assert.Equal("expression", metadata.Element(ns + "license")!.Attribute("type")?.Value);
        Assert.Equal("README.md", Field("readme"));
        Assert.NotNull(archive.GetEntry("README.md"));
        Assert.Contains("LEAK001", Field("releaseNotes"));
        Assert.Contains("httpclient", Field("tags").Split(' '));
        Assert.Contains("HTTP responses", Field("description"));
        Assert.Equal("true", Field("developmentDependency"));

        var projectUrl = Field("projectUrl");
        var repository = metadata.Element(ns + "repository")!;
        Assert.Equal(projectUrl, repository.Attribute("url")?.Value);
        Assert.Equal("git", repository.Attribute("type")?.Value);

        // Every help link a warning carries leads into the repository the package declares.
        var helpLinks = typeof(RuleIdentifiers).Assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(type))
            .SelectMany(type => ((DiagnosticAnalyzer)Activator.CreateInstance(type)!).SupportedDiagnostics)
            .Select(descriptor => descriptor.HelpLinkUri)
            .ToList();
        Assert.NotEmpty(helpLinks);
        Assert.All(helpLinks, link => Assert.StartsWith(projectUrl + "/blob/main/docs/rules/", link, StringComparison.Ordinal));
    }
}
