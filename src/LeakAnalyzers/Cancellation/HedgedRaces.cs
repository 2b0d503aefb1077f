using System.Collections.Generic;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Cancellation;

/// <summary>
/// A race against a delay is not always a timeout. In a hedged request the delay decides when to
/// start a second attempt, and the code goes on waiting for the first one:
/// <code>
/// if (await Task.WhenAny(primary, Task.Delay(150)) == primary) return await primary;
/// var hedge = SendAsync(backup);
/// return await await Task.WhenAny(primary, hedge);
/// </code>
/// Nothing is abandoned when the delay wins, so LEAK006 stays quiet: every raced task is a local
/// that the path taken when the delay wins waits on again.
/// </summary>
internal static class HedgedRaces
{
    public static bool WaitsAgainWhenTheDelayWins(IInvocationOperation race, IReadOnlyList<IOperation> work, CancellationTypes types)
    {
        var locals = new List<ILocalSymbol>(work.Count);
        foreach (var task in work)
        {
            if (OperationNavigation.SkipConversions(task) is not ILocalReferenceOperation local)
            {
                return false;
            }

            locals.Add(local.Local);
        }

        if (!TryGetTimeoutPath(race, locals, out var statement, out var timeoutBranch))
        {
            return false;
        }

        if (timeoutBranch is not null && AllWaitedOn(timeoutBranch, locals, types))
        {
            return true;
        }

        // The code after the if is on the delay's path only when the timeout branch can reach it.
        if (timeoutBranch is not null && EndsTheMethod(timeoutBranch) ||
            statement.Parent is not IBlockOperation block)
        {
            return false;
        }

        var index = block.Operations.IndexOf(statement);
        for (var i = index + 1; i < block.Operations.Length; i++)
        {
            if (AllWaitedOn(block.Operations[i], locals, types))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>if (await Task.WhenAny(...) == work)</c> (or <c>!=</c>): the branch taken when the work did not win.</summary>
    private static bool TryGetTimeoutPath(IInvocationOperation race, List<ILocalSymbol> locals, out IConditionalOperation statement, out IOperation? timeoutBranch)
    {
        statement = null!;
        timeoutBranch = null;
        var raced = OperationNavigation.SkipTransparentParents(race);
        if (raced.Parent is not IAwaitOperation awaited ||
            OperationNavigation.SkipTransparentParents(awaited).Parent is not IBinaryOperation comparison ||
            comparison.OperatorKind is not (BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals) ||
            OperationNavigation.SkipTransparentParents(comparison).Parent is not IConditionalOperation { IsRef: false } conditional ||
            conditional.Type is not null)
        {
            return false;
        }

        var other = OperationNavigation.SkipConversions(comparison.LeftOperand) is IAwaitOperation ? comparison.RightOperand : comparison.LeftOperand;
        if (OperationNavigation.SkipConversions(other) is not ILocalReferenceOperation compared || !locals.Contains(compared.Local))
        {
            return false;
        }

        statement = conditional;
        timeoutBranch = comparison.OperatorKind == BinaryOperatorKind.Equals ? conditional.WhenFalse : conditional.WhenTrue;
        return true;
    }

    private static bool EndsTheMethod(IOperation branch)
    {
        var last = branch is IBlockOperation { Operations.Length: > 0 } block ? block.Operations[block.Operations.Length - 1] : branch;
        return last is IReturnOperation or IThrowOperation or IExpressionStatementOperation { Operation: IThrowOperation };
    }

    private static bool AllWaitedOn(IOperation scope, List<ILocalSymbol> locals, CancellationTypes types)
    {
        foreach (var local in locals)
        {
            if (!WaitedOn(scope, local, types))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The local is awaited, blocked on, or raced again in <paramref name="scope"/>.</summary>
    private static bool WaitedOn(IOperation scope, ILocalSymbol local, CancellationTypes types)
    {
        foreach (var operation in scope.Descendants())
        {
            if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            var use = OperationNavigation.SkipTransparentParents(reference);
            switch (use.Parent)
            {
                case IAwaitOperation:
                case IPropertyReferenceOperation { Property.Name: "Result" }:
                case IInvocationOperation { TargetMethod.Name: "Wait" or "GetAwaiter" } waited when waited.Instance == use:
                    return true;
                case { } parent when RacedOrJoinedBy(parent, types):
                    return true;
            }
        }

        return false;
    }

    /// <summary>The element is an argument of <c>WhenAny</c>/<c>WhenAll</c>/<c>WaitAny</c>/<c>WaitAll</c>, directly or in the params array or span.</summary>
    private static bool RacedOrJoinedBy(IOperation parent, CancellationTypes types)
    {
        var current = parent;
        for (var depth = 0; depth < 4 && current is not null; depth++, current = current.Parent)
        {
            switch (current)
            {
                case IInvocationOperation call:
                    return IsWaitOnSeveral(call, types);
                case IArgumentOperation or IArrayInitializerOperation or IArrayCreationOperation or ICollectionExpressionOperation or IConversionOperation:
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }

    private static bool IsWaitOnSeveral(IInvocationOperation call, CancellationTypes types) =>
        call.TargetMethod.IsStatic &&
        (types.IsTaskMethod(call.TargetMethod, "WhenAny") || types.IsTaskMethod(call.TargetMethod, "WhenAll") ||
         types.IsTaskMethod(call.TargetMethod, "WaitAny") || types.IsTaskMethod(call.TargetMethod, "WaitAll"));
}
