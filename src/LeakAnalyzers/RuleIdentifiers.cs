namespace LeakAnalyzers;

/// <summary>Every rule ID of the package, and where its documentation lives.</summary>
public static class RuleIdentifiers
{
    public const string DisposeHttpResponse = "LEAK001";
    public const string ReuseHttpClient = "LEAK002";
    public const string DisposePerRequestClient = "LEAK003";
    public const string FireAndForgetWithoutCancellation = "LEAK004";
    public const string WhenAllWithoutTimeout = "LEAK005";
    public const string TimeoutAbandonsWork = "LEAK006";
    public const string StaticCollectionKeyedByRequest = "LEAK007";
    public const string DisposeCancellationTokenSource = "LEAK008";
    public const string InvalidConfiguration = "LEAK900";

    public const string Category = "Reliability";

    private const string DocumentationRoot = "https://github.com/leakanalyzers/LeakAnalyzers/blob/main/docs/rules/";

    public static string GetHelpUri(string id) => DocumentationRoot + id + ".md";
}
