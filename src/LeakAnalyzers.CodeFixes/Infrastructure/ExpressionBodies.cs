using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Infrastructure;

/// <summary>
/// Expression-bodied methods, local functions and lambdas (<c>=&gt; expr</c>), for fixes that need a
/// statement to declare something before: where such a body is, and the same function with a block body.
/// </summary>
internal static class ExpressionBodies
{
    /// <summary>The expression body (<c>=&gt; ...</c> of a method, local function or lambda) the node is in, if no statement is closer.</summary>
    public static (SyntaxNode Owner, ExpressionSyntax Expression)? Containing(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case StatementSyntax:
                    return null;
                case ArrowExpressionClauseSyntax { Parent: MethodDeclarationSyntax or LocalFunctionStatementSyntax } arrow:
                    return (arrow.Parent!, arrow.Expression);
                case LambdaExpressionSyntax { ExpressionBody: { } lambdaBody } lambda when lambdaBody.Span.Contains(node.Span):
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

    /// <summary>The method, local function or lambda <paramref name="owner"/> with <paramref name="block"/> for its body; null for another node.</summary>
    public static SyntaxNode? WithBlockBody(SyntaxNode owner, BlockSyntax block) => owner switch
    {
        MethodDeclarationSyntax method => method
            .WithExpressionBody(null)
            .WithSemicolonToken(default)
            .WithBody(block.WithTrailingTrivia(method.SemicolonToken.TrailingTrivia))
            .WithParameterList(method.ParameterList.WithTrailingTrivia(EndOfLine(Layout.NewLineOf(method))))
            .WithAdditionalAnnotations(Formatter.Annotation),
        LocalFunctionStatementSyntax localFunction => localFunction
            .WithExpressionBody(null)
            .WithSemicolonToken(default)
            .WithBody(block.WithTrailingTrivia(localFunction.SemicolonToken.TrailingTrivia))
            .WithParameterList(localFunction.ParameterList.WithTrailingTrivia(EndOfLine(Layout.NewLineOf(localFunction))))
            .WithAdditionalAnnotations(Formatter.Annotation),
        LambdaExpressionSyntax lambda => lambda
            .WithArrowToken(lambda.ArrowToken.WithTrailingTrivia(EndOfLine(Layout.NewLineOf(lambda))))
            .WithExpressionBody(null)
            .WithBlock(block)
            .WithAdditionalAnnotations(Formatter.Annotation),
        _ => null,
    };

    /// <summary>
    /// When <paramref name="target"/> is in an expression body, the document with that body turned into
    /// <c>{ return expr; }</c> (or <c>{ expr; }</c>), formatted, and the target in it; null otherwise.
    /// A fix that declares statements before the target's statement then runs on that document.
    /// </summary>
    public static async Task<(Document Document, SyntaxNode Target)?> ToBlockBodyAsync(Document document, SyntaxNode target, CancellationToken cancellationToken)
    {
        if (Containing(target) is not { } body ||
            await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model ||
            await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
        {
            return null;
        }

        var function = body.Owner is LambdaExpressionSyntax
            ? model.GetSymbolInfo(body.Owner, cancellationToken).Symbol as IMethodSymbol
            : model.GetDeclaredSymbol(body.Owner, cancellationToken) as IMethodSymbol;
        if (function is null)
        {
            return null;
        }

        var marker = new SyntaxAnnotation();
        var expression = body.Expression.ReplaceNode(target, target.WithAdditionalAnnotations(marker)).WithoutTrivia();
        StatementSyntax statement = ReturnsValue(function) ? ReturnStatement(expression) : ExpressionStatement(expression);
        var block = Layout.MultilineBlock(new[] { statement }, Layout.NewLineOf(body.Owner));
        if (WithBlockBody(body.Owner, block) is not { } rewritten)
        {
            return null;
        }

        var converted = await Formatter.FormatAsync(document.WithSyntaxRoot(root.ReplaceNode(body.Owner, rewritten)), Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        var convertedRoot = await converted.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return convertedRoot?.GetAnnotatedNodes(marker).FirstOrDefault() is { } found ? (converted, found) : null;
    }

    /// <summary>
    /// <paramref name="fix"/> run on the document with <paramref name="target"/>'s expression body turned into a
    /// block (see <see cref="ToBlockBodyAsync"/>); null when there is no such body or the fix does not apply.
    /// </summary>
    public static async Task<Document?> FixInBlockBodyAsync(Document document, SyntaxNode target, Func<Document, SyntaxNode, Task<Document?>> fix, CancellationToken cancellationToken) =>
        await ToBlockBodyAsync(document, target, cancellationToken).ConfigureAwait(false) is { } converted
            ? await fix(converted.Document, converted.Target).ConfigureAwait(false)
            : null;
}
