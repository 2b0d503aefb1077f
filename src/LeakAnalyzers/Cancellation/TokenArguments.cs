using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Cancellation;

/// <summary>"Does this call receive a real CancellationToken?" - not <c>default</c>, <c>CancellationToken.None</c> nor nothing.</summary>
internal static class TokenArguments
{
    /// <summary>Upper bound on the operations inspected inside one delegate body.</summary>
    private const int MaxBodyOperations = 2000;

    /// <summary>
    /// A real token among the arguments; for <c>Task.Run</c>/<c>StartNew</c>, a real token used
    /// inside the delegate, or held by the instance and read by a method the delegate calls: the
    /// work itself must observe it. A token given only to the starter
    /// merely keeps work that has not started from starting (docs/rules/LEAK004.md).
    /// </summary>
    public static bool ReceivesToken(IInvocationOperation invocation, CancellationTypes types)
    {
        var starter = types.IsTaskStarter(invocation.TargetMethod);
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && types.IsToken(parameter.Type))
            {
                if (!starter && argument.ArgumentKind != ArgumentKind.DefaultValue && IsRealToken(argument.Value))
                {
                    return true;
                }
            }
            else if (starter && (UsesToken(argument.Value, types) || BackgroundWork.CalleesReadHeldToken(argument.Value, types)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>False for <c>default</c>, <c>default(CancellationToken)</c>, <c>new CancellationToken()</c> and <c>CancellationToken.None</c>.</summary>
    public static bool IsRealToken(IOperation value)
    {
        var current = Ownership.OperationNavigation.SkipConversions(value);
        return current switch
        {
            IDefaultValueOperation => false,
            IObjectCreationOperation { Arguments.Length: 0 } => false,
            IObjectCreationOperation { Arguments.Length: 1 } creation => creation.Arguments[0].Value.ConstantValue is not { HasValue: true, Value: false },
            IPropertyReferenceOperation { Property: { IsStatic: true, Name: "None" } } => false,
            _ => !current.HasErrors(),
        };
    }

    /// <summary>A delegate argument whose body reads a real token (a parameter, local, field or <c>cts.Token</c>).</summary>
    public static bool UsesToken(IOperation delegateArgument, CancellationTypes types)
    {
        var count = 0;
        foreach (var operation in delegateArgument.DescendantsAndSelf())
        {
            if (++count > MaxBodyOperations)
            {
                return true;
            }

            if (operation is IParameterReferenceOperation or ILocalReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation &&
                types.IsToken(operation.Type) &&
                IsRealToken(operation))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasErrors(this IOperation operation) => operation.Kind == OperationKind.Invalid || operation.Type is null or IErrorTypeSymbol;
}
