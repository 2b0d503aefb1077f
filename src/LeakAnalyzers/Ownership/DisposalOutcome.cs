using Microsoft.CodeAnalysis;

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

    /// <summary>The only local holding the value is assigned another value while it is still owned (the redirect shape).</summary>
    LostByReassignment,

    /// <summary>The loop iteration that created the value ends while it is still owned (the retry shape).</summary>
    LostAtIterationEnd,
}

/// <summary>
/// The verdict on one created value: its outcome, where a per-value loss happens, and whether
/// the value leaves the method on some other path (then disposing it with <c>using</c> would be wrong).
/// </summary>
internal readonly struct DisposalVerdict
{
    public DisposalVerdict(DisposalOutcome outcome, SyntaxNode? lostAt = null, bool escapesOnSomePath = false, bool previousCanBeDisposed = false)
    {
        Outcome = outcome;
        LostAt = lostAt;
        EscapesOnSomePath = escapesOnSomePath;
        PreviousCanBeDisposed = previousCanBeDisposed;
    }

    public DisposalOutcome Outcome { get; }

    /// <summary>The overwriting assignment (<see cref="DisposalOutcome.LostByReassignment"/>) or the definition reached again (<see cref="DisposalOutcome.LostAtIterationEnd"/>).</summary>
    public SyntaxNode? LostAt { get; }

    /// <summary>The value escapes on some path (typically the last value of a retry loop is returned).</summary>
    public bool EscapesOnSomePath { get; }

    /// <summary>Disposing the value where it is lost (before the overwrite, at the end of the loop body) is right on every path there.</summary>
    public bool PreviousCanBeDisposed { get; }

    public bool IsLeak => Outcome.IsLeak();

    public static implicit operator DisposalVerdict(DisposalOutcome outcome) => new(outcome);
}

internal static class DisposalOutcomeExtensions
{
    public static bool IsLeak(this DisposalOutcome outcome) =>
        outcome is DisposalOutcome.LeaksFromLocal or DisposalOutcome.LeaksDiscarded or DisposalOutcome.LeaksInExpression or
            DisposalOutcome.LostByReassignment or DisposalOutcome.LostAtIterationEnd;
}
