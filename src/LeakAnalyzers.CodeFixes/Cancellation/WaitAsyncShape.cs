using System.Linq;
using System.Threading;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>Recognises the awaited <c>X.WaitAsync(...)</c> shapes the rewrite keeps the meaning of.</summary>
internal static class WaitAsyncShape
{
    /// <summary>
    /// <c>X.WaitAsync(timeout)</c> or <c>X.WaitAsync(timeout, token)</c> (a <c>TimeSpan</c>, arguments
    /// in order), awaited (or <c>ConfigureAwait</c>ed and awaited) in one of two places: inside a
    /// <c>try</c> whose <c>catch (TimeoutException)</c> handles it (the only wait there), or in an
    /// expression statement, a <c>return</c> or a one-variable declaration: anywhere when it awaits
    /// nothing else, first when it does (then the wait's value is taken into a local before it).
    /// </summary>
    public static TimeoutRace? Recognise(InvocationExpressionSyntax waiting, AwaitExpressionSyntax awaitExpression, IMethodSymbol method, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        if (waiting.Expression is not MemberAccessExpressionSyntax ||
            method.Parameters.Length is not (1 or 2) ||
            !TimeoutParameters.IsTimeSpan(method.Parameters[0].Type) ||
            (method.Parameters.Length == 2 && !types.IsToken(method.Parameters[1].Type)) ||
            waiting.ArgumentList.Arguments.Count != method.Parameters.Length ||
            waiting.ArgumentList.Arguments.Any(argument => argument.NameColon is not null))
        {
            return null;
        }

        var timeout = waiting.ArgumentList.Arguments[0].Expression;
        var callerToken = method.Parameters.Length == 2 ? waiting.ArgumentList.Arguments[1].Expression : null;
        if (callerToken is not null && model.GetOperation(callerToken, cancellationToken) is { } tokenOperation && !TokenArguments.IsRealToken(tokenOperation))
        {
            callerToken = null;
        }

        if (awaitExpression.Ancestors().OfType<TryStatementSyntax>().Any(enclosing => enclosing.Block.Span.Contains(waiting.Span) &&
                enclosing.Catches.Any(clause => CatchReadsWork(clause, waiting, model, cancellationToken))))
        {
            // A catch around the wait reads the work (or the tasks it came from): on timeout it would now read cancelled or faulted tasks.
            return null;
        }

        var rethrow = SingletonList(ParseStatement("throw new TimeoutException();"));
        var statement = awaitExpression.FirstAncestorOrSelf<StatementSyntax>();
        if (statement?.FirstAncestorOrSelf<TryStatementSyntax>() is { } tryStatement &&
            tryStatement.Block.Span.Contains(waiting.Span) &&
            tryStatement.Parent is BlockSyntax &&
            !waiting.Ancestors().TakeWhile(a => a != tryStatement).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) &&
            TimeoutCatch(tryStatement, model, cancellationToken) is not null &&
            tryStatement.Block.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Count(access => access.Name.Identifier.ValueText is "WaitAsync" or "Wait") == 1)
        {
            return new TimeoutRace(TimeoutRaceKind.WaitAsyncCaught, tryStatement, timeout, rethrow) { CallerToken = callerToken };
        }

        // The statement the wait is in, whole: what follows the wait in it did not run on timeout, and still does not.
        var whole = awaitExpression.FirstAncestorOrSelf<StatementSyntax>();
        var declaration = whole as LocalDeclarationStatementSyntax;
        if (whole is not { Parent: BlockSyntax } ||
            waiting.Ancestors().TakeWhile(a => a != whole).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) ||
            !(declaration is not null
                ? declaration.UsingKeyword.IsKind(SyntaxKind.None) && declaration.Modifiers.Count == 0 && declaration.Declaration.Variables.Count == 1
                : whole is ExpressionStatementSyntax or ReturnStatementSyntax))
        {
            return null;
        }

        if (whole.DescendantNodes(node => node is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).OfType<AwaitExpressionSyntax>().Count() == 1)
        {
            return new TimeoutRace(TimeoutRaceKind.WaitAsync, whole, timeout, rethrow) { CallerToken = callerToken, DeclaresResult = declaration is not null };
        }

        // return await X.WaitAsync(t) + await Next();  ->  T result; try { result = await X; } ...  return result + await Next();
        // (only when the wait is what the statement evaluates first: nothing before it moves into the try)
        return RaceSyntax.EvaluatedFirst(RaceSyntax.ValueOf(whole)) == awaitExpression
            ? new TimeoutRace(TimeoutRaceKind.WaitAsync, whole, timeout, rethrow) { CallerToken = callerToken, Hoisted = awaitExpression }
            : null;
    }

    /// <summary>Whether the catch reads the waited task or the task locals it came from: it would now read cancelled or faulted tasks.</summary>
    private static bool CatchReadsWork(CatchClauseSyntax timeoutCatch, InvocationExpressionSyntax waiting, SemanticModel model, CancellationToken cancellationToken)
    {
        var waited = waiting.Expression is MemberAccessExpressionSyntax access
            ? access.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                .Select(identifier => model.GetSymbolInfo(identifier, cancellationToken).Symbol)
                .OfType<ILocalSymbol>()
                .Where(local => RaceSyntax.IsTaskOrTasks(local.Type))
            : Enumerable.Empty<ILocalSymbol>();
        return RaceSyntax.ReadsAny(timeoutCatch.Block.Statements, RaceSyntax.TaskSources(waited, model, cancellationToken), model, cancellationToken);
    }

    /// <summary>The <c>catch (TimeoutException)</c> of a <c>try</c> (no filter; its variable, if any, unused).</summary>
    private static CatchClauseSyntax? TimeoutCatch(TryStatementSyntax tryStatement, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var clause in tryStatement.Catches)
        {
            if (clause.Declaration is { } declaration &&
                clause.Filter is null &&
                model.GetTypeInfo(declaration.Type, cancellationToken).Type is INamedTypeSymbol { Name: "TimeoutException", ContainingNamespace.Name: "System" } &&
                (declaration.Identifier.IsKind(SyntaxKind.None) ||
                 !clause.Block.DescendantTokens().Any(token => token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == declaration.Identifier.ValueText)))
            {
                return clause;
            }
        }

        return null;
    }
}
