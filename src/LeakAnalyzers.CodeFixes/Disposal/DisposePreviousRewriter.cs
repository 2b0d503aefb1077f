using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// For a response lost by reassignment (a redirect) or by the next iteration of a retry loop
/// whose last response is returned, <c>using</c> would dispose the returned response; the previous
/// one is disposed where it is lost instead: <c>response.Dispose();</c> before the overwrite, or at
/// the end of a <c>while (true)</c> body. The analyzer has checked that no path hands the value
/// over first (hint <see cref="DisposalFixHint.DisposePrevious"/>).
/// </summary>
internal static class DisposePreviousRewriter
{
    public const string Title = "Dispose the previous response before reassigning";

    /// <summary>The fixed document, or null when the rewrite does not apply.</summary>
    public static async Task<Document?> FixAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(DisposalFixHint.Key, out var hint) || hint != DisposalFixHint.DisposePrevious)
        {
            return null;
        }

        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || HeldIn(target, model, cancellationToken) is not { } held)
        {
            return null;
        }

        var rewritten = diagnostic.AdditionalLocations.Count > 0
            ? DisposeBeforeOverwrite(root, root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true), held.Local, model, cancellationToken)
            : DisposeAtEndOfIteration(root, held.Statement, held.Local);
        return rewritten is null
            ? null
            : await Formatter.FormatAsync(document.WithSyntaxRoot(rewritten), Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The local the response is stored in (<c>var r = ...;</c> or <c>r = ...;</c>) and that statement.</summary>
    private static (ILocalSymbol Local, StatementSyntax Statement)? HeldIn(SyntaxNode creation, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var ancestor in creation.Ancestors())
        {
            switch (ancestor)
            {
                case VariableDeclaratorSyntax declarator when declarator.Parent?.Parent is LocalDeclarationStatementSyntax statement &&
                                                              model.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol declared:
                    return (declared, statement);
                case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax statement } assignment when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) &&
                                                                                                          model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is ILocalSymbol assigned:
                    return (assigned, statement);
                case StatementSyntax:
                    return null;
            }
        }

        return null;
    }

    private static SyntaxNode? DisposeBeforeOverwrite(SyntaxNode root, SyntaxNode overwriteNode, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken)
    {
        if (overwriteNode.FirstAncestorOrSelf<AssignmentExpressionSyntax>() is not { Parent: ExpressionStatementSyntax statement } overwrite ||
            overwrite.Right.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(name =>
                name.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local)))
        {
            // The new value is computed from the old one (a Location header read inline): disposing first would change it.
            return null;
        }

        var dispose = DisposeStatement(local, statement);
        switch (statement.Parent)
        {
            case BlockSyntax block:
                return root.ReplaceNode(block, block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(statement), dispose)));
            case SwitchSectionSyntax section:
                return root.ReplaceNode(section, section.WithStatements(section.Statements.Insert(section.Statements.IndexOf(statement), dispose)));
            case IfStatementSyntax or ElseClauseSyntax or WhileStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax or DoStatementSyntax:
                // An embedded statement becomes a block holding both.
                var wrapped = Block(dispose, statement.WithoutLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation);
                return root.ReplaceNode(statement, wrapped.WithTrailingTrivia(statement.GetTrailingTrivia()));
            default:
                return null;
        }
    }

    /// <summary>At the end of the body of a <c>while (true)</c>/<c>for (;;)</c> loop, which only a new iteration follows.</summary>
    private static SyntaxNode? DisposeAtEndOfIteration(SyntaxNode root, StatementSyntax definition, ILocalSymbol local)
    {
        if (definition.Parent is not BlockSyntax body || !IsEndlessLoop(body.Parent) || body.Statements.Count == 0)
        {
            return null;
        }

        var last = body.Statements[body.Statements.Count - 1];
        if (last is ReturnStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or ThrowStatementSyntax ||
            ContinuesLoop(body, body.Parent!))
        {
            // Unreachable after the last statement, or reached from a continue that skips it.
            return null;
        }

        return root.ReplaceNode(body, body.WithStatements(body.Statements.Add(DisposeStatement(local, last))));
    }

    private static bool IsEndlessLoop(SyntaxNode? loop) => loop switch
    {
        WhileStatementSyntax @while => @while.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
        ForStatementSyntax @for => @for.Condition is null || @for.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
        _ => false,
    };

    /// <summary>A <c>continue</c> in the body that targets this loop (not one nested in an inner loop or a lambda).</summary>
    private static bool ContinuesLoop(BlockSyntax body, SyntaxNode loop) =>
        body.DescendantNodes(node => node == body || !(node is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .OfType<ContinueStatementSyntax>()
            .Any();

    private static StatementSyntax DisposeStatement(ILocalSymbol local, StatementSyntax anchor) =>
        ExpressionStatement(InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(local.Name), IdentifierName("Dispose"))))
            .WithLeadingTrivia(Layout.Indentation(anchor))
            .WithTrailingTrivia(EndOfLine(Layout.NewLineOf(anchor)))
            .WithAdditionalAnnotations(Formatter.Annotation);
}
