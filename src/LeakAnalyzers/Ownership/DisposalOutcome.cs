namespace LeakAnalyzers.Ownership;

/// <summary>What happens to a disposable value created in a method.</summary>
internal enum DisposalOutcome
{
    /// <summary>Disposed on every normal path (or handed to something that disposes it).</summary>
    Disposed,

    /// <summary>Ownership leaves the method (returned, stored, passed to an owner), or the flow is not understood.</summary>
    Escapes,

    /// <summary>Held in a local that is not disposed on every normal path.</summary>
    LeaksFromLocal,

    /// <summary>The value is thrown away: an expression statement or a discard assignment.</summary>
    LeaksDiscarded,

    /// <summary>The value is used in a larger expression (member access, argument) and then lost.</summary>
    LeaksInExpression,
}

internal static class DisposalOutcomeExtensions
{
    public static bool IsLeak(this DisposalOutcome outcome) =>
        outcome is DisposalOutcome.LeaksFromLocal or DisposalOutcome.LeaksDiscarded or DisposalOutcome.LeaksInExpression;
}
