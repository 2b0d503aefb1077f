using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>Whether the timeout and its token can move up to where the new source is declared, and keep their clock there.</summary>
internal static class SourcePlacement
{
    /// <summary>
    /// Whether the race sits in a loop that does not also start the work: the loop would wait again
    /// for work the first timeout has already cancelled, where it used to give it more time.
    /// </summary>
    public static bool RepeatsWithoutTheWork(StatementSyntax anchor, StatementSyntax race) =>
        race.Ancestors().TakeWhile(ancestor => ancestor != anchor.Parent).Any(ancestor => ancestor is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax);

    /// <summary>
    /// Where <c>cts.CancelAfter(t)</c> goes: right after the source (<paramref name="anchor"/>), where the
    /// work starts; or, when the code waits between the start of the work and the race, or the timeout
    /// reads a local declared after the work started, where the race started its clock - the named
    /// delay's declaration or the race itself, in the anchor's block. Null when neither can hold it.
    /// </summary>
    public static StatementSyntax? TimeoutStart(StatementSyntax anchor, TimeoutRace race, SemanticModel model, CancellationToken cancellationToken)
    {
        var clockStart = race.RemovedDelay is { } delay && delay.SpanStart > anchor.SpanStart ? delay : race.Statement;
        if (EvaluableBefore(race.Timeout, anchor, model, cancellationToken) && !WaitsBetween(anchor, clockStart))
        {
            return anchor;
        }

        return clockStart.Parent == anchor.Parent && clockStart != anchor && EvaluableBefore(race.Timeout, clockStart, model, cancellationToken) && !WaitsBetween(clockStart, race.Statement)
            ? clockStart
            : null;
    }

    /// <summary>
    /// Whether the code between the source's declaration and the wait itself waits (an <c>await</c>, a
    /// blocking <c>Wait</c>/<c>Result</c>): the timeout, which started at the wait, would then start earlier.
    /// </summary>
    public static bool WaitsBetween(StatementSyntax anchor, StatementSyntax wait)
    {
        if (anchor.Parent is not BlockSyntax block || anchor == wait)
        {
            return false;
        }

        var start = block.Statements.IndexOf(anchor);
        foreach (var statement in block.Statements.Skip(start))
        {
            if (statement.Span.Contains(wait.Span))
            {
                return false;
            }

            // Lambdas and local functions run later (or are awaited by the wait itself).
            if (statement.DescendantNodes(node => node is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).Any(node =>
                    node is AwaitExpressionSyntax ||
                    node is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Wait" or "WaitAny" or "WaitAll" or "Result" or "GetResult" }))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The timeout moves up to the source's declaration: it may only read what already exists there.</summary>
    public static bool EvaluableBefore(ExpressionSyntax timeout, StatementSyntax anchor, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetOperation(timeout, cancellationToken) is not { } operation)
        {
            return false;
        }

        foreach (var reference in operation.DescendantsAndSelf().OfType<ILocalReferenceOperation>())
        {
            var declared = reference.Local.DeclaringSyntaxReferences;
            if (declared.Length == 0 || declared[0].Span.Start >= anchor.SpanStart)
            {
                return false;
            }
        }

        return true;
    }
}
