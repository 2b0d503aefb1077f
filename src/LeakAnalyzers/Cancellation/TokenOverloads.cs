using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Cancellation;

/// <summary>How a token can be given to a call that has none: the parameter that takes it and how to write the argument.</summary>
internal readonly struct TokenSlot
{
    public TokenSlot(IParameterSymbol parameter, bool positional, IArgumentOperation? replaced)
    {
        Parameter = parameter;
        Positional = positional;
        Replaced = replaced;
    }

    /// <summary>The <c>CancellationToken</c> parameter (of the called method or of the overload to switch to).</summary>
    public IParameterSymbol Parameter { get; }

    /// <summary>True when the token can be appended as the last positional argument; otherwise it is passed by name.</summary>
    public bool Positional { get; }

    /// <summary>An explicit <c>default</c>/<c>CancellationToken.None</c> argument to overwrite, if any.</summary>
    public IArgumentOperation? Replaced { get; }
}

/// <summary>
/// "Could this call accept a token?" (docs/rules/LEAK004.md): the method has a <c>CancellationToken</c>
/// parameter, or an overload - also an extension method - that is the same list of parameters
/// with one <c>CancellationToken</c> added.
/// </summary>
internal static class TokenOverloads
{
    private const int MaxTypeDepth = 8;

    public static TokenSlot? Find(IInvocationOperation invocation, CancellationTypes types)
    {
        var method = invocation.TargetMethod;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && types.IsToken(parameter.Type))
            {
                return argument.ArgumentKind == ArgumentKind.DefaultValue
                    ? new TokenSlot(parameter, positional: AllPositional(invocation) && parameter.Ordinal == ExplicitCount(invocation), replaced: null)
                    : new TokenSlot(parameter, positional: false, replaced: argument);
            }
        }

        var model = invocation.SemanticModel;
        if (model is null || invocation.Syntax is null)
        {
            return null;
        }

        // Extension calls are bound to the static method, so their overloads are looked up in its class.
        var container = method.IsStatic ? method.ContainingType : invocation.Instance?.Type;
        if (container is null)
        {
            return null;
        }

        ImmutableArray<ISymbol> candidates;
        try
        {
            candidates = model.LookupSymbols(invocation.Syntax.SpanStart, container, method.Name, includeReducedExtensionMethods: true);
        }
        catch (System.ArgumentException)
        {
            // Lookup refuses some containers of broken code; nothing can be said about them.
            return null;
        }

        foreach (var candidate in candidates)
        {
            if (candidate is IMethodSymbol { ReducedFrom: null } overload &&
                overload.IsStatic == method.IsStatic &&
                TokenParameterAdded(method.OriginalDefinition, overload.OriginalDefinition, types) is { } added)
            {
                return new TokenSlot(added, positional: AllPositional(invocation) && added.Ordinal == ExplicitCount(invocation), replaced: null);
            }
        }

        return null;
    }

    /// <summary>The token parameter of <paramref name="overload"/> when it is <paramref name="method"/>'s parameters plus that one.</summary>
    private static IParameterSymbol? TokenParameterAdded(IMethodSymbol method, IMethodSymbol overload, CancellationTypes types)
    {
        if (overload.Parameters.Length != method.Parameters.Length + 1 ||
            overload.TypeParameters.Length != method.TypeParameters.Length)
        {
            return null;
        }

        IParameterSymbol? added = null;
        var offset = 0;
        for (var i = 0; i < overload.Parameters.Length; i++)
        {
            var parameter = overload.Parameters[i];
            if (added is null && types.IsToken(parameter.Type))
            {
                added = parameter;
                offset = 1;
                continue;
            }

            var index = i - offset;
            if (index >= method.Parameters.Length ||
                parameter.RefKind != method.Parameters[index].RefKind ||
                !SameShape(parameter.Type, method.Parameters[index].Type, 0))
            {
                return null;
            }
        }

        return added;
    }

    /// <summary>Type equality that treats the type parameters of two overloads as equal by position.</summary>
    private static bool SameShape(ITypeSymbol left, ITypeSymbol right, int depth)
    {
        if (depth > MaxTypeDepth)
        {
            return false;
        }

        switch (left)
        {
            case ITypeParameterSymbol leftParameter:
                return right is ITypeParameterSymbol rightParameter &&
                       leftParameter.TypeParameterKind == rightParameter.TypeParameterKind &&
                       leftParameter.Ordinal == rightParameter.Ordinal;
            case IArrayTypeSymbol leftArray:
                return right is IArrayTypeSymbol rightArray && leftArray.Rank == rightArray.Rank && SameShape(leftArray.ElementType, rightArray.ElementType, depth + 1);
            case INamedTypeSymbol { IsGenericType: true } leftNamed when right is INamedTypeSymbol { IsGenericType: true } rightNamed:
                if (!SymbolEqualityComparer.Default.Equals(leftNamed.OriginalDefinition, rightNamed.OriginalDefinition) ||
                    leftNamed.TypeArguments.Length != rightNamed.TypeArguments.Length)
                {
                    return false;
                }

                for (var i = 0; i < leftNamed.TypeArguments.Length; i++)
                {
                    if (!SameShape(leftNamed.TypeArguments[i], rightNamed.TypeArguments[i], depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return SymbolEqualityComparer.Default.Equals(left, right);
        }
    }

    private static bool AllPositional(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.ParamArray ||
                argument.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.ArgumentSyntax { NameColon: not null })
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Arguments written in the source (for an extension method, the receiver is the first).</summary>
    private static int ExplicitCount(IInvocationOperation invocation)
    {
        var count = 0;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.ArgumentKind != ArgumentKind.DefaultValue)
            {
                count++;
            }
        }

        return count;
    }
}
