using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using LeakAnalyzers.Ownership;

namespace LeakAnalyzers.Cancellation;

/// <summary>
/// "Not observed" (docs/rules/LEAK004.md): a task discarded (<c>_ =</c>, an expression statement),
/// assigned to a local that is never read afterwards, or passed only to a void-returning
/// <c>*Forget*</c> extension method on <c>Task</c>/<c>ValueTask</c>.
/// </summary>
internal static class UnobservedTasks
{
    /// <summary>The task expression <paramref name="operation"/> leaves unobserved, or null.</summary>
    public static IOperation? Find(IOperation operation, CancellationTypes types)
    {
        switch (operation)
        {
            case IExpressionStatementOperation { Operation: ISimpleAssignmentOperation assignment }:
                return assignment.Target switch
                {
                    IDiscardOperation when IsTaskValue(assignment.Value.Type, types) => assignment.Value,
                    ILocalReferenceOperation local when IsTaskValue(local.Type, types) && !IsReadAfter(local.Local, assignment, types) => assignment.Value,
                    _ => null,
                };
            case IExpressionStatementOperation statement:
                return IsTaskValue(statement.Operation.Type, types) ? statement.Operation : null;
            case IVariableDeclaratorOperation { Initializer: { } initializer } declarator
                when declarator.Symbol is { RefKind: RefKind.None } local && IsTaskValue(local.Type, types) && !IsReadAfter(local, declarator, types):
                return initializer.Value;
            case IInvocationOperation invocation when IsForget(invocation.TargetMethod, types) && invocation.Arguments.Length > 0:
                // A local handed to Forget is judged where it is written (it is not "read" by Forget).
                var task = invocation.Arguments[0].Value;
                return TaskOrigins.Unwrap(task) is ILocalReferenceOperation ? null : task;
            default:
                return null;
        }
    }

    /// <summary><c>Forget()</c>, <c>FireAndForget()</c>, <c>SafeFireAndForget(...)</c>: a void extension method on a task whose name says it drops it.</summary>
    public static bool IsForget(IMethodSymbol method, CancellationTypes types) =>
        method.IsExtensionMethod &&
        method.ReturnsVoid &&
        method.Name.IndexOf("Forget", StringComparison.Ordinal) >= 0 &&
        method.Parameters.Length > 0 &&
        types.IsTaskLike(method.Parameters[0].Type);

    /// <summary>A task, or a task seen through <c>ConfigureAwait(...)</c>.</summary>
    private static bool IsTaskValue(ITypeSymbol? type, CancellationTypes types) =>
        types.IsTaskLike(type) ||
        (type is INamedTypeSymbol { Name: "ConfiguredTaskAwaitable" or "ConfiguredValueTaskAwaitable" } named &&
         named.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices");

    /// <summary>
    /// Whether the local may be read after <paramref name="write"/>: a read later in the text, a read
    /// in a loop around the write, or a read in a lambda or local function (which may run at any time).
    /// Writes and being handed to a <c>*Forget*</c> helper are not reads.
    /// </summary>
    private static bool IsReadAfter(ILocalSymbol local, IOperation write, CancellationTypes types)
    {
        var writeFunction = OperationNavigation.EnclosingFunction(write);
        foreach (var operation in OperationNavigation.Root(write).Descendants())
        {
            if (operation is not ILocalReferenceOperation reference || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            var parent = OperationNavigation.SkipTransparentParents(reference).Parent;
            if ((parent is ISimpleAssignmentOperation assignment && assignment.Target == reference) ||
                (parent is IArgumentOperation { Parent: IInvocationOperation call } && IsForget(call.TargetMethod, types)))
            {
                continue;
            }

            if (OperationNavigation.EnclosingFunction(reference) != writeFunction ||
                reference.Syntax.SpanStart >= write.Syntax.Span.End ||
                InLoopAround(write, reference))
            {
                return true;
            }
        }

        return false;
    }

    private static bool InLoopAround(IOperation write, IOperation read)
    {
        for (var current = write.Parent; current is not null; current = current.Parent)
        {
            if (current is ILoopOperation loop && loop.Syntax.Span.Contains(read.Syntax.Span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>socket.CloseAsync(..., CancellationToken.None); socket.Dispose();</c>: disposing the
    /// receiver right after starting the call ends its pending work, so nothing outlives the caller.
    /// </summary>
    public static bool EndedByDisposingReceiver(IInvocationOperation call)
    {
        if (call.Instance is null || HeldSymbol(call.Instance) is not { } receiver)
        {
            return false;
        }

        IOperation statement = call;
        for (var depth = 0; depth < MaxStatementDepth && statement.Parent is { } parent && parent is not IBlockOperation; depth++)
        {
            statement = parent;
        }

        if (statement.Parent is not IBlockOperation block)
        {
            return false;
        }

        var index = block.Operations.IndexOf(statement);
        return index >= 0 && index + 1 < block.Operations.Length &&
               block.Operations[index + 1] is IExpressionStatementOperation { Operation: IInvocationOperation { Instance: { } disposed } dispose } &&
               (OperationNavigation.IsDisposeMethod(dispose.TargetMethod) || dispose.TargetMethod is { Name: "Abort", Parameters.Length: 0 }) &&
               SymbolEqualityComparer.Default.Equals(HeldSymbol(disposed), receiver);
    }

    private const int MaxStatementDepth = 16;

    private static ISymbol? HeldSymbol(IOperation value) => OperationNavigation.SkipConversions(value) switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => field.Field,
        _ => null,
    };
}
