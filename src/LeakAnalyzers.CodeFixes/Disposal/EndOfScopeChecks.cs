using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// Whether disposing a local at the end of its scope keeps the code's meaning: the local is not
/// written again (a using variable is read-only) and no work that may still run afterwards uses
/// it (a lambda, a returned or unawaited task).
/// </summary>
internal static class EndOfScopeChecks
{
    public static bool IsWrittenAfterDeclaration(ILocalSymbol local, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var scope = declaration.Parent;
        if (scope is null)
        {
            return true;
        }

        foreach (var identifier in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != local.Name || identifier.SpanStart < declaration.Span.End)
            {
                continue;
            }

            var written = identifier.Parent switch
            {
                AssignmentExpressionSyntax assignment => assignment.Left == identifier,
                PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => true,
                ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
                RefExpressionSyntax => true,
                _ => false,
            };
            if (written && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A lambda or local function declared after <paramref name="declaration"/> reads the local.</summary>
    public static bool IsCapturedByAFunction(ILocalSymbol local, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var scope = declaration.Parent;
        if (scope is null)
        {
            return false;
        }

        foreach (var function in scope.DescendantNodes().Where(node => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
        {
            if (IsLinqLambda(function, model, cancellationToken))
            {
                // ids.Select(id => LoadAsync(id, cts.Token)) runs when the sequence is consumed, in this
                // method (await Task.WhenAll(tasks)); a returned sequence is caught by IsUsedByReturnedWork.
                continue;
            }

            foreach (var identifier in function.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText == local.Name &&
                    SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A lambda passed straight to a System.Linq.Enumerable method (Select, Where, ...).</summary>
    private static bool IsLinqLambda(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken) =>
        function is AnonymousFunctionExpressionSyntax { Parent: ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call } } &&
        model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol { ContainingType: { } type } &&
        type.ToDisplayString() == "System.Linq.Enumerable";

    /// <summary>The reference is inside a LINQ lambda (and no other function between).</summary>
    public static bool IsInLinqLambda(SyntaxNode reference, SemanticModel model, CancellationToken cancellationToken) =>
        reference.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) is { } function &&
        IsLinqLambda(function, model, cancellationToken);

    /// <summary>The identifiers after <paramref name="declaration"/> in its scope that read the local.</summary>
    public static IEnumerable<IdentifierNameSyntax> ReferencesOf(ILocalSymbol local, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken) =>
        declaration.Parent is not { } scope
            ? Enumerable.Empty<IdentifierNameSyntax>()
            : scope.DescendantNodes().OfType<IdentifierNameSyntax>().Where(identifier =>
                identifier.SpanStart >= declaration.Span.End &&
                identifier.Identifier.ValueText == local.Name &&
                SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local));

    /// <summary>
    /// Within its statement, <paramref name="use"/> flows into a task that is neither awaited nor
    /// waited on (<c>_ = WorkAsync(client)</c>, <c>var t = LoadAsync(cts.Token); return t;</c>):
    /// disposing at the end of the scope would pull the object from under that work.
    /// </summary>
    public static bool FlowsIntoUnawaitedWork(SyntaxNode use, SemanticModel model, CancellationToken cancellationToken)
    {
        var pending = false;
        for (var node = use.Parent; node is ExpressionSyntax or ArgumentSyntax or ArgumentListSyntax or EqualsValueClauseSyntax or VariableDeclaratorSyntax or VariableDeclarationSyntax; node = node.Parent)
        {
            switch (node)
            {
                case AwaitExpressionSyntax:
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Result" or "Wait" or "GetAwaiter" }:
                    pending = false;
                    break;
                case AnonymousFunctionExpressionSyntax:
                    return pending;
                case ExpressionSyntax expression when IsAwaitable(model.GetTypeInfo(expression, cancellationToken).Type):
                    pending = true;
                    break;
            }
        }

        return pending;
    }

    private static bool IsAwaitable(ITypeSymbol? type) =>
        type is not null && type.SpecialType == SpecialType.None && type.GetMembers("GetAwaiter").Length > 0;

    /// <summary>A non-async function that returns an expression using the local (a task still running on it).</summary>
    public static bool IsUsedByReturnedWork(ILocalSymbol local, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var function = declaration.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);
        if (function is null or CompilationUnitSyntax || UsingForms.IsInAsyncFunction(declaration))
        {
            return false;
        }

        foreach (var returned in function.DescendantNodes().OfType<ReturnStatementSyntax>())
        {
            if (returned.Expression is null ||
                (returned.FirstAncestorOrSelf<SyntaxNode>(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) is { } nested && nested != function) ||
                !IsDeferredWork(model.GetTypeInfo(returned.Expression, cancellationToken).Type))
            {
                continue;
            }

            foreach (var identifier in returned.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText == local.Name &&
                    SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Values that keep running or evaluating after the method returns: tasks (anything awaitable), lazy sequences, delegates.</summary>
    private static bool IsDeferredWork(ITypeSymbol? type) =>
        type is not null &&
        (type.TypeKind == TypeKind.Delegate ||
         IsAwaitable(type) ||
         type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T ||
         type.Name == "IAsyncEnumerable");
}
