using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Ownership;

/// <summary>Small, allocation-free helpers for walking the IOperation tree.</summary>
internal static class OperationNavigation
{
    /// <summary>Upper bound on any upward walk, so malformed trees can never loop forever.</summary>
    private const int MaxParentWalk = 64;

    /// <summary>Climbs through conversions and parentheses, which do not change the object.</summary>
    public static IOperation SkipTransparentParents(IOperation operation)
    {
        var current = operation;
        for (var i = 0; i < MaxParentWalk; i++)
        {
            if (current.Parent is IConversionOperation { OperatorMethod: null } or IParenthesizedOperation)
            {
                current = current.Parent;
                continue;
            }

            break;
        }

        return current;
    }

    public static IOperation SkipConversions(IOperation operation)
    {
        var current = operation;
        for (var i = 0; i < MaxParentWalk && current is IConversionOperation { OperatorMethod: null } conversion; i++)
        {
            current = conversion.Operand;
        }

        return current;
    }

    public static IOperation Root(IOperation operation)
    {
        var current = operation;
        while (current.Parent is not null)
        {
            current = current.Parent;
        }

        return current;
    }

    /// <summary>The innermost lambda or local function containing the operation, or null for the member body.</summary>
    public static IOperation? EnclosingFunction(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return current;
            }
        }

        return null;
    }

    /// <summary>
    /// The outermost lambda or local function between <paramref name="operation"/> and
    /// <paramref name="declaringFunction"/> (exclusive); null when the operation is not captured.
    /// </summary>
    public static IOperation? CapturingFunction(IOperation operation, IOperation? declaringFunction)
    {
        IOperation? outermost = null;
        for (var current = operation.Parent; current is not null && current != declaringFunction; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                outermost = current;
            }
        }

        return outermost;
    }

    /// <summary><c>Dispose()</c>, <c>DisposeAsync()</c> or <c>Close()</c> without arguments.</summary>
    public static bool IsDisposeMethod(IMethodSymbol method) =>
        method.Parameters.Length == 0 &&
        method.Name is "Dispose" or "DisposeAsync" or "Close";
}
