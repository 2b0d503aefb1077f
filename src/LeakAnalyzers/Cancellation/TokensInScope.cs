using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Cancellation;

/// <summary>A token the code can reach at some position: a symbol and, for sources, contexts and lifetimes, the member that yields the token.</summary>
internal readonly struct TokenInScope
{
    public TokenInScope(ISymbol symbol, string? member)
    {
        Symbol = symbol;
        Member = member;
    }

    public ISymbol Symbol { get; }

    /// <summary><c>Token</c>, <c>RequestAborted</c>, <c>ApplicationStopping</c>, or null when the symbol is the token.</summary>
    public string? Member { get; }

    /// <summary>The C# expression for the token (<c>cancellationToken</c>, <c>HttpContext.RequestAborted</c>, <c>_cts.Token</c>).</summary>
    public string Expression
    {
        get
        {
            var name = SyntaxFacts.GetKeywordKind(Symbol.Name) == SyntaxKind.None ? Symbol.Name : "@" + Symbol.Name;
            return Member is null ? name : name + "." + Member;
        }
    }
}

/// <summary>
/// "Which CancellationToken is in scope here?" In order of preference: a token parameter or local
/// (the innermost), an <c>HttpContext</c> (<c>ControllerBase.HttpContext</c>, a minimal API
/// handler's parameter) for <c>RequestAborted</c>, a <c>CancellationTokenSource</c> local, then
/// token and source fields or properties, then an <c>IHostApplicationLifetime</c>.
/// <c>BackgroundService.ExecuteAsync</c>'s <c>stoppingToken</c> is a parameter like any other.
/// </summary>
internal static class TokensInScope
{
    private const int SourceLocalRank = 2;

    /// <param name="at">Where the token is needed.</param>
    /// <param name="types">The compilation's types.</param>
    /// <param name="includeSourceLocals">
    /// False for a new linked source's parent: a local source is usually another timeout of the
    /// same method, whose clock started earlier, not the caller's cancellation.
    /// </param>
    public static TokenInScope? Find(IOperation at, CancellationTypes types, bool includeSourceLocals = true)
    {
        var model = at.SemanticModel;
        if (model is null)
        {
            return null;
        }

        var position = at.Syntax.SpanStart;
        var staticFunction = InnermostStaticFunction(at);
        var member = model.GetEnclosingSymbol(position);
        while (member is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction } && member.ContainingSymbol is not null)
        {
            member = member.ContainingSymbol;
        }

        var instanceAvailable = member is { IsStatic: false } && staticFunction is null;
        TokenInScope? best = null;
        var bestRank = int.MaxValue;
        var bestDeclared = -1;
        foreach (var symbol in model.LookupSymbols(position))
        {
            var (type, isLocal, declared) = symbol switch
            {
                ILocalSymbol { RefKind: RefKind.None } local => (local.Type, true, DeclaredAt(local)),
                IParameterSymbol { RefKind: RefKind.None } parameter => (parameter.Type, true, DeclaredAt(parameter)),
                IFieldSymbol field when field.IsStatic || instanceAvailable => (field.Type, false, -1),
                IPropertySymbol { IsIndexer: false, GetMethod: not null } property when property.IsStatic || instanceAvailable => (property.Type, false, -1),
                _ => (null, false, -1),
            };
            if (type is null || (isLocal && (declared < 0 || declared > position || !Visible(symbol, staticFunction))))
            {
                continue;
            }

            var (rank, memberName) = Classify(type, isLocal, types);
            if (rank == int.MaxValue || (rank == SourceLocalRank && !includeSourceLocals))
            {
                continue;
            }

            if (rank < bestRank || (rank == bestRank && (declared > bestDeclared || (declared == bestDeclared && string.CompareOrdinal(symbol.Name, best!.Value.Symbol.Name) < 0))))
            {
                best = new TokenInScope(symbol, memberName);
                bestRank = rank;
                bestDeclared = declared;
            }
        }

        return best;
    }

    private static (int Rank, string? Member) Classify(ITypeSymbol type, bool isLocal, CancellationTypes types)
    {
        if (types.IsToken(type))
        {
            return (isLocal ? 0 : 3, null);
        }

        if (types.HttpContext is not null && WellKnownTypes.InheritsFrom(type, types.HttpContext))
        {
            return (1, "RequestAborted");
        }

        if (types.CancellationTokenSource is not null && WellKnownTypes.InheritsFrom(type, types.CancellationTokenSource))
        {
            return (isLocal ? SourceLocalRank : 4, "Token");
        }

        if (types.HostApplicationLifetime is not null && WellKnownTypes.Implements(type, types.HostApplicationLifetime))
        {
            return (5, "ApplicationStopping");
        }

        return (int.MaxValue, null);
    }

    /// <summary>Where a local or parameter comes into scope (the end of its declarator), or -1 when it has no source.</summary>
    private static int DeclaredAt(ISymbol symbol)
    {
        var references = symbol.DeclaringSyntaxReferences;
        return references.Length == 0 ? -1 : references[0].Span.End;
    }

    /// <summary>A static lambda or local function sees only what is declared inside it.</summary>
    private static bool Visible(ISymbol symbol, IOperation? staticFunction)
    {
        if (staticFunction is null)
        {
            return true;
        }

        var references = symbol.DeclaringSyntaxReferences;
        return references.Length > 0 && staticFunction.Syntax.Span.Contains(references[0].Span);
    }

    private static IOperation? InnermostStaticFunction(IOperation operation)
    {
        for (var current = operation.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation { Symbol.IsStatic: true } or ILocalFunctionOperation { Symbol.IsStatic: true })
            {
                return current;
            }
        }

        return null;
    }
}
