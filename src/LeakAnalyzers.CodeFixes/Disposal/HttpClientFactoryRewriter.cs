using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// LEAK002 fix 2: <c>new HttpClient()</c> becomes <c>factory.CreateClient()</c> when an
/// <c>IHttpClientFactory</c> is in scope: a parameter of the enclosing function(s), a field or
/// property of the type, or a primary constructor parameter.
/// </summary>
internal static class HttpClientFactoryRewriter
{
    public static SyntaxNode? Rewrite(SyntaxNode root, BaseObjectCreationExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        if (creation.ArgumentList is { Arguments.Count: > 0 } || creation.Initializer is not null ||
            model.GetTypeInfo(creation, cancellationToken).Type?.ToDisplayString() != "System.Net.Http.HttpClient")
        {
            // Handlers and settings of a hand-made client would be lost (they belong in AddHttpClient
            // configuration), and CreateClient() cannot build a derived client type.
            return null;
        }

        var factoryType = model.Compilation.GetTypeByMetadataName("System.Net.Http.IHttpClientFactory");
        var factory = factoryType is null ? null : FactoryInScope(creation, factoryType, model);
        if (factory is null)
        {
            return null;
        }

        var createClient = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(factory.Name), IdentifierName("CreateClient")));
        return root.ReplaceNode(creation, createClient.WithTriviaFrom(creation));
    }

    /// <summary>The nearest symbol of the factory type that the simple name binds to at the creation.</summary>
    private static ISymbol? FactoryInScope(SyntaxNode position, INamedTypeSymbol factoryType, SemanticModel model)
    {
        foreach (var symbol in model.LookupSymbols(position.SpanStart))
        {
            var type = symbol switch
            {
                IParameterSymbol parameter => parameter.Type,
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                ILocalSymbol local => local.Type,
                _ => null,
            };
            if (type is not null && SymbolEqualityComparer.Default.Equals(type, factoryType) &&
                model.LookupSymbols(position.SpanStart, name: symbol.Name).FirstOrDefault() is { } bound &&
                SymbolEqualityComparer.Default.Equals(bound, symbol) &&
                IsUsable(symbol, position, model))
            {
                return symbol;
            }
        }

        return null;
    }

    /// <summary>Lambdas and local functions inherit the static-ness of their member unless they are static themselves.</summary>
    private static bool IsStaticContext(ISymbol? symbol)
    {
        for (var current = symbol; current is not null; current = current.ContainingSymbol)
        {
            if (current.IsStatic)
            {
                return true;
            }

            if (current is not IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Instance members and primary constructor parameters are not reachable from static code.</summary>
    private static bool IsUsable(ISymbol symbol, SyntaxNode position, SemanticModel model)
    {
        if (symbol is ILocalSymbol local)
        {
            // In scope in the whole block, but usable only after its declaration.
            return local.DeclaringSyntaxReferences.All(reference => reference.Span.End <= position.SpanStart);
        }

        if (symbol is IParameterSymbol parameter && parameter.ContainingSymbol is IMethodSymbol { MethodKind: not MethodKind.Constructor })
        {
            return true;
        }

        return symbol.IsStatic || !IsStaticContext(model.GetEnclosingSymbol(position.SpanStart));
    }
}
