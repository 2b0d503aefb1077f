using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.Ownership;

/// <summary>
/// Which fix suits a disposal leak, passed from the analyzers to the code fixes as a diagnostic
/// property: <c>using</c> is wrong for a value that escapes on another path (it would dispose the
/// returned response) and illegal for a local that is assigned again.
/// </summary>
internal static class DisposalFixHint
{
    public const string Key = "DisposalFix";

    /// <summary>Dispose with a <c>using</c> declaration or statement.</summary>
    public const string Using = "Using";

    /// <summary>Dispose the previous value before the overwrite or at the end of the loop body; the additional location is the overwrite, if any.</summary>
    public const string DisposePrevious = "DisposePrevious";

    /// <summary>No automatic fix keeps the code's meaning.</summary>
    public const string None = "None";

    public static Diagnostic CreateDiagnostic(DiagnosticDescriptor rule, IOperation creation, DisposalVerdict verdict, params object?[] messageArguments)
    {
        var hint = verdict.Outcome switch
        {
            DisposalOutcome.LostByReassignment => verdict.PreviousCanBeDisposed ? DisposePrevious : None,
            DisposalOutcome.LostAtIterationEnd when verdict.EscapesOnSomePath => verdict.PreviousCanBeDisposed ? DisposePrevious : None,

            // r = X; in a loop, r declared outside it (disposed after the loop): a using cannot hold r.
            DisposalOutcome.LostAtIterationEnd when verdict.LostAt is AssignmentExpressionSyntax => verdict.PreviousCanBeDisposed ? DisposePrevious : None,
            _ when verdict.EscapesOnSomePath => None,
            _ => Using,
        };

        var additional = verdict.Outcome == DisposalOutcome.LostByReassignment && verdict.LostAt is { } overwrite
            ? new[] { overwrite.GetLocation() }
            : null;
        return Diagnostic.Create(
            rule,
            creation.Syntax.GetLocation(),
            additional,
            ImmutableDictionary<string, string?>.Empty.Add(Key, hint),
            messageArguments);
    }
}
