using System.Collections.Generic;
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
    /// <summary>Marks the waiting invocation in the document being edited, so the rewrite finds it after the token edits.</summary>
    public static readonly SyntaxAnnotation WaitAnnotation = new("LeakAnalyzers.TimeoutWait");

    public static StatementSyntax? Rewrite(StatementSyntax current, TimeoutRace race, string source, string? token, string newLine)
    {
        var condition = ParseExpression(token is null
            ? $"{source}.IsCancellationRequested"
            : $"{source}.IsCancellationRequested && !{token}.IsCancellationRequested");
        var wait = current.GetAnnotatedNodes(WaitAnnotation).OfType<InvocationExpressionSyntax>().FirstOrDefault();
        List<StatementSyntax> body;
        switch (race.Kind)
        {
            case TimeoutRaceKind.WhenAny when race.Work is not null:
                // if (await Task.WhenAny(work, delay) != work) ...  ->  try { await work; <success> }
                body = race.SuccessAwaitsWork ? new List<StatementSyntax>() : new List<StatementSyntax> { ExpressionStatement(AwaitExpression(IdentifierName(race.Work))) };
                body.AddRange(race.OnSuccess);
                break;
            case TimeoutRaceKind.BlockingWait when wait is not null:
                // if (!work.Wait(t)) ...  ->  try { work.Wait(cts.Token); <success> }
                body = new List<StatementSyntax> { ExpressionStatement(BlockingWaitShape.WithToken(wait.WithoutTrivia(), ParseExpression(source + ".Token"), race.DroppedDelay)) };
                body.AddRange(race.OnSuccess);
                break;
            case TimeoutRaceKind.WaitAsync or TimeoutRaceKind.WaitAsyncCaught when wait is { Expression: MemberAccessExpressionSyntax access }:
                // X.WaitAsync(t) becomes X; the catch (new or rewritten) turns the timeout's cancellation into what the code did before.
                var unwrapped = current.ReplaceNode(wait, access.Expression.WithTriviaFrom(wait));
                if (race.Kind == TimeoutRaceKind.WaitAsyncCaught)
                {
                    return CatchTimeoutCancellation((TryStatementSyntax)unwrapped, condition);
                }

                if (race.HoistedInto is { } local && wait.Ancestors().OfType<AwaitExpressionSyntax>().FirstOrDefault() is { } awaitExpression)
                {
                    // result = await X;  (the statement itself follows the try)
                    var awaited = awaitExpression.ReplaceNode(wait, access.Expression.WithTriviaFrom(wait)).WithoutTrivia();
                    body = new List<StatementSyntax> { ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(local), awaited)) };
                    break;
                }

                body = new List<StatementSyntax>
                {
                    unwrapped is LocalDeclarationStatementSyntax declaration
                        ? AssignInitializer(declaration)
                        : unwrapped.WithoutLeadingTrivia().WithoutTrailingTrivia(),
                };
                break;
            default:
                return null;
        }

        var tryStatement = TryStatement(
                Block(body.Select(statement => statement.WithoutTrivia())),
                SingletonList(CatchClause(CatchDeclaration(IdentifierName("OperationCanceledException")), CatchFilterClause(condition), Block(race.OnTimeout.Select(statement => statement.WithoutTrivia())))),
                @finally: null)
            .NormalizeWhitespace(eol: newLine)
            .WithAdditionalAnnotations(Formatter.Annotation);

        // The statement now ends with a brace: keep the file's blank line after blocks.
        var last = race.Removed ?? race.Statement;
        var trailing = race.HoistedInto is null ? (race.Removed ?? current).GetTrailingTrivia() : TriviaList(EndOfLine(newLine));
        if (race.HoistedInto is not null || (!last.GetLastToken().IsKind(SyntaxKind.CloseBraceToken) && !NextStartsWithBlankLine(last)))
        {
            trailing = trailing.Add(EndOfLine(newLine));
        }

        // A split declaration (or the local a hoisted wait goes into) took the comments on the `T v;` above.
        return tryStatement
            .WithLeadingTrivia(race.DeclaresResult || race.HoistedInto is not null ? Layout.Indentation(race.Statement) : current.GetLeadingTrivia())
            .WithTrailingTrivia(trailing);
    }

    /// <summary><c>catch (TimeoutException)</c> becomes <c>catch (OperationCanceledException) when (...)</c>.</summary>
    private static StatementSyntax CatchTimeoutCancellation(TryStatementSyntax tryStatement, ExpressionSyntax condition)
    {
        var clause = tryStatement.Catches.First(c => c.Declaration?.Type is { } type && type.ToString().EndsWith("TimeoutException", System.StringComparison.Ordinal));
        var rewritten = clause
            .WithDeclaration(CatchDeclaration(IdentifierName("OperationCanceledException")).WithLeadingTrivia(clause.Declaration!.GetLeadingTrivia()).WithTrailingTrivia(Space))
            .WithFilter(CatchFilterClause(condition).WithTrailingTrivia(clause.Declaration!.GetTrailingTrivia()));
        return tryStatement.ReplaceNode(clause, rewritten);
    }

    /// <summary><c>var v = value;</c>  -&gt;  <c>v = value;</c> (<c>T v;</c> is declared before the <c>try</c>).</summary>
    private static StatementSyntax AssignInitializer(LocalDeclarationStatementSyntax declaration)
    {
        var variable = declaration.Declaration.Variables[0];
        return ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(variable.Identifier.ValueText), variable.Initializer!.Value.WithoutTrivia()));
    }

    /// <summary><c>T v;</c> for a <c>var v = ...;</c> whose assignment moves into the <c>try</c> (and the <c>catch</c>).</summary>
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
