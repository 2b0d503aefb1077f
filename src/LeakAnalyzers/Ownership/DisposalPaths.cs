using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace LeakAnalyzers.Ownership;

/// <summary>
/// "Disposed on every normal path": a breadth-first walk over the control flow graph from the
/// point where the value is stored, which fails when it reaches the exit (or the definition
/// again, i.e. the next loop iteration overwrites the value) without passing a disposal.
/// Exception paths are not followed; a branch leaving through a <c>finally</c> that disposes
/// counts as disposed; the null side of a null test on the tracked local is infeasible for a
/// freshly created object and is not followed either.
/// </summary>
internal static class DisposalPaths
{
    public static bool DisposedOnEveryPath(
        ControlFlowGraph graph,
        SyntaxNode definition,
        IReadOnlyList<SyntaxNode> disposals,
        HashSet<ILocalSymbol> trackedLocals)
    {
        var blocks = graph.Blocks;
        var start = FindDefinition(blocks, definition.Span);
        if (start.Block is null)
        {
            // The graph does not contain the definition (unexpected shape): do not guess a leak.
            return true;
        }

        var disposalIndexByBlock = new int[blocks.Length];
        var lastDisposalIndexByBlock = new int[blocks.Length];
        for (var i = 0; i < blocks.Length; i++)
        {
            disposalIndexByBlock[i] = -1;
            lastDisposalIndexByBlock[i] = -1;
            var block = blocks[i];
            var count = block.Operations.Length + (block.BranchValue is null ? 0 : 1);
            for (var j = 0; j < count; j++)
            {
                var operation = j < block.Operations.Length ? block.Operations[j] : block.BranchValue!;
                if (OverlapsAny(operation.Syntax.Span, disposals))
                {
                    if (disposalIndexByBlock[i] < 0)
                    {
                        disposalIndexByBlock[i] = j;
                    }

                    lastDisposalIndexByBlock[i] = j;
                }
            }
        }

        var startOrdinal = start.Block.Ordinal;
        if (lastDisposalIndexByBlock[startOrdinal] > start.Index)
        {
            return true;
        }

        var visited = new bool[blocks.Length];
        var pending = new Queue<BasicBlock>();
        EnqueueSuccessors(start.Block, pending, visited, graph, disposalIndexByBlock, trackedLocals);
        while (pending.Count > 0)
        {
            var block = pending.Dequeue();
            if (block.Kind == BasicBlockKind.Exit)
            {
                return false;
            }

            if (block.Ordinal == startOrdinal)
            {
                // Back at the definition (a loop): fine only if the old value was disposed first.
                if (disposalIndexByBlock[startOrdinal] >= 0 && disposalIndexByBlock[startOrdinal] < start.Index)
                {
                    continue;
                }

                return false;
            }

            if (disposalIndexByBlock[block.Ordinal] >= 0)
            {
                continue;
            }

            EnqueueSuccessors(block, pending, visited, graph, disposalIndexByBlock, trackedLocals);
        }

        return true;
    }

    private static void EnqueueSuccessors(
        BasicBlock block,
        Queue<BasicBlock> pending,
        bool[] visited,
        ControlFlowGraph graph,
        int[] disposalIndexByBlock,
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
                    if (disposalIndexByBlock[ordinal] >= 0)
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

    private static bool OverlapsAny(TextSpan span, IReadOnlyList<SyntaxNode> disposals)
    {
        foreach (var disposal in disposals)
        {
            if (disposal.Span.Contains(span) || span.Contains(disposal.Span))
            {
                return true;
            }
        }

        return false;
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
