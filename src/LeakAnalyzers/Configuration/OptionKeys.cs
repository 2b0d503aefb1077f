namespace LeakAnalyzers.Configuration;

/// <summary>The <c>.editorconfig</c> keys the rules read (documented in docs/configuration.md).</summary>
internal static class OptionKeys
{
    public const string OwnershipTransferMethods = "leak_analyzers.ownership_transfer_methods";
    public const string DisposingMethods = "leak_analyzers.disposing_methods";

    /// <summary>Seconds the LEAK005 fix gives a fan-out before cancelling it (default 30).</summary>
    public const string DefaultTimeout = "leak_analyzers.default_timeout";
}
