using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
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

    public static DisposalOutcome Analyze(
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

    private static DisposalOutcome FollowLocal(
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
                        return DisposalOutcome.Escapes;
                    case ValueUseKind.Disposes:
                        disposals.Add(use.Site!);
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

        if (disposals.Count == 0)
        {
            return DisposalOutcome.LeaksFromLocal;
        }

        var graph = GetGraph(memberGraph, declaringFunction);
        if (graph is null)
        {
            return DisposalOutcome.Disposed;
        }

        return DisposalPaths.DisposedOnEveryPath(graph, definition, disposals, tracked)
            ? DisposalOutcome.Disposed
            : DisposalOutcome.LeaksFromLocal;
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
