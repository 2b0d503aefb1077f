using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Ownership;

/// <summary>
/// Judges methods of the same compilation by their body: a parameter takes ownership when the
/// body disposes it, stores it, returns it or passes it on to something that does.
/// </summary>
internal static class CalleeBodies
{
    /// <summary>How many calls deep ownership is followed (a calls b calls c); beyond it: "reads".</summary>
    public const int MaxDepth = 3;

    /// <summary>Whether <paramref name="method"/> has a declaration in this compilation whose body the engine can read.</summary>
    public static bool CanJudge(IMethodSymbol method, OwnershipContext context)
    {
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            if (context.Compilation.ContainsSyntaxTree(reference.SyntaxTree))
            {
                return true;
            }
        }

        return false;
    }

    public static bool ParameterTakesOwnership(IParameterSymbol parameter, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        if (depth >= MaxDepth || parameter.ContainingSymbol is not IMethodSymbol method || method.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        if (context.TryGetCachedParameterVerdict(parameter, out var cached))
        {
            return cached;
        }

        var verdict = false;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var declaration = reference.GetSyntax(CancellationToken.None);
            if (declaration is TypeDeclarationSyntax && context.Compilation.ContainsSyntaxTree(declaration.SyntaxTree))
            {
                // A primary constructor (a record's above all): its parameters become the object's state.
                verdict = true;
                break;
            }

            var body = context.GetOperation(declaration);
            if (body is null)
            {
                continue;
            }

            foreach (var operation in body.Descendants())
            {
                if (operation is IParameterReferenceOperation parameterReference &&
                    SymbolEqualityComparer.Default.Equals(parameterReference.Parameter, parameter) &&
                    ValueUse.Classify(parameterReference, context, policy, depth + 1).Kind is ValueUseKind.Disposes or ValueUseKind.Escapes or ValueUseKind.AssignedToLocal)
                {
                    verdict = true;
                    break;
                }
            }

            if (verdict)
            {
                break;
            }
        }

        context.CacheParameterVerdict(parameter, verdict);
        return verdict;
    }

    /// <summary>
    /// Whether an instance method of the same compilation hands its receiver over: its body stores
    /// <c>this</c> (in a field, in the object it returns) or disposes it.
    /// </summary>
    public static bool ReceiverTakesOwnership(IMethodSymbol method, OwnershipContext context, in OwnershipPolicy policy, int depth)
    {
        if (depth >= MaxDepth || method.IsStatic || method.DeclaringSyntaxReferences.IsEmpty)
        {
            return false;
        }

        method = method.OriginalDefinition;
        if (context.TryGetCachedReceiverVerdict(method, out var cached))
        {
            return cached;
        }

        var verdict = false;
        foreach (var reference in method.DeclaringSyntaxReferences)
        {
            var body = context.GetOperation(reference.GetSyntax(CancellationToken.None));
            if (body is null)
            {
                continue;
            }

            foreach (var operation in body.Descendants())
            {
                if (operation is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } self &&
                    ValueUse.Classify(self, context, policy, depth + 1).Kind is ValueUseKind.Disposes or ValueUseKind.Escapes or ValueUseKind.AssignedToLocal)
                {
                    verdict = true;
                    break;
                }
            }

            if (verdict)
            {
                break;
            }
        }

        context.CacheReceiverVerdict(method, verdict);
        return verdict;
    }
}
