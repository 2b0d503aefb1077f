using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Ownership;

internal enum ValueUseKind
{
    /// <summary>Read in an expression (member access, non-owning argument...): the owner does not change.</summary>
    Read,

    /// <summary>Thrown away by an expression statement or a discard.</summary>
    Discarded,

    /// <summary>Disposed here (<c>Dispose()</c>, <c>using</c>, a disposing method).</summary>
    Disposes,

    /// <summary>Ownership leaves (returned, stored, passed to an owner), or the use is not understood.</summary>
    Escapes,

    /// <summary>Assigned to a local, which must then be followed.</summary>
    AssignedToLocal,
}

/// <summary>One use of a tracked value: what it is and, for disposals and locals, where.</summary>
internal readonly struct ValueUse
{
    private ValueUse(ValueUseKind kind, SyntaxNode? site, ILocalSymbol? local)
    {
        Kind = kind;
        Site = site;
        Local = local;
    }

    public ValueUseKind Kind { get; }

    /// <summary>The syntax that disposes (for <see cref="ValueUseKind.Disposes"/>) or defines the local.</summary>
    public SyntaxNode? Site { get; }

    public ILocalSymbol? Local { get; }

    public static ValueUse Of(ValueUseKind kind) => new(kind, null, null);

    public static ValueUse DisposedAt(SyntaxNode site) => new(ValueUseKind.Disposes, site, null);

    public static ValueUse AssignedTo(ILocalSymbol local, SyntaxNode site) => new(ValueUseKind.AssignedToLocal, site, local);

    /// <summary>
    /// Classifies what the parent operations do with <paramref name="value"/> (a creation, an
    /// awaited creation, or a reference to a tracked local or parameter).
    /// </summary>
    public static ValueUse Classify(IOperation value, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        var current = value;
        for (var step = 0; step < 32; step++)
        {
            current = OperationNavigation.SkipTransparentParents(current);
            var parent = current.Parent;
            switch (parent)
            {
                case null:
                case IExpressionStatementOperation:
                    return Of(ValueUseKind.Discarded);

                case ISimpleAssignmentOperation assignment when assignment.Value == current:
                    return assignment.Target switch
                    {
                        ILocalReferenceOperation local => AssignedTo(local.Local, assignment.Syntax),
                        IDiscardOperation => Of(ValueUseKind.Discarded),
                        _ => Of(ValueUseKind.Escapes),
                    };

                case ISimpleAssignmentOperation:
                    // The value is the target being overwritten: not a use of the object.
                    return Of(ValueUseKind.Read);

                case ICompoundAssignmentOperation or ICoalesceAssignmentOperation or IDeconstructionAssignmentOperation:
                    return Of(ValueUseKind.Escapes);

                case IVariableInitializerOperation initializer:
                    return ClassifyInitializer(initializer);

                case IReturnOperation:
                    return Of(ValueUseKind.Escapes);

                case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configureAwait } when configureAwait.Arguments[0] == current.Parent:
                    // stream.ConfigureAwait(false) wraps the same object for "await using": keep following it.
                    current = configureAwait;
                    continue;

                case IArgumentOperation argument:
                    return ArgumentOwnership.Classify(argument, context, policy, depth) switch
                    {
                        ArgumentRole.TakesOwnership => Of(ValueUseKind.Escapes),
                        ArgumentRole.Disposes => DisposedAt(argument.Parent?.Syntax ?? argument.Syntax),
                        _ => Of(ValueUseKind.Read),
                    };

                case IUsingOperation usingOperation:
                    return DisposedAt(usingOperation.Syntax);

                case IInvocationOperation invocation when invocation.Instance == current:
                    if (OperationNavigation.IsDisposeMethod(invocation.TargetMethod))
                    {
                        return DisposedAt(invocation.Syntax);
                    }

                    if (IsSelfReturning(invocation))
                    {
                        // response.EnsureSuccessStatusCode() returns the same response: keep following it.
                        current = invocation;
                        continue;
                    }

                    // connection.SendAsync(request) of your own code may put the connection into what it returns.
                    return CalleeBodies.ReceiverTakesOwnership(invocation.TargetMethod, context, policy, depth)
                        ? Of(ValueUseKind.Escapes)
                        : Of(ValueUseKind.Read);

                case IPropertyReferenceOperation { Property.Name: "Content" } content
                    when content.Instance == current && WellKnownTypes.InheritsFrom(current.Type, context.Types.HttpResponseMessage):
                    // A response whose content (or content stream) leaves the method is handed over with it.
                    if (ContentEscapes(content, context, policy, depth))
                    {
                        return Of(ValueUseKind.Escapes);
                    }

                    // using var stream = await response.Content.ReadAsStreamAsync(): disposing the
                    // content stream releases the connection, as HttpClient.GetStreamAsync does.
                    return DisposalOfContentStream(content, context, policy, depth) is { } streamDisposal
                        ? DisposedAt(streamDisposal)
                        : Of(ValueUseKind.Read);

                case IConditionalAccessOperation conditionalAccess when conditionalAccess.Operation == current:
                    return conditionalAccess.WhenNotNull is IInvocationOperation { Instance: IConditionalAccessInstanceOperation } whenNotNull &&
                           OperationNavigation.IsDisposeMethod(whenNotNull.TargetMethod)
                        ? DisposedAt(conditionalAccess.Syntax)
                        : Of(ValueUseKind.Read);

                case IIsPatternOperation { Pattern: IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared } } isPattern when isPattern.Value == current:
                    return AssignedTo(declared, isPattern.Syntax);

                case IIsPatternOperation { Pattern: IRecursivePatternOperation { DeclaredSymbol: ILocalSymbol declared } } isPattern when isPattern.Value == current:
                    return AssignedTo(declared, isPattern.Syntax);

                case IMemberReferenceOperation:
                case IInvocationOperation:
                case IBinaryOperation:
                case IUnaryOperation:
                case IIsTypeOperation:
                case IIsPatternOperation:
                case IInterpolationOperation:
                case ISwitchOperation:
                case IAwaitOperation:
                case ILockOperation:
                    return Of(ValueUseKind.Read);

                case IConditionalOperation conditional when conditional.Condition != current:
                    current = conditional;
                    continue;

                case ICoalesceOperation coalesce:
                    current = coalesce;
                    continue;

                case ISwitchExpressionArmOperation { Parent: ISwitchExpressionOperation switchExpression } arm when arm.Value == current:
                    current = switchExpression;
                    continue;

                default:
                    // Array/collection/tuple/anonymous-object initializers store the value; anything
                    // not understood is treated as leaving the method: precision first.
                    return Of(ValueUseKind.Escapes);
            }
        }

        return Of(ValueUseKind.Escapes);
    }

    /// <summary>
    /// Whether a value derived from a tracked one (the object a constructor built around it, a
    /// response's content or content stream) leaves the method: used directly, or through the one
    /// local it is assigned to. Bounded by <see cref="CalleeBodies.MaxDepth"/>.
    /// </summary>
    public static bool DerivedValueEscapes(IOperation derived, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        if (depth >= CalleeBodies.MaxDepth)
        {
            return false;
        }

        var use = Classify(derived, context, policy, depth + 1);
        if (use.Kind == ValueUseKind.Escapes)
        {
            return true;
        }

        if (use.Kind != ValueUseKind.AssignedToLocal)
        {
            return false;
        }

        foreach (var operation in OperationNavigation.Root(derived).Descendants())
        {
            if (operation is ILocalReferenceOperation reference &&
                SymbolEqualityComparer.Default.Equals(reference.Local, use.Local) &&
                Classify(reference, context, policy, depth + 1).Kind == ValueUseKind.Escapes)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>response.Content</c> escapes, or the stream read from it does
    /// (<c>return await response.Content.ReadAsStreamAsync()</c>), also through the one local the
    /// content is put in (<c>if (response.Content is ConnectionContent content) return await content.ReadAsStreamAsync();</c>).
    /// </summary>
    private static bool ContentEscapes(IPropertyReferenceOperation content, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        if (DerivedValueEscapes(content, context, policy, depth) || StreamOfContentEscapes(content, context, policy, depth))
        {
            return true;
        }

        if (depth + 1 >= CalleeBodies.MaxDepth || LocalHolding(content, context, policy, depth + 1) is not { } local)
        {
            return false;
        }

        foreach (var operation in OperationNavigation.Root(content).Descendants())
        {
            if (operation is ILocalReferenceOperation reference &&
                SymbolEqualityComparer.Default.Equals(reference.Local, local) &&
                StreamOfContentEscapes(reference, context, policy, depth + 1))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The local a value is put in: <c>var c = value;</c>, or a pattern, also a negated one (<c>value is not T c</c>).</summary>
    private static ILocalSymbol? LocalHolding(IOperation value, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        if (Classify(value, context, policy, depth) is { Kind: ValueUseKind.AssignedToLocal, Local: { } local })
        {
            return local;
        }

        if (OperationNavigation.SkipTransparentParents(value).Parent is IIsPatternOperation isPattern)
        {
            foreach (var pattern in isPattern.Pattern.DescendantsAndSelf())
            {
                if (pattern is IDeclarationPatternOperation { DeclaredSymbol: ILocalSymbol declared })
                {
                    return declared;
                }
            }
        }

        return null;
    }

    /// <summary>Where the stream read from <paramref name="content"/> is disposed by a <c>using</c> or <c>Dispose()</c> on it; null otherwise.</summary>
    private static SyntaxNode? DisposalOfContentStream(IOperation content, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        var receiver = OperationNavigation.SkipTransparentParents(content);
        if (depth + 1 >= CalleeBodies.MaxDepth ||
            receiver.Parent is not IInvocationOperation readAsStream || readAsStream.Instance != receiver ||
            !readAsStream.TargetMethod.Name.StartsWith("ReadAsStream", System.StringComparison.Ordinal) ||
            DisposalAnalysis.ProducedValue(readAsStream, context.Types) is not { } stream)
        {
            return null;
        }

        var use = Classify(stream, context, policy, depth + 1);
        return use.Kind == ValueUseKind.Disposes ? use.Site : null;
    }

    private static bool StreamOfContentEscapes(IOperation content, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        var receiver = OperationNavigation.SkipTransparentParents(content);
        return receiver.Parent is IInvocationOperation readAsStream && readAsStream.Instance == receiver &&
               readAsStream.TargetMethod.Name.StartsWith("ReadAsStream", System.StringComparison.Ordinal) &&
               DisposalAnalysis.ProducedValue(readAsStream, context.Types) is { } stream &&
               DerivedValueEscapes(stream, context, policy, depth);
    }

    private static ValueUse ClassifyInitializer(IVariableInitializerOperation initializer)
    {
        if (initializer.Parent is not IVariableDeclaratorOperation declarator)
        {
            return Of(ValueUseKind.Escapes);
        }

        var group = declarator.Parent?.Parent;
        if (group is IVariableDeclarationGroupOperation && group.Parent is IUsingDeclarationOperation or IUsingOperation)
        {
            return DisposedAt(group.Parent.Syntax);
        }

        return AssignedTo(declarator.Symbol, declarator.Syntax);
    }

    /// <summary>An instance method that hands back its receiver's type, as fluent APIs do.</summary>
    private static bool IsSelfReturning(IInvocationOperation invocation) =>
        invocation.Instance?.Type is { } receiverType &&
        !invocation.TargetMethod.ReturnsVoid &&
        SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ReturnType, receiverType);
}
