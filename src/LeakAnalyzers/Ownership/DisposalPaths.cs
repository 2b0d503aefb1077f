using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace LeakAnalyzers.Ownership;

/// <summary>
/// "Disposed on every normal path", per value: a breadth-first walk over the control flow graph
/// from the point where the value is stored, which fails when it reaches the exit, the definition
/// again (the next loop iteration) or an assignment that overwrites the only local holding the
/// value, without passing a disposal or an escape first. Exception paths are not followed; a branch leaving through a <c>finally</c> that disposes
/// counts as disposed; the null side of a null test on the tracked local is infeasible for a
/// freshly created object and is not followed either.
/// </summary>
internal static class DisposalPaths
{
    private enum PathEvent : byte
    {
        None,

        /// <summary>Disposed or handed over here: the path is fine.</summary>
        Handled,

        /// <summary>The only local holding the value is overwritten here.</summary>
        Overwritten,
    }

    /// <summary>
    /// Follows every normal path from the definition of a value held in <paramref name="trackedLocals"/>.
    /// A path is fine when it reaches one of <paramref name="handledAt"/> (disposals and escapes); it
    /// loses the value when it reaches one of <paramref name="overwrites"/>, the definition again (the
    /// next loop iteration), or, when <paramref name="exitLosesValue"/>, the end of the function.
    /// Null when an escape in <paramref name="handledAt"/> cannot be placed in the graph (then the
    /// caller must not guess).
    /// </summary>
    public static DisposalVerdict? Follow(
        ControlFlowGraph graph,
        SyntaxNode definition,
        IReadOnlyList<SyntaxNode> handledAt,
        IReadOnlyList<SyntaxNode> overwrites,
        HashSet<ILocalSymbol> trackedLocals,
        bool exitLosesValue)
    {
        var blocks = graph.Blocks;
        var start = FindDefinition(blocks, definition.Span);
        if (start.Block is null)
        {
            // The graph does not contain the definition (unexpected shape): do not guess a leak.
            return exitLosesValue ? DisposalOutcome.Disposed : DisposalOutcome.Escapes;
        }

        var startOrdinal = start.Block.Ordinal;
        var eventByBlock = new PathEvent[blocks.Length];
        var siteByBlock = new SyntaxNode?[blocks.Length];
        var beforeDefinition = PathEvent.None;
        SyntaxNode? beforeDefinitionSite = null;
        var placed = new bool[handledAt.Count];
        for (var i = 0; i < blocks.Length; i++)
        {
            var block = blocks[i];
            var count = block.Operations.Length + (block.BranchValue is null ? 0 : 1);
            for (var j = 0; j < count; j++)
            {
                var span = (j < block.Operations.Length ? block.Operations[j] : block.BranchValue!).Syntax.Span;
                var handled = MarkOverlapping(span, handledAt, placed);
                var overwrite = handled ? null : FirstOverlapping(span, overwrites);
                var found = handled ? PathEvent.Handled : overwrite is null ? PathEvent.None : PathEvent.Overwritten;
                if (found == PathEvent.None || (i == startOrdinal && j == start.Index))
                {
                    continue;
                }

                if (i == startOrdinal && j < start.Index)
                {
                    if (beforeDefinition == PathEvent.None)
                    {
                        beforeDefinition = found;
                        beforeDefinitionSite = overwrite;
                    }

                    continue;
                }

                if (eventByBlock[i] == PathEvent.None)
                {
                    eventByBlock[i] = found;
                    siteByBlock[i] = overwrite;
                }
            }
        }

        for (var k = 0; k < placed.Length; k++)
        {
            if (!placed[k] && !exitLosesValue)
            {
                // An escape the graph does not show: the value may leave anywhere.
                return null;
            }
        }

        var fine = exitLosesValue ? DisposalOutcome.Disposed : DisposalOutcome.Escapes;
        if (eventByBlock[startOrdinal] != PathEvent.None)
        {
            return eventByBlock[startOrdinal] == PathEvent.Handled
                ? fine
                : new DisposalVerdict(DisposalOutcome.LostByReassignment, siteByBlock[startOrdinal]);
        }

        var visited = new bool[blocks.Length];
        var pending = new Queue<BasicBlock>();
        EnqueueSuccessors(start.Block, pending, visited, eventByBlock, trackedLocals);
        while (pending.Count > 0)
        {
            var block = pending.Dequeue();
            if (block.Kind == BasicBlockKind.Exit)
            {
                if (exitLosesValue)
                {
                    return DisposalOutcome.LeaksFromLocal;
                }

                continue;
            }

            if (block.Ordinal == startOrdinal)
            {
                // Back at the definition (a loop): fine only if the old value was handled first.
                switch (beforeDefinition)
                {
                    case PathEvent.Handled:
                        continue;
                    case PathEvent.Overwritten:
                        return new DisposalVerdict(DisposalOutcome.LostByReassignment, beforeDefinitionSite);
                    default:
                        return new DisposalVerdict(DisposalOutcome.LostAtIterationEnd, definition);
                }
            }

            switch (eventByBlock[block.Ordinal])
            {
                case PathEvent.Handled:
                    continue;
                case PathEvent.Overwritten:
                    return new DisposalVerdict(DisposalOutcome.LostByReassignment, siteByBlock[block.Ordinal]);
            }

            EnqueueSuccessors(block, pending, visited, eventByBlock, trackedLocals);
        }

        return fine;
    }

    private static void EnqueueSuccessors(
        BasicBlock block,
        Queue<BasicBlock> pending,
        bool[] visited,
        PathEvent[] eventByBlock,
        HashSet<ILocalSymbol> trackedLocals)
    {
        ControlFlowBranch? nullPath = null;
        if (block.BranchValue is { } condition && block.ConditionKind != ControlFlowConditionKind.None &&
            NullWhenTrue(condition, trackedLocals) is { } nullWhenTrue)
        {
            var conditionalTakenWhenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
            nullPath = conditionalTakenWhenTrue == nullWhenTrue ? block.ConditionalSuccessor : block.FallThroughSuccessor;
        }

        Visit(block.FallThroughSuccessor);
        Visit(block.ConditionalSuccessor);

        void Visit(ControlFlowBranch? branch)
        {
            if (branch is null || branch == nullPath || branch.Destination is null)
            {
                // No destination: throw, rethrow, end of a finally/catch - not a normal path out.
                return;
            }

            if (branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow or ControlFlowBranchSemantics.Error or ControlFlowBranchSemantics.ProgramTermination)
            {
                return;
            }

            foreach (var finallyRegion in branch.FinallyRegions)
            {
                for (var ordinal = finallyRegion.FirstBlockOrdinal; ordinal <= finallyRegion.LastBlockOrdinal; ordinal++)
                {
                    if (eventByBlock[ordinal] == PathEvent.Handled)
                    {
                        return;
                    }
                }
            }

            var destination = branch.Destination;
            if (!visited[destination.Ordinal])
            {
                visited[destination.Ordinal] = true;
                pending.Enqueue(destination);
            }
        }
    }

    private static (BasicBlock? Block, int Index) FindDefinition(IReadOnlyList<BasicBlock> blocks, TextSpan definitionSpan)
    {
        BasicBlock? best = null;
        var bestIndex = -1;
        var bestLength = int.MaxValue;
        foreach (var block in blocks)
        {
            var count = block.Operations.Length + (block.BranchValue is null ? 0 : 1);
            for (var j = 0; j < count; j++)
            {
                var span = (j < block.Operations.Length ? block.Operations[j] : block.BranchValue!).Syntax.Span;
                if (span.Contains(definitionSpan) && span.Length < bestLength)
                {
                    best = block;
                    bestIndex = j;
                    bestLength = span.Length;
                }
            }
        }

        return (best, bestIndex);
    }

    private static bool Overlaps(TextSpan span, TextSpan site) => site.Contains(span) || span.Contains(site);

    /// <summary>True when <paramref name="span"/> overlaps one of the sites; marks those sites as placed in the graph.</summary>
    private static bool MarkOverlapping(TextSpan span, IReadOnlyList<SyntaxNode> sites, bool[] placed)
    {
        var any = false;
        for (var k = 0; k < sites.Count; k++)
        {
            if (Overlaps(span, sites[k].Span))
            {
                placed[k] = true;
                any = true;
            }
        }

        return any;
    }

    private static SyntaxNode? FirstOverlapping(TextSpan span, IReadOnlyList<SyntaxNode> sites)
    {
        foreach (var site in sites)
        {
            if (Overlaps(span, site.Span))
            {
                return site;
            }
        }

        return null;
    }

    /// <summary>True when the condition holds exactly when a tracked local is null; false for "not null"; null otherwise.</summary>
    private static bool? NullWhenTrue(IOperation condition, HashSet<ILocalSymbol> trackedLocals)
    {
        var polarity = true;
        var current = OperationNavigation.SkipConversions(condition);
        for (var depth = 0; depth < 8 && current is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not; depth++)
        {
            polarity = !polarity;
            current = OperationNavigation.SkipConversions(not.Operand);
        }

        bool? result = current switch
        {
            IIsNullOperation isNull when IsTracked(isNull.Operand, trackedLocals) => true,
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary
                when (IsTracked(binary.LeftOperand, trackedLocals) && IsNullConstant(binary.RightOperand)) ||
                     (IsTracked(binary.RightOperand, trackedLocals) && IsNullConstant(binary.LeftOperand))
                => binary.OperatorKind == BinaryOperatorKind.Equals,
            IIsPatternOperation { Pattern: IConstantPatternOperation constant } isPattern
                when IsTracked(isPattern.Value, trackedLocals) && IsNullConstant(constant.Value) => true,
            IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation negated } } isPattern
                when IsTracked(isPattern.Value, trackedLocals) && IsNullConstant(negated.Value) => false,

            // "x is var tracked" always matches: its false branch is as infeasible as a null branch.
            IIsPatternOperation { Pattern: IDeclarationPatternOperation { MatchesNull: true, DeclaredSymbol: ILocalSymbol declared } }
                when trackedLocals.Contains(declared) => false,
            _ => null,
        };

        return result is null ? null : result == polarity;
    }

    private static bool IsTracked(IOperation operation, HashSet<ILocalSymbol> trackedLocals) =>
        OperationNavigation.SkipConversions(operation) is ILocalReferenceOperation reference && trackedLocals.Contains(reference.Local);

    private static bool IsNullConstant(IOperation operation) =>
        operation.ConstantValue is { HasValue: true, Value: null };

    /// <summary>The graph of the lambda or local function that declares the value, descending from the member's graph.</summary>
    public static ControlFlowGraph? GraphOfFunction(ControlFlowGraph memberGraph, IOperation? function)
    {
        if (function is null)
        {
            return memberGraph;
        }

        var chain = new Stack<IOperation>();
        for (var current = function; current is not null; current = OperationNavigation.EnclosingFunction(current))
        {
            chain.Push(current);
        }

        var graph = memberGraph;
        try
        {
            while (chain.Count > 0)
            {
                var next = chain.Pop();
                if (next is ILocalFunctionOperation localFunction)
                {
                    graph = graph.GetLocalFunctionControlFlowGraphInScope(localFunction.Symbol);
                }
                else if (next is IAnonymousFunctionOperation lambda && FindFlowLambda(graph, lambda.Symbol) is { } flowLambda)
                {
                    graph = graph.GetAnonymousFunctionControlFlowGraphInScope(flowLambda);
                }
                else
                {
                    return null;
                }
            }
        }
        catch (ArgumentException)
        {
            return null;
        }

        return graph;
    }

    private static IFlowAnonymousFunctionOperation? FindFlowLambda(ControlFlowGraph graph, IMethodSymbol symbol)
    {
        foreach (var block in graph.Blocks)
        {
            foreach (var operation in block.Operations)
            {
                if (Find(operation) is { } found)
                {
                    return found;
                }
            }

            if (block.BranchValue is { } branchValue && Find(branchValue) is { } inBranch)
            {
                return inBranch;
            }
        }

        return null;

        IFlowAnonymousFunctionOperation? Find(IOperation root)
        {
            foreach (var descendant in root.DescendantsAndSelf())
            {
                if (descendant is IFlowAnonymousFunctionOperation flow && SymbolEqualityComparer.Default.Equals(flow.Symbol, symbol))
                {
                    return flow;
                }
            }

            return null;
        }
    }
}
