using System.Linq;
using System.Threading;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>Recognises the awaited <c>X.WaitAsync(...)</c> shapes the rewrite keeps the meaning of.</summary>
internal static class WaitAsyncShape
{
    /// <summary><c>X.WaitAsync(token)</c>: a wait bounded only by a token the work never sees.</summary>
    public static bool IsTokenOnlyWait(IInvocationOperation invocation, CancellationTypes types) =>
        !invocation.TargetMethod.IsStatic &&
        types.IsTaskMethod(invocation.TargetMethod, "WaitAsync") &&
        invocation.TargetMethod.Parameters.Length == 1 &&
        types.IsToken(invocation.TargetMethod.Parameters[0].Type) &&
        invocation.Arguments.Length == 1 &&
        TokenArguments.IsRealToken(invocation.Arguments[0].Value);

    /// <summary>
    /// <c>X.WaitAsync(timeout)</c> or <c>X.WaitAsync(timeout, token)</c> (a named <c>TimeSpan</c>
    /// argument, written in order), awaited in one of three places: inside a <c>try</c> whose
    /// <c>catch (TimeoutException)</c> handles it (the only wait there), or as the whole of
    /// <c>await ...;</c>, <c>return await ...;</c> or a one-variable <c>var v = await ...;</c>.
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

        var rethrow = SingletonList(ParseStatement("throw new TimeoutException();"));
        var statement = awaitExpression.FirstAncestorOrSelf<StatementSyntax>();
        if (statement?.FirstAncestorOrSelf<TryStatementSyntax>() is { } tryStatement &&
            tryStatement.Block.Span.Contains(waiting.Span) &&
            tryStatement.Parent is BlockSyntax &&
            !waiting.Ancestors().TakeWhile(a => a != tryStatement).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) &&
            TimeoutCatch(tryStatement, model, cancellationToken) is not null &&
            tryStatement.Block.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Count(access => access.Name.Identifier.ValueText is "WaitAsync" or "Wait") == 1)
        {
            return new TimeoutRace(tryStatement, removed: null, timeout, work: null, rethrow, TimeoutRaceKind.WaitAsyncCaught, callerToken);
        }

        var whole = awaitExpression.Parent switch
        {
            ExpressionStatementSyntax expressionStatement => expressionStatement,
            ReturnStatementSyntax returnStatement => returnStatement,
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax declaration } } }
                when declaration.UsingKeyword.IsKind(SyntaxKind.None) && declaration.Modifiers.Count == 0 => (StatementSyntax)declaration,
            _ => null,
        };
        return whole is { Parent: BlockSyntax }
            ? new TimeoutRace(whole, removed: null, timeout, work: null, rethrow, TimeoutRaceKind.WaitAsync, callerToken)
            : null;
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
