using System.Collections.Generic;
using System.Collections.Immutable;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Cancellation;

/// <summary>The calls that produced a set of tasks, and whether every task could be traced to one.</summary>
internal readonly struct TaskWork
{
    public TaskWork(ImmutableArray<IInvocationOperation> calls, bool complete)
    {
        Calls = calls;
        Complete = complete;
    }

    /// <summary>The task-producing calls (for <c>Select(async x =&gt; ...)</c>, the calls awaited in the lambda).</summary>
    public ImmutableArray<IInvocationOperation> Calls { get; }

    /// <summary>False when some task came from something the method does not show (a parameter, a field, a helper's result).</summary>
    public bool Complete { get; }
}

/// <summary>
/// Traces tasks back to the calls that produced them within one method (docs/rules/LEAK004.md):
/// through locals (initializers, assignments, <c>list.Add(...)</c>), arrays, lists, collection
/// expressions, spreads and initializers, <c>?:</c> and switch expressions, <c>Task.WhenAll(...)</c>,
/// <c>ToList()</c>/<c>ToArray()</c>, <c>Select(x =&gt; ...)</c> lambdas and LINQ query syntax,
/// <c>ConfigureAwait</c>, <c>AsTask()</c>, <c>ContinueWith</c> and <c>Unwrap()</c>. Iterative and
/// bounded: what is not understood makes the result incomplete, never a guess.
/// </summary>
internal static class TaskOrigins
{
    private const int MaxSteps = 64;
    private const int MaxLocals = 16;

    public static TaskWork Trace(IEnumerable<IOperation> tasks, CancellationTypes types)
    {
        var calls = ImmutableArray.CreateBuilder<IInvocationOperation>();
        var seenCalls = new HashSet<IOperation>();
        var seenLocals = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        var pending = new Stack<IOperation>();
        foreach (var task in tasks)
        {
            pending.Push(task);
        }

        var steps = 0;
        while (pending.Count > 0)
        {
            if (++steps > MaxSteps)
            {
                return new TaskWork(calls.ToImmutable(), complete: false);
            }

            var current = Unwrap(pending.Pop());
            switch (current)
            {
                case IInvocationOperation invocation when IsPassThrough(invocation, types, out var source):
                    pending.Push(source!);
                    break;
                case IInvocationOperation invocation when IsWhenAll(invocation, types):
                    PushElements(invocation.Arguments, pending);
                    break;
                case IInvocationOperation invocation when IsSelect(invocation, types, out var lambda):
                    if (!PushLambdaResults(lambda!, pending))
                    {
                        return new TaskWork(calls.ToImmutable(), complete: false);
                    }

                    break;
                case IInvocationOperation invocation when types.IsTaskLike(invocation.Type):
                    if (seenCalls.Add(invocation))
                    {
                        calls.Add(invocation);
                    }

                    break;
                case IArrayCreationOperation array:
                    // Without an initializer the elements are the writes to them (followed through the local).
                    foreach (var element in array.Initializer?.ElementValues ?? ImmutableArray<IOperation>.Empty)
                    {
                        pending.Push(element);
                    }

                    break;
                case ICollectionExpressionOperation collection:
                    foreach (var element in collection.Elements)
                    {
                        pending.Push(element);
                    }

                    break;
                case ISpreadOperation spread:
                    pending.Push(spread.Operand);
                    break;
                case IObjectCreationOperation creation when OnlyCapacity(creation):
                    if (creation.Initializer is { } collectionInitializer)
                    {
                        foreach (var initializer in collectionInitializer.Initializers)
                        {
                            if (initializer is not IInvocationOperation { Arguments.Length: 1 } add)
                            {
                                return new TaskWork(calls.ToImmutable(), complete: false);
                            }

                            pending.Push(add.Arguments[0].Value);
                        }
                    }

                    break;
                case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                    pending.Push(conditional.WhenTrue);
                    pending.Push(whenFalse);
                    break;
                case ISwitchExpressionOperation switchExpression:
                    foreach (var arm in switchExpression.Arms)
                    {
                        pending.Push(arm.Value);
                    }

                    break;
                case ITranslatedQueryOperation query:
                    // `from s in skus select GetAsync(s)` is the Select call it translates to.
                    pending.Push(query.Operation);
                    break;
                case ILocalReferenceOperation local:
                    if (seenLocals.Add(local.Local) && (seenLocals.Count > MaxLocals || !PushWrites(local, pending, types)))
                    {
                        return new TaskWork(calls.ToImmutable(), complete: false);
                    }

                    break;
                default:
                    return new TaskWork(calls.ToImmutable(), complete: false);
            }
        }

        return new TaskWork(calls.ToImmutable(), complete: true);
    }

    /// <summary>The values of one argument list, spreading array and collection arguments (<c>WhenAll(a, b)</c>, <c>WhenAll(new[] { a, b })</c>).</summary>
    public static IEnumerable<IOperation> Elements(IArgumentOperation argument)
    {
        var value = Unwrap(argument.Value);
        if (value is IArrayCreationOperation { Initializer: { } initializer })
        {
            return initializer.ElementValues;
        }

        if (value is ICollectionExpressionOperation collection)
        {
            return collection.Elements;
        }

        return new[] { argument.Value };
    }

    public static IOperation Unwrap(IOperation operation)
    {
        var current = operation;
        for (var i = 0; i < MaxSteps; i++)
        {
            switch (current)
            {
                case IConversionOperation { OperatorMethod: null } conversion:
                    current = conversion.Operand;
                    continue;
                case IParenthesizedOperation parenthesized:
                    current = parenthesized.Operand;
                    continue;
            }

            break;
        }

        return current;
    }

    /// <summary>Task combinators and LINQ read a collection of tasks; they never add to it.</summary>
    private static bool ReadsOnly(IMethodSymbol method, CancellationTypes types) =>
        SymbolEqualityComparer.Default.Equals(method.ContainingType, types.Task) ||
        SymbolEqualityComparer.Default.Equals(method.ContainingType, types.Enumerable);

    /// <summary><c>new List&lt;Task&gt;()</c> or <c>new List&lt;Task&gt;(capacity)</c>: an empty collection, filled by the writes that follow.</summary>
    private static bool OnlyCapacity(IObjectCreationOperation creation)
    {
        foreach (var argument in creation.Arguments)
        {
            if (argument.Value.Type?.SpecialType != SpecialType.System_Int32)
            {
                return false;
            }
        }

        return true;
    }

    private static void PushElements(ImmutableArray<IArgumentOperation> arguments, Stack<IOperation> pending)
    {
        foreach (var argument in arguments)
        {
            pending.Push(argument.Value);
        }
    }

    public static bool IsWhenAll(IInvocationOperation invocation, CancellationTypes types) =>
        invocation.TargetMethod.IsStatic && types.IsTaskMethod(invocation.TargetMethod, "WhenAll");

    /// <summary>
    /// The same work seen through another value: <c>ToList()</c>, <c>ToArray()</c>, <c>AsEnumerable()</c>
    /// (the same tasks in another container); <c>ConfigureAwait(...)</c>, <c>ValueTask.AsTask()</c>,
    /// <c>ContinueWith(...)</c> (a continuation runs after the work it continues, which is what
    /// started it) and <c>Unwrap()</c> (the task a <c>StartNew(async ...)</c> started).
    /// </summary>
    public static bool IsPassThrough(IInvocationOperation invocation, CancellationTypes types, out IOperation? source)
    {
        source = null;
        var method = invocation.TargetMethod;
        var container = method.ContainingType?.OriginalDefinition;
        switch (method.Name)
        {
            case "ToList" or "ToArray" or "AsEnumerable"
                when invocation.Arguments.Length == 1 && SymbolEqualityComparer.Default.Equals(container, types.Enumerable):
            case "Unwrap"
                when invocation.Arguments.Length == 1 && SymbolEqualityComparer.Default.Equals(container, types.TaskExtensions):
                source = invocation.Arguments[0].Value;
                break;
            case "ConfigureAwait" or "AsTask" or "ContinueWith" when !method.IsStatic && types.IsTaskLike(container):
                source = invocation.Instance;
                break;
        }

        return source is not null;
    }

    private static bool IsSelect(IInvocationOperation invocation, CancellationTypes types, out IAnonymousFunctionOperation? lambda)
    {
        lambda = null;
        if (invocation.TargetMethod.Name == "Select" &&
            invocation.Arguments.Length == 2 &&
            SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, types.Enumerable) &&
            Unwrap(invocation.Arguments[1].Value) is IDelegateCreationOperation { Target: IAnonymousFunctionOperation function })
        {
            lambda = function;
        }

        return lambda is not null;
    }

    /// <summary>
    /// For an async lambda the work is what it awaits; for any other lambda it is what it returns.
    /// False when the lambda shows neither.
    /// </summary>
    private static bool PushLambdaResults(IAnonymousFunctionOperation lambda, Stack<IOperation> pending)
    {
        var found = false;
        foreach (var operation in FunctionBody(lambda.Body))
        {
            if (lambda.Symbol.IsAsync && operation is IAwaitOperation awaitOperation)
            {
                pending.Push(awaitOperation.Operation);
                found = true;
            }
            else if (!lambda.Symbol.IsAsync && operation is IReturnOperation { ReturnedValue: { } returned })
            {
                pending.Push(returned);
                found = true;
            }
        }

        return found;
    }

    /// <summary>The operations of a function body, without those of nested lambdas and local functions.</summary>
    public static IEnumerable<IOperation> FunctionBody(IOperation body)
    {
        var stack = new Stack<IOperation>();
        stack.Push(body);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            foreach (var child in current.ChildOperations)
            {
                if (child is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
                {
                    stack.Push(child);
                }
            }
        }
    }

    /// <summary>Pushes every value written to the local in its method; false when one of the writes is not understood.</summary>
    private static bool PushWrites(ILocalReferenceOperation reference, Stack<IOperation> pending, CancellationTypes types)
    {
        var local = reference.Local;
        var found = false;
        foreach (var operation in OperationNavigation.Root(reference).Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                    if (declarator.Initializer is { } initializer)
                    {
                        pending.Push(initializer.Value);
                        found = true;
                    }

                    break;
                case ILocalReferenceOperation other when SymbolEqualityComparer.Default.Equals(other.Local, local):
                    switch (OperationNavigation.SkipTransparentParents(other).Parent)
                    {
                        case ISimpleAssignmentOperation assignment when assignment.Target == other:
                            pending.Push(assignment.Value);
                            found = true;
                            break;
                        case IInvocationOperation { TargetMethod.Name: "Add", Arguments.Length: 1 } add when add.Instance == other:
                            pending.Push(add.Arguments[0].Value);
                            break;
                        case IArrayElementReferenceOperation element when element.ArrayReference == other &&
                                                                          element.Parent is ISimpleAssignmentOperation elementAssignment &&
                                                                          elementAssignment.Target == element:
                            pending.Push(elementAssignment.Value);
                            break;
                        case IArgumentOperation { Parent: IInvocationOperation call } when !types.IsTaskLike(local.Type) && !ReadsOnly(call.TargetMethod, types):
                            // A collection handed to another method may be filled there.
                            return false;
                        case IArgumentOperation { Parameter.RefKind: not RefKind.None and not RefKind.In }:
                        case ICompoundAssignmentOperation or ICoalesceAssignmentOperation:
                        case IInvocationOperation { TargetMethod.Name: "AddRange" or "Insert" or "Push" or "Enqueue" }:
                            return false;
                    }

                    break;
            }
        }

        return found;
    }
}
