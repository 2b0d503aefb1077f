using System.Threading;
using Microsoft.CodeAnalysis;
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
            var body = context.GetOperation(reference.GetSyntax(CancellationToken.None));
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
}
