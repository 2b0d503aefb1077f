using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Infrastructure;

/// <summary>
/// Turns the expression body of a method, local function or lambda (<c>=&gt; expr</c>) into a
/// block body, for fixes that need statements where there was one expression.
/// </summary>
internal static class ExpressionBodyToBlock
{
    /// <summary>The expression body (<c>=&gt; ...</c> of a method, local function or lambda) the expression is in, if no statement is closer.</summary>
    public static (SyntaxNode Owner, ExpressionSyntax Expression)? Containing(ExpressionSyntax expression)
    {
        foreach (var ancestor in expression.Ancestors())
        {
            switch (ancestor)
            {
                case StatementSyntax:
                    return null;
                case ArrowExpressionClauseSyntax { Parent: MethodDeclarationSyntax or LocalFunctionStatementSyntax } arrow:
                    return (arrow.Parent!, arrow.Expression);
                case LambdaExpressionSyntax { ExpressionBody: { } lambdaBody } lambda when lambdaBody.Span.Contains(expression.Span):
                    return (lambda, lambdaBody);
                case MemberDeclarationSyntax:
                    return null;
            }
        }

        return null;
    }

    /// <summary>Whether <c>=&gt; expr</c> returns <c>expr</c>'s value (not for void, async Task or async ValueTask).</summary>
    public static bool ReturnsValue(IMethodSymbol function)
    {
        if (function.ReturnsVoid)
        {
            return false;
        }

        if (!function.IsAsync)
        {
            return true;
        }

        var returnType = function.ReturnType.OriginalDefinition.ToDisplayString();
        return returnType is not ("System.Threading.Tasks.Task" or "System.Threading.Tasks.ValueTask");
    }

    /// <summary>
    /// <paramref name="root"/> with <paramref name="owner"/>'s expression body replaced by <paramref name="block"/>
    /// (build it with <see cref="Layout.MultilineBlock"/>); null for an owner that has no such body.
    /// </summary>
    public static SyntaxNode? Replace(SyntaxNode root, SyntaxNode owner, BlockSyntax block)
    {
        switch (owner)
        {
            case MethodDeclarationSyntax method:
                return root.ReplaceNode(method, method
                    .WithExpressionBody(null)
                    .WithSemicolonToken(default)
                    .WithBody(block.WithTrailingTrivia(method.SemicolonToken.TrailingTrivia))
                    .WithParameterList(method.ParameterList.WithTrailingTrivia(EndOfLine(Layout.NewLineOf(method))))
                    .WithAdditionalAnnotations(Formatter.Annotation));
            case LocalFunctionStatementSyntax localFunction:
                return root.ReplaceNode(localFunction, localFunction
                    .WithExpressionBody(null)
                    .WithSemicolonToken(default)
                    .WithBody(block.WithTrailingTrivia(localFunction.SemicolonToken.TrailingTrivia))
                    .WithParameterList(localFunction.ParameterList.WithTrailingTrivia(EndOfLine(Layout.NewLineOf(localFunction))))
                    .WithAdditionalAnnotations(Formatter.Annotation));
            case LambdaExpressionSyntax lambda:
                return root.ReplaceNode(lambda, lambda
                    .WithArrowToken(lambda.ArrowToken.WithTrailingTrivia(EndOfLine(Layout.NewLineOf(lambda))))
                    .WithExpressionBody(null)
                    .WithBlock(block)
                    .WithAdditionalAnnotations(Formatter.Annotation));
            default:
                return null;
        }
    }
}
