using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK006's rewrite of a recognised race: the race becomes a direct wait inside a <c>try</c>
/// whose <c>catch (OperationCanceledException) when (...)</c> runs what the code ran on timeout.
/// </summary>
internal static class TimeoutRaceRewriter
{
    public static StatementSyntax? Rewrite(StatementSyntax current, TimeoutRace race, string source, string? token, string newLine)
    {
        if (race.Kind != TimeoutRaceKind.WhenAny)
        {
            return RewriteWaitAsync(current, race, source, token, newLine);
        }

        var awaited = race.Work is not null
            ? IdentifierName(race.Work)
            : current is ExpressionStatementSyntax { Expression: AwaitExpressionSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } } }
                ? access.Expression
                : null;
        if (awaited is null)
        {
            return null;
        }

        var original = race.Removed ?? current;
        var trailing = original.GetTrailingTrivia();
        if (!original.GetLastToken().IsKind(SyntaxKind.CloseBraceToken) && !NextStartsWithBlankLine(race.Removed ?? race.Statement))
        {
            // The new statement ends with a brace: keep the file's blank line after blocks.
            trailing = trailing.Add(EndOfLine(newLine));
        }

        return CancellationRewriter.AwaitOrThrowOnTimeout(awaited, source, token, race.OnTimeout, newLine, race.OnSuccess)
            .WithLeadingTrivia(current.GetLeadingTrivia())
            .WithTrailingTrivia(trailing);
    }

    /// <summary>The awaited <c>X.WaitAsync(...)</c> becomes <c>X</c>; then the catch or a new <c>try</c> turns the timeout's cancellation into what the code handled before.</summary>
    private static StatementSyntax? RewriteWaitAsync(StatementSyntax current, TimeoutRace race, string source, string? token, string newLine)
    {
        var waits = current.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Parent is AwaitExpressionSyntax && i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WaitAsync" })
            .ToList();
        if (waits.Count != 1)
        {
            return null;
        }

        var work = ((MemberAccessExpressionSyntax)waits[0].Expression).Expression.WithTriviaFrom(waits[0]);
        var unwrapped = current.ReplaceNode(waits[0], work);
        var condition = ParseExpression(token is null
            ? $"{source}.IsCancellationRequested"
            : $"{source}.IsCancellationRequested && !{token}.IsCancellationRequested");

        if (race.Kind == TimeoutRaceKind.WaitAsyncCaught)
        {
            var tryStatement = (TryStatementSyntax)unwrapped;
            var clause = tryStatement.Catches.First(c => c.Declaration?.Type is { } type && type.ToString().EndsWith("TimeoutException", System.StringComparison.Ordinal));
            var rewritten = clause
                .WithDeclaration(CatchDeclaration(IdentifierName("OperationCanceledException")).WithLeadingTrivia(clause.Declaration!.GetLeadingTrivia()).WithTrailingTrivia(Space))
                .WithFilter(CatchFilterClause(condition).WithTrailingTrivia(clause.Declaration!.GetTrailingTrivia()));
            return tryStatement.ReplaceNode(clause, rewritten);
        }

        StatementSyntax body = unwrapped.WithoutLeadingTrivia().WithoutTrailingTrivia();
        if (unwrapped is LocalDeclarationStatementSyntax declaration)
        {
            // var v = await X;  ->  (T v; declared before)  try { v = await X; } ...
            var variable = declaration.Declaration.Variables[0];
            body = ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(variable.Identifier.ValueText), variable.Initializer!.Value.WithoutTrivia()));
        }

        var tryCatch = TryStatement(
                Block(body),
                SingletonList(CatchClause(CatchDeclaration(IdentifierName("OperationCanceledException")), CatchFilterClause(condition), Block(race.OnTimeout))),
                @finally: null)
            .NormalizeWhitespace(eol: newLine)
            .WithAdditionalAnnotations(Formatter.Annotation);
        var trailing = current.GetTrailingTrivia();
        if (!NextStartsWithBlankLine(race.Statement))
        {
            trailing = trailing.Add(EndOfLine(newLine));
        }

        return tryCatch
            .WithLeadingTrivia(unwrapped is LocalDeclarationStatementSyntax ? Layout.Indentation(race.Statement) : current.GetLeadingTrivia())
            .WithTrailingTrivia(trailing);
    }

    /// <summary><c>T v;</c> for a <c>var v = await X.WaitAsync(t);</c> whose assignment moves into the <c>try</c>.</summary>
    public static StatementSyntax? SplitDeclaration(TimeoutRace race, SemanticModel model, CancellationToken cancellationToken)
    {
        if (race.Statement is not LocalDeclarationStatementSyntax declaration)
        {
            return null;
        }

        var variable = declaration.Declaration.Variables[0];
        // The awaited value's type as written by a person (`string`, not the `string?` a var local gets).
        if (model.GetDeclaredSymbol(variable, cancellationToken) is not ILocalSymbol local ||
            variable.Initializer is null ||
            model.GetTypeInfo(variable.Initializer.Value, cancellationToken).Type is not { } type ||
            type.TypeKind == TypeKind.Error || type.IsAnonymousType)
        {
            return null;
        }

        var typeText = declaration.Declaration.Type.IsVar ? type.ToMinimalDisplayString(model, declaration.SpanStart) : declaration.Declaration.Type.ToString();
        return ParseStatement($"{typeText} {local.Name};");
    }

    private static bool NextStartsWithBlankLine(StatementSyntax statement)
    {
        if (statement.Parent is not BlockSyntax block)
        {
            return true;
        }

        var index = block.Statements.IndexOf(statement);
        return index < 0 || index == block.Statements.Count - 1 ||
               block.Statements[index + 1].GetLeadingTrivia().FirstOrDefault().IsKind(SyntaxKind.EndOfLineTrivia);
    }
}
