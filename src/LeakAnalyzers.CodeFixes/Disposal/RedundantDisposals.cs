using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// Once a <c>using</c> disposes a local, an explicit <c>x.Dispose();</c> or <c>await x.DisposeAsync();</c>
/// later in the same block only repeats it, and goes. <c>x.Close();</c> / <c>await x.CloseAsync();</c>
/// goes too when nothing uses the local after it (before that, it ended the local's use early, which the
/// end of the block now does). Only statements directly in the block: one in a branch or loop
/// may be the disposal of a path the using does not change the meaning of, and stays.
/// </summary>
internal static class RedundantDisposals
{
    /// <summary>The block with <paramref name="declaration"/> replaced by <paramref name="usingDeclaration"/> and the explicit disposals after it removed.</summary>
    public static BlockSyntax Remove(BlockSyntax block, StatementSyntax declaration, StatementSyntax usingDeclaration, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken)
    {
        var function = declaration.Ancestors().FirstOrDefault(node => node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) ?? block;
        var after = block.Statements.Skip(block.Statements.IndexOf(declaration) + 1);
        var redundant = new HashSet<StatementSyntax>(after.Where(statement => IsRedundant(statement, function, local, model, cancellationToken)));

        var kept = new List<StatementSyntax>();
        var carried = SyntaxFactory.TriviaList();
        foreach (var statement in block.Statements)
        {
            if (redundant.Contains(statement))
            {
                // Its comments and the blank line before it stay: they go onto the next line of code.
                carried = carried.AddRange(WholeLines(statement.GetLeadingTrivia()));
                continue;
            }

            var current = statement == declaration ? usingDeclaration : statement;
            var leading = current.GetLeadingTrivia();
            kept.Add(HasComment(carried) || !StartsWithBlankLine(leading) ? current.WithLeadingTrivia(carried.AddRange(leading)) : current);
            carried = SyntaxFactory.TriviaList();
        }

        var closeBrace = block.CloseBraceToken;
        if (HasComment(carried))
        {
            closeBrace = closeBrace.WithLeadingTrivia(carried.AddRange(closeBrace.LeadingTrivia));
        }

        return block.WithStatements(SyntaxFactory.List(kept)).WithCloseBraceToken(closeBrace);
    }

    /// <summary>The statement's leading trivia up to its last line break: its blank lines and comment lines, without the indentation of the removed code.</summary>
    private static SyntaxTriviaList WholeLines(SyntaxTriviaList leading)
    {
        var lastLineBreak = leading.Count - 1;
        while (lastLineBreak >= 0 && !leading[lastLineBreak].IsKind(SyntaxKind.EndOfLineTrivia))
        {
            lastLineBreak--;
        }

        return SyntaxFactory.TriviaList(leading.Take(lastLineBreak + 1));
    }

    private static bool HasComment(SyntaxTriviaList trivia) =>
        trivia.Any(item => item.IsKind(SyntaxKind.SingleLineCommentTrivia) || item.IsKind(SyntaxKind.MultiLineCommentTrivia));

    private static bool StartsWithBlankLine(SyntaxTriviaList trivia) =>
        trivia.SkipWhile(item => item.IsKind(SyntaxKind.WhitespaceTrivia)).FirstOrDefault().IsKind(SyntaxKind.EndOfLineTrivia);

    private static bool IsRedundant(StatementSyntax statement, SyntaxNode function, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetOperation(statement, cancellationToken) is not IExpressionStatementOperation { Operation: var operation })
        {
            return false;
        }

        var awaited = operation is IAwaitOperation;
        var call = operation is IAwaitOperation awaitOperation ? awaitOperation.Operation : operation;
        if (call is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured } && awaited)
        {
            call = configured;
        }

        if (call is not IInvocationOperation { Arguments.Length: 0, Instance: ILocalReferenceOperation receiver, TargetMethod.Name: var name } ||
            !SymbolEqualityComparer.Default.Equals(receiver.Local, local))
        {
            return false;
        }

        return (name, awaited) switch
        {
            ("Dispose", false) or ("DisposeAsync", true) => true,
            ("Close", false) or ("CloseAsync", true) => !IsUsedAfter(statement, function, local, model, cancellationToken),
            _ => false,
        };
    }

    private static bool IsUsedAfter(StatementSyntax statement, SyntaxNode function, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken) =>
        function.DescendantNodes().OfType<IdentifierNameSyntax>().Any(identifier =>
            identifier.SpanStart > statement.Span.End &&
            identifier.Identifier.ValueText == local.Name &&
            SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local));
}
