using System.Linq;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>LEAK004 "bound the work", step 1: the token the work's source is linked to, if the host has one.</summary>
internal static class HostToken
{
    /// <summary>
    /// A token that lives as long as the host: <c>BackgroundService.ExecuteAsync</c>'s stopping token,
    /// a <c>CancellationToken</c> field or property declared in the code, or an
    /// <c>IHostApplicationLifetime</c>'s <c>ApplicationStopping</c>. Request tokens never qualify.
    /// </summary>
    public static string? Find(IOperation at, CancellationTypes types, SemanticModel model)
    {
        for (var current = at.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation { Symbol.IsStatic: true } or ILocalFunctionOperation { Symbol.IsStatic: true })
            {
                return null;
            }
        }

        var position = at.Syntax.SpanStart;
        ISymbol? member = model.GetEnclosingSymbol(position);
        while (member is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction } && member.ContainingSymbol is not null)
        {
            member = member.ContainingSymbol;
        }

        if (member is IMethodSymbol { IsOverride: true, Name: "ExecuteAsync", Parameters.Length: 1 } execute &&
            types.IsToken(execute.Parameters[0].Type) &&
            types.BackgroundService is not null &&
            WellKnownTypes.InheritsFrom(execute.ContainingType, types.BackgroundService))
        {
            return new TokenInScope(execute.Parameters[0], null).Expression;
        }

        var instanceAvailable = member is { IsStatic: false };
        string? lifetime = null;
        foreach (var symbol in model.LookupSymbols(position).OrderBy(s => s.Name, System.StringComparer.Ordinal))
        {
            if (symbol is not (IFieldSymbol or IPropertySymbol { IsIndexer: false, GetMethod: not null }) ||
                symbol.DeclaringSyntaxReferences.IsEmpty ||
                !(symbol.IsStatic || instanceAvailable))
            {
                continue;
            }

            var type = symbol is IFieldSymbol field ? field.Type : ((IPropertySymbol)symbol).Type;
            if (types.IsToken(type))
            {
                return new TokenInScope(symbol, null).Expression;
            }

            if (lifetime is null && types.HostApplicationLifetime is not null && WellKnownTypes.Implements(type, types.HostApplicationLifetime))
            {
                lifetime = new TokenInScope(symbol, "ApplicationStopping").Expression;
            }
        }

        return lifetime;
    }
}
