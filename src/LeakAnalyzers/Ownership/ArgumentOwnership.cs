using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Ownership;

/// <summary>What a call does with a disposable value passed to it.</summary>
internal enum ArgumentRole
{
    /// <summary>The callee only reads the value; the caller still owns it.</summary>
    Reads,

    /// <summary>The callee (or the object it builds) becomes responsible for disposing it.</summary>
    TakesOwnership,

    /// <summary>The callee disposes it right away (a configured <c>disposing_methods</c> entry).</summary>
    Disposes,
}

/// <summary>Decides, per docs/ownership.md (what counts as handing the object over), whether passing a value transfers ownership.</summary>
internal static class ArgumentOwnership
{
    private static readonly string[] OwnershipAttributeNames =
    {
        "TransferOwnership", "TransferOwnershipAttribute", "HandlesResourceDisposal", "HandlesResourceDisposalAttribute",
    };

    private static readonly string[] CollectionStoreMethodNames =
    {
        "Add", "AddFirst", "AddLast", "AddRange", "Insert", "Enqueue", "Push", "TryAdd", "AddOrUpdate", "GetOrAdd", "TryUpdate", "Set", "SetValue",
    };

    public static ArgumentRole Classify(IArgumentOperation argument, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        var parameter = argument.Parameter;
        if (parameter is null || parameter.RefKind is RefKind.Ref or RefKind.Out)
        {
            return ArgumentRole.TakesOwnership;
        }

        if (HasOwnershipAttribute(parameter))
        {
            return ArgumentRole.TakesOwnership;
        }

        IMethodSymbol? method;
        ITypeSymbol? createdType = null;
        IObjectCreationOperation? creation = null;
        switch (argument.Parent)
        {
            case IInvocationOperation { TargetMethod.MethodKind: MethodKind.Constructor }:
                // ": base(client)" / ": this(CreateClient())": the value goes into the object under construction.
                return ArgumentRole.TakesOwnership;
            case IInvocationOperation invocation:
                method = invocation.TargetMethod;
                break;
            case IObjectCreationOperation objectCreation:
                creation = objectCreation;
                method = objectCreation.Constructor;
                createdType = objectCreation.Type;
                break;
            default:
                // Indexer arguments, attribute arguments...: a key lookup does not take ownership.
                return ArgumentRole.Reads;
        }

        if (method is null)
        {
            return ArgumentRole.TakesOwnership;
        }

        if (policy.DisposingMethods.Contains(method))
        {
            return ArgumentRole.Disposes;
        }

        if (policy.OwnershipTransferMethods.Contains(method) ||
            method.Name is "RegisterForDispose" or "RegisterForDisposeAsync")
        {
            return ArgumentRole.TakesOwnership;
        }

        var types = context.Types;
        if (creation is not null)
        {
            if (types.IsDisposable(createdType))
            {
                return NeverOwnsItsArguments(createdType!, creation, types) ? ArgumentRole.Reads : ArgumentRole.TakesOwnership;
            }
        }
        else
        {
            if (IsCollectionStore(method, context))
            {
                return ArgumentRole.TakesOwnership;
            }

            // A plain Task is IDisposable too, but it never owns what the method was given. The
            // receiver of an extension method (client.PostAsJsonAsync(...)) is used as by an instance
            // method: the response it returns is not a wrapper that owns the client.
            var returned = types.UnwrapTask(method.ReturnType);
            if ((types.IsDisposable(returned) && !types.IsPlainTask(returned) && !IsExtensionReceiver(method, parameter)) ||
                (returned is not null && (WellKnownTypes.Implements(returned, types.ActionResult) || WellKnownTypes.Implements(returned, types.HttpResult))))
            {
                return ArgumentRole.TakesOwnership;
            }
        }

        if (creation is not null)
        {
            // A non-disposable object can never dispose what it holds: the value leaves only with the
            // object (return new RestResponse(status, stream)); one used locally and dropped (a gRPC
            // stub) leaves it owned. A constructor of this compilation that only reads the value
            // (new StatusView(response)) does not hold it at all.
            var held = !CalleeBodies.CanJudge(method, context) ||
                       CalleeBodies.ParameterTakesOwnership(parameter.OriginalDefinition, context, policy, depth);
            return held && ValueUse.DerivedValueEscapes(creation, context, policy, depth)
                ? ArgumentRole.TakesOwnership
                : ArgumentRole.Reads;
        }

        return CalleeBodies.ParameterTakesOwnership(parameter.OriginalDefinition, context, policy, depth)
            ? ArgumentRole.TakesOwnership
            : ArgumentRole.Reads;
    }

    private static bool IsExtensionReceiver(IMethodSymbol method, IParameterSymbol parameter) =>
        method.IsExtensionMethod && parameter.Ordinal == 0;

    /// <summary>[TransferOwnership] or [HandlesResourceDisposal] (any namespace) on the parameter.</summary>
    public static bool HasOwnershipAttribute(IParameterSymbol parameter)
    {
        foreach (var attribute in parameter.GetAttributes())
        {
            var name = attribute.AttributeClass?.Name;
            if (name is not null && System.Array.IndexOf(OwnershipAttributeNames, name) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsCollectionStore(IMethodSymbol method, OwnershipContext context) =>
        System.Array.IndexOf(CollectionStoreMethodNames, method.Name) >= 0 &&
        method.ContainingType is { } type &&
        WellKnownTypes.Implements(type, context.Types.IEnumerable);

    /// <summary>Disposable wrappers that are documented never to dispose what they are given.</summary>
    private static bool NeverOwnsItsArguments(ITypeSymbol createdType, IObjectCreationOperation creation, WellKnownTypes types)
    {
        if (WellKnownTypes.InheritsFrom(createdType, types.DbCommand) || WellKnownTypes.Implements(createdType, types.IDbCommand))
        {
            return true;
        }

        var isReaderOrWriter =
            WellKnownTypes.InheritsFrom(createdType, types.StreamReader) ||
            WellKnownTypes.InheritsFrom(createdType, types.StreamWriter) ||
            WellKnownTypes.InheritsFrom(createdType, types.BinaryReader) ||
            WellKnownTypes.InheritsFrom(createdType, types.BinaryWriter);
        if (!isReaderOrWriter)
        {
            return false;
        }

        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter?.Name == "leaveOpen" &&
                argument.Value.ConstantValue is { HasValue: true, Value: true })
            {
                return true;
            }
        }

        return false;
    }
}
