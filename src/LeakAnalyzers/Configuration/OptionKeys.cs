namespace LeakAnalyzers.Configuration;

/// <summary>The <c>.editorconfig</c> keys the rules read (documented in docs/configuration.md).</summary>
internal static class OptionKeys
{
    public const string Prefix = "leak_analyzers.";
    public const string OwnershipTransferMethods = "leak_analyzers.ownership_transfer_methods";
    public const string DisposingMethods = "leak_analyzers.disposing_methods";
    public const string ClientTypes = "leak_analyzers.client_types";
    public const string ClientTypesExclude = "leak_analyzers.client_types_exclude";
    public const string RequestTypes = "leak_analyzers.request_types";
    public const string HttpClientIgnoreTests = "leak_analyzers.LEAK002.ignore_tests";
    public const string DefaultTimeout = "leak_analyzers.default_timeout";
}
