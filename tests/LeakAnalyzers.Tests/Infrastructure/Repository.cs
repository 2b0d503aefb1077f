namespace LeakAnalyzers.Tests.Infrastructure;

/// <summary>Paths of the repository the tests were built from.</summary>
public static class Repository
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder holding LeakAnalyzers.sln, found by walking up from the test binaries.</summary>
    public static string Root => LazyRoot.Value;

    public static string PathOf(params string[] parts) => Path.Combine(new[] { Root }.Concat(parts).ToArray());

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LeakAnalyzers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above '{AppContext.BaseDirectory}' holds LeakAnalyzers.sln.");
    }
}
