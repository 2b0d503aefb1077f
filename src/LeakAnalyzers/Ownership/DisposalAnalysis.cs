using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Ownership;

/// <summary>
/// The disposal/ownership engine shared by LEAK001/002/003/008: "is the value created here
/// disposed on every path, or does ownership leave this method?" (the model is documented in
/// docs/ownership.md).
/// </summary>
internal static class DisposalAnalysis
{
    /// <summary>Locals that copy the tracked value (<c>var b = a;</c>) followed at most; more means "not understood".</summary>
    private const int MaxAliases = 8;

    public static DisposalVerdict Analyze(
        IOperation creation,
        OwnershipContext context,
        Func<ControlFlowGraph?> memberGraph)
    {
        var value = ProducedValue(creation, context.Types);
        if (value is null)
        {
            // An un-awaited task: its result flows somewhere this method-level analysis does not follow.
            return DisposalOutcome.Escapes;
        }

        var policy = context.GetPolicy(creation.Syntax.SyntaxTree);
        var use = ValueUse.Classify(value, context, policy, depth: 0);
        return use.Kind switch
        {
            ValueUseKind.Disposes => DisposalOutcome.Disposed,
            ValueUseKind.Escapes => DisposalOutcome.Escapes,
            ValueUseKind.Discarded => DisposalOutcome.LeaksDiscarded,
            ValueUseKind.Read => DisposalOutcome.LeaksInExpression,
            _ => FollowLocal(use.Local!, use.Site!, value, context, policy, memberGraph),
        };
    }

    /// <summary>
    /// The operation whose value is the disposable object: the creation itself, or for
    /// Task-returning calls the <c>await</c> (also through <c>ConfigureAwait</c>), <c>.Result</c>
    /// or <c>GetAwaiter().GetResult()</c> that unwraps it. Null when the task is not unwrapped.
    /// </summary>
    public static IOperation? ProducedValue(IOperation creation, WellKnownTypes types)
    {
        if (SymbolEqualityComparer.Default.Equals(types.UnwrapTask(creation.Type), creation.Type))
        {
            return creation;
        }

        var current = OperationNavigation.SkipTransparentParents(creation);
        if (current.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configureAwait && configureAwait.Instance == current)
        {
            current = OperationNavigation.SkipTransparentParents(configureAwait);
        }

        switch (current.Parent)
        {
            case IAwaitOperation awaitOperation:
                return awaitOperation;
            case IPropertyReferenceOperation { Property.Name: "Result" } result:
                return result;
            case IInvocationOperation { TargetMethod.Name: "GetAwaiter" } getAwaiter
                when OperationNavigation.SkipTransparentParents(getAwaiter).Parent is IInvocationOperation { TargetMethod.Name: "GetResult" } getResult:
                return getResult;
            default:
                return null;
        }
    }

    private static DisposalVerdict FollowLocal(
        ILocalSymbol local,
        SyntaxNode definition,
        IOperation value,
        OwnershipContext context,
        in OwnershipPolicy policy,
        Func<ControlFlowGraph?> memberGraph)
    {
        var declaringFunction = OperationNavigation.EnclosingFunction(value);
        var references = new List<ILocalReferenceOperation>();
        foreach (var operation in OperationNavigation.Root(value).Descendants())
        {
            if (operation is ILocalReferenceOperation reference)
            {
                references.Add(reference);
            }
        }

        var tracked = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default) { local };
        var pendingLocals = new Stack<ILocalSymbol>();
        pendingLocals.Push(local);
        var disposals = new List<SyntaxNode>();
        var escapes = new List<SyntaxNode>();
        var reassignedSameValue = new HashSet<SyntaxNode>();
        while (pendingLocals.Count > 0)
        {
            var current = pendingLocals.Pop();
            foreach (var reference in references)
            {
                if (!SymbolEqualityComparer.Default.Equals(reference.Local, current))
                {
                    continue;
                }

                var use = ValueUse.Classify(reference, context, policy, depth: 0);
                if (OperationNavigation.CapturingFunction(reference, declaringFunction) is { } capturingFunction)
                {
                    // Inside a lambda or local function the order of execution is unknown: reading is
                    // harmless, but anything else (dispose, store, return) hands the value over, and so
                    // does a lambda that is stored or returned rather than passed to a call.
                    if (use.Kind != ValueUseKind.Read || IsStoredOrReturned(capturingFunction))
                    {
                        return DisposalOutcome.Escapes;
                    }

                    continue;
                }

                switch (use.Kind)
                {
                    case ValueUseKind.Escapes:
                        escapes.Add(reference.Syntax);
                        break;
                    case ValueUseKind.Disposes:
                        disposals.Add(use.Site!);
                        break;
                    case ValueUseKind.AssignedToLocal when tracked.Contains(use.Local!):
                        // r = r.EnsureSuccessStatusCode(): the same value, not an overwrite.
                        reassignedSameValue.Add(use.Site!);
                        break;
                    case ValueUseKind.AssignedToLocal when tracked.Add(use.Local!):
                        if (tracked.Count > MaxAliases)
                        {
                            return DisposalOutcome.Escapes;
                        }

                        pendingLocals.Push(use.Local!);
                        break;
                }
            }
        }

        // Per value, not per variable: a value can be lost before a later value of the same
        // local escapes - by an overwrite, or by its loop iteration ending. Judged only for a
        // value held in one local (a copy keeps it alive past an overwrite).
        var overwrites = tracked.Count == 1 ? Overwrites(local, definition, references, declaringFunction, reassignedSameValue) : new List<SyntaxNode>();
        var perValue = tracked.Count == 1 && (overwrites.Count > 0 || IsInLoop(value, declaringFunction));
        if (escapes.Count > 0 && !perValue)
        {
            return DisposalOutcome.Escapes;
        }

        if (disposals.Count == 0 && escapes.Count == 0 && overwrites.Count == 0)
        {
            return DisposalOutcome.LeaksFromLocal;
        }

        var graph = GetGraph(memberGraph, declaringFunction);
        if (graph is null)
        {
            return escapes.Count > 0 ? DisposalOutcome.Escapes : disposals.Count > 0 ? DisposalOutcome.Disposed : DisposalOutcome.LeaksFromLocal;
        }

        var handledAt = disposals;
        handledAt.AddRange(escapes);
        var verdict = DisposalPaths.Follow(graph, definition, handledAt, overwrites, tracked, exitLosesValue: escapes.Count == 0);
        if (verdict is not { } found)
        {
            return DisposalOutcome.Escapes;
        }

        if (!found.IsLeak)
        {
            return found;
        }

        return new DisposalVerdict(
            found.Outcome,
            found.LostAt,
            escapesOnSomePath: escapes.Count > 0,
            previousCanBeDisposed: PreviousCanBeDisposed(found, definition, handledAt));
    }

    /// <summary>
    /// Whether disposing the lost value right where it is lost (before the overwrite, at the end of
    /// the loop body) is right on every path that gets there: no disposal or escape of the value can
    /// come first. Judged on the syntax, conservatively; the code fix checks the loop's shape.
    /// </summary>
    private static bool PreviousCanBeDisposed(DisposalVerdict verdict, SyntaxNode definition, List<SyntaxNode> handledAt)
    {
        if (verdict.LostAt is not { } lostAt)
        {
            return false;
        }

        if (verdict.Outcome == DisposalOutcome.LostByReassignment)
        {
            foreach (var site in handledAt)
            {
                if (site.SpanStart > definition.SpanStart && site.SpanStart < lostAt.SpanStart)
                {
                    return false;
                }
            }

            // A loop around the overwrite but not around the definition comes back to the overwrite
            // with a later value: fine only if nothing in that loop hands a value over.
            foreach (var loop in EnclosingLoops(lostAt))
            {
                if (!loop.Span.Contains(definition.Span) && AnyWithin(loop, handledAt))
                {
                    return false;
                }
            }

            return true;
        }

        // The end of the loop body: every hand-over inside the loop must leave the loop with the value.
        var innermost = FirstOrNull(EnclosingLoops(definition));
        if (innermost is null)
        {
            return false;
        }

        foreach (var site in handledAt)
        {
            if (innermost.Span.Contains(site.Span) && !IsReturned(site, innermost))
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<SyntaxNode> EnclosingLoops(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            if (ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax)
            {
                yield break;
            }

            if (ancestor is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax)
            {
                yield return ancestor;
            }
        }
    }

    private static SyntaxNode? FirstOrNull(IEnumerable<SyntaxNode> nodes)
    {
        foreach (var node in nodes)
        {
            return node;
        }

        return null;
    }

    private static bool AnyWithin(SyntaxNode container, List<SyntaxNode> sites)
    {
        foreach (var site in sites)
        {
            if (container.Span.Contains(site.Span))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsReturned(SyntaxNode site, SyntaxNode loop)
    {
        for (var current = site.Parent; current is not null && current != loop; current = current.Parent)
        {
            if (current is ReturnStatementSyntax)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Assignments of another value to <paramref name="local"/> in the declaring function (not the
    /// definition itself, and not <c>r = r.EnsureSuccessStatusCode()</c>, which keeps the value).
    /// </summary>
    private static List<SyntaxNode> Overwrites(
        ILocalSymbol local,
        SyntaxNode definition,
        List<ILocalReferenceOperation> references,
        IOperation? declaringFunction,
        HashSet<SyntaxNode> reassignedSameValue)
    {
        var overwrites = new List<SyntaxNode>();
        foreach (var reference in references)
        {
            if (SymbolEqualityComparer.Default.Equals(reference.Local, local) &&
                reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference &&
                assignment.Syntax != definition &&
                OperationNavigation.CapturingFunction(reference, declaringFunction) is null &&
                !reassignedSameValue.Contains(assignment.Syntax))
            {
                overwrites.Add(assignment.Syntax);
            }
        }

        return overwrites;
    }

    /// <summary>Whether the value is created inside a loop of its own function (each iteration creates a new one).</summary>
    private static bool IsInLoop(IOperation value, IOperation? declaringFunction)
    {
        for (var current = value.Parent; current is not null && current != declaringFunction; current = current.Parent)
        {
            if (current is ILoopOperation)
            {
                return true;
            }
        }

        return false;
    }

    private static ControlFlowGraph? GetGraph(Func<ControlFlowGraph?> memberGraph, IOperation? declaringFunction)
    {
        try
        {
            var graph = memberGraph();
            return graph is null ? null : DisposalPaths.GraphOfFunction(graph, declaringFunction);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Graphs cannot be built for some erroneous code; without one, trust the disposal we saw.
            return null;
        }
    }

    private static bool IsStoredOrReturned(IOperation function)
    {
        if (function is ILocalFunctionOperation)
        {
            return false;
        }

        var current = function;
        for (var step = 0; step < 8 && current.Parent is IDelegateCreationOperation or IConversionOperation or IParenthesizedOperation; step++)
        {
            current = current.Parent;
        }

        return current.Parent is not IArgumentOperation;
    }
}
