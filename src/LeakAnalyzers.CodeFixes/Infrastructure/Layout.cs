using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Infrastructure;

/// <summary>Indentation and line breaks copied from the code being fixed, so new statements match it.</summary>
internal static class Layout
{
    /// <summary>The whitespace that starts the statement's own line.</summary>
    public static SyntaxTriviaList Indentation(StatementSyntax statement)
    {
        var leading = statement.GetLeadingTrivia();
        var lastLineStart = 0;
        for (var i = 0; i < leading.Count; i++)
        {
            if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                lastLineStart = i + 1;
            }
        }

        return TriviaList(leading.Skip(lastLineStart).Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
    }

    /// <summary>The line break the document uses: the node's own, else the first one in its tree, else "\n".</summary>
    public static string NewLineOf(SyntaxNode node)
    {
        var endOfLine = node.GetTrailingTrivia().Concat(node.SyntaxTree.GetRoot().DescendantTrivia()).FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine.ToFullString() : "\n";
    }

    /// <summary>A block with each brace and statement on its own line; the formatter then indents it.</summary>
    public static BlockSyntax MultilineBlock(IEnumerable<StatementSyntax> statements, string newLine) =>
        Block(
                Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(EndOfLine(newLine)),
                List(statements.Select(statement => statement.WithTrailingTrivia(EndOfLine(newLine)))),
                Token(SyntaxKind.CloseBraceToken))
            .WithAdditionalAnnotations(Formatter.Annotation);
}
