using System.Collections.Generic;
using System.Linq;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK004 "bound the work", step 3: the source that cancels after the default timeout, declared first
/// inside the background work's lambda, laid out like the code around it.
/// </summary>
internal static class BoundWorkSource
{
    /// <summary>
    /// The lambda with the source declared first in its body: <c>using var</c> (C# 8) or a <c>using</c>
    /// statement around the body. An expression body becomes a block (<c>[return] [await] expression;</c>)
    /// whose braces line up with the line the lambda starts on; a result to dispose is declared
    /// <c>using var response = await ...;</c> (C# 8) or disposed by <c>(await ...).Dispose();</c>.
    /// </summary>
    public static AnonymousFunctionExpressionSyntax DeclareIn(
        AnonymousFunctionExpressionSyntax lambda, string source, string? host, ExpressionSyntax timeout, bool usingDeclarations, bool makeAsync, bool returnsValue, Body body, Indentation layout)
    {
        var creation = host is null
            ? $"new CancellationTokenSource({timeout})"
            : $"CancellationTokenSource.CreateLinkedTokenSource({host})";
        var cancelAfter = host is null ? null : ParseStatement($"{source}.CancelAfter({timeout});");
        var isAsync = makeAsync || !lambda.AsyncKeyword.IsKind(SyntaxKind.None);
        var endOfLine = EndOfLine(layout.NewLine);

        BlockSyntax block;
        string inner;
        if (lambda.Block is { } existing)
        {
            block = existing;
            inner = existing.Statements.Count > 0 ? Layout.Indentation(existing.Statements[0]).ToFullString() : layout.Line + layout.Unit;
        }
        else
        {
            var expression = lambda.ExpressionBody!.WithoutTrivia();
            if (makeAsync)
            {
                expression = AwaitExpression(Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(Space), expression);
            }

            inner = layout.Line + layout.Unit;
            var statement = body.DisposeResultAs is { } disposed
                ? usingDeclarations
                    ? ParseStatement($"using var {disposed} = {expression.ToFullString()};")
                    : ExpressionStatement(InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ParenthesizedExpression(expression), IdentifierName("Dispose"))))
                : returnsValue ? ReturnStatement(expression) : ExpressionStatement(expression);
            block = Block(
                Token(TriviaList(Whitespace(layout.Line)), SyntaxKind.OpenBraceToken, TriviaList(endOfLine)),
                SingletonList(statement.WithLeadingTrivia(Whitespace(inner)).WithTrailingTrivia(endOfLine)),
                Token(TriviaList(Whitespace(layout.Line)), SyntaxKind.CloseBraceToken, default));
        }

        StatementSyntax OnLine(StatementSyntax statement, string indentation) =>
            statement.WithLeadingTrivia(Whitespace(indentation)).WithTrailingTrivia(endOfLine);

        if (usingDeclarations)
        {
            var added = new List<StatementSyntax> { OnLine(ParseStatement($"using var {source} = {creation};"), inner) };
            if (cancelAfter is not null)
            {
                added.Add(OnLine(cancelAfter, inner));
            }

            block = block.WithStatements(block.Statements.InsertRange(body.KeepBefore, added));
        }
        else
        {
            // using (var cts = ...) { <the body, one level deeper> }
            var deeper = inner + layout.Unit;
            var statements = block.Statements.Skip(body.KeepBefore).Select(statement => Indent(statement, layout.Unit)).ToList();
            if (cancelAfter is not null)
            {
                statements.Insert(0, OnLine(cancelAfter, deeper));
            }

            var usingStatement = UsingStatement(
                    ((LocalDeclarationStatementSyntax)ParseStatement($"var {source} = {creation};")).Declaration,
                    null,
                    Block(
                        Token(TriviaList(Whitespace(inner)), SyntaxKind.OpenBraceToken, TriviaList(endOfLine)),
                        List(statements),
                        Token(TriviaList(Whitespace(inner)), SyntaxKind.CloseBraceToken, TriviaList(endOfLine))))
                .WithUsingKeyword(Token(TriviaList(Whitespace(inner)), SyntaxKind.UsingKeyword, TriviaList(Space)))
                .WithCloseParenToken(Token(default, SyntaxKind.CloseParenToken, TriviaList(endOfLine)));
            block = block.WithStatements(List(block.Statements.Take(body.KeepBefore).Append(usingStatement)));
        }

        var result = lambda switch
        {
            ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized
                .WithArrowToken(parenthesized.ArrowToken.WithTrailingTrivia(endOfLine))
                .WithExpressionBody(null)
                .WithBlock(block),
            SimpleLambdaExpressionSyntax simple => simple
                .WithArrowToken(simple.ArrowToken.WithTrailingTrivia(endOfLine))
                .WithExpressionBody(null)
                .WithBlock(block),
            AnonymousMethodExpressionSyntax anonymous => anonymous.WithBlock(block),
            _ => lambda,
        };
        if (isAsync && result.AsyncKeyword.IsKind(SyntaxKind.None))
        {
            result = result.WithAsyncKeyword(Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space));
        }

        return result;
    }

    /// <summary>Moves every line of <paramref name="node"/> one indentation unit to the right.</summary>
    private static T Indent<T>(T node, string unit)
        where T : SyntaxNode
    {
        var lineStarts = new HashSet<SyntaxToken>();
        foreach (var token in node.DescendantTokens())
        {
            var previous = token.GetPreviousToken();
            if (token == node.GetFirstToken() || previous.TrailingTrivia.Any(trivia => trivia.IsKind(SyntaxKind.EndOfLineTrivia)))
            {
                lineStarts.Add(token);
            }
        }

        return node.ReplaceTokens(lineStarts, (original, current) =>
        {
            var leading = current.LeadingTrivia;
            var last = leading.Count - 1;
            return last >= 0 && leading[last].IsKind(SyntaxKind.WhitespaceTrivia)
                ? current.WithLeadingTrivia(leading.Replace(leading[last], Whitespace(leading[last].ToString() + unit)))
                : current.WithLeadingTrivia(leading.Add(Whitespace(unit)));
        });
    }

    /// <summary>What the work's body keeps around the source.</summary>
    public readonly struct Body
    {
        /// <param name="keepBefore">Statements at the top of the block that stay above the source (waits before the work).</param>
        /// <param name="disposeResultAs">The name of the work's result when it is disposed instead of returned.</param>
        public Body(int keepBefore, string? disposeResultAs)
        {
            KeepBefore = keepBefore;
            DisposeResultAs = disposeResultAs;
        }

        public int KeepBefore { get; }

        public string? DisposeResultAs { get; }
    }

    /// <summary>How the lines around the lambda are laid out: the indentation of its first line, one level, the line break.</summary>
    public readonly struct Indentation
    {
        public Indentation(SyntaxNode lambda)
        {
            var text = lambda.SyntaxTree.GetText();
            var line = text.Lines.GetLineFromPosition(lambda.SpanStart).ToString();
            Line = line.Substring(0, line.Length - line.TrimStart().Length);
            Unit = Line.Contains("\t") ? "\t" : "    ";
            NewLine = Layout.NewLineOf(lambda);
        }

        public string Line { get; }

        public string Unit { get; }

        public string NewLine { get; }
    }
}
