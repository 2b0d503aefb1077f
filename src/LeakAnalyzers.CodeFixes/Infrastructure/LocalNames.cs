using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.CodeFixes.Infrastructure;

/// <summary>Picks a local name that collides with nothing in scope nor anywhere in the enclosing member.</summary>
internal static class LocalNames
{
    public static string Unique(string preferred, SyntaxNode position, SemanticModel model)
    {
        var taken = new HashSet<string>(model.LookupSymbols(position.SpanStart).Select(s => s.Name));
        var member = position.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax and not GlobalStatementSyntax) ?? position.SyntaxTree.GetRoot();
        foreach (var token in member.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken))
            {
                taken.Add(token.ValueText);
            }
        }

        if (!taken.Contains(preferred) && SyntaxFacts.GetKeywordKind(preferred) == SyntaxKind.None)
        {
            return preferred;
        }

        for (var suffix = 2; ; suffix++)
        {
            var candidate = preferred + suffix;
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>
    /// A name for a local declared at the top of a new or existing function body at <paramref name="function"/>
    /// (a lambda): it must not clash with what is in scope there, with identifiers inside the function, nor
    /// with locals of the enclosing scopes; sibling lambdas may use the same name.
    /// </summary>
    public static string UniqueInFunction(string preferred, SyntaxNode function, SemanticModel model)
    {
        var taken = new HashSet<string>(model.LookupSymbols(function.SpanStart).Select(s => s.Name));
        foreach (var token in function.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken))
            {
                taken.Add(token.ValueText);
            }
        }

        var member = function.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax and not GlobalStatementSyntax) ?? function.SyntaxTree.GetRoot();
        var enclosing = new HashSet<SyntaxNode>(function.Ancestors());
        foreach (var token in member.DescendantTokens())
        {
            // A local of an enclosing scope (declared anywhere in it) hides nothing but forbids the name.
            if (token.IsKind(SyntaxKind.IdentifierToken) &&
                token.Parent is VariableDeclaratorSyntax or SingleVariableDesignationSyntax or ForEachStatementSyntax or ParameterSyntax or LocalFunctionStatementSyntax &&
                token.Parent.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) is var owner &&
                (owner is null || enclosing.Contains(owner)))
            {
                taken.Add(token.ValueText);
            }
        }

        if (!taken.Contains(preferred))
        {
            return preferred;
        }

        for (var suffix = 2; ; suffix++)
        {
            var candidate = preferred + suffix;
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>The conventional local name for a disposable of <paramref name="type"/>.</summary>
    public static string For(ITypeSymbol? type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            switch (current.ToDisplayString())
            {
                case "System.Net.Http.HttpResponseMessage":
                    return "response";
                case "System.Threading.CancellationTokenSource":
                    return "cts";
                case "System.IO.Stream":
                    return "stream";
            }
        }

        var name = type?.Name;
        if (type?.TypeKind == TypeKind.Interface && name!.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name.Substring(1);
        }

        return string.IsNullOrEmpty(name) ? "resource" : char.ToLowerInvariant(name![0]) + name.Substring(1);
    }
}
