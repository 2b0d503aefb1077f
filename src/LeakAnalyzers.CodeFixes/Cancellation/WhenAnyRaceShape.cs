using System.Linq;
using System.Threading;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// Recognises a <c>Task.WhenAny(work, Task.Delay(t))</c> race branched on with <c>==</c>/<c>!=</c>
/// against the work: which statements it occupies and what runs on timeout and on success.
/// </summary>
internal static class WhenAnyRaceShape
{
    /// <summary>
    /// <c>if (await Task.WhenAny(work, Task.Delay(t)) != work) { ... }</c> (or <c>==</c>, with or without
    /// <c>else</c>), or <c>var finished = await Task.WhenAny(...);</c> followed by such an <c>if</c> on
    /// <c>finished</c>; null for any other use of the race.
    /// </summary>
    public static TimeoutRace? Recognise(InvocationExpressionSyntax waiting, AwaitExpressionSyntax awaitExpression, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        if (waiting.ArgumentList.Arguments.Count != 2)
        {
            return null;
        }

        // if (await Task.WhenAny(work, Task.Delay(t)) != work) { ...; throw/return }
        // var finished = await Task.WhenAny(work, Task.Delay(t)); if (finished != work) { ...; throw/return }
        StatementSyntax statement;
        IfStatementSyntax? ifStatement;
        IfStatementSyntax? removed = null;
        if (awaitExpression.Parent is BinaryExpressionSyntax { Parent: IfStatementSyntax inline } comparison && comparison.Left == awaitExpression)
        {
            statement = ifStatement = inline;
        }
        else if (awaitExpression.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } &&
                 declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { Parent: BlockSyntax block } declaration } &&
                 declaration.UsingKeyword.IsKind(SyntaxKind.None) &&
                 block.Statements.IndexOf(declaration) + 1 < block.Statements.Count &&
                 block.Statements[block.Statements.IndexOf(declaration) + 1] is IfStatementSyntax { Condition: BinaryExpressionSyntax { Left: IdentifierNameSyntax finished } } next &&
                 finished.Identifier.ValueText == declarator.Identifier.ValueText &&
                 IsOnlyUse(finished, declarator, block, model, cancellationToken))
        {
            statement = declaration;
            ifStatement = removed = next;
        }
        else
        {
            return null;
        }

        if (ifStatement is not { Parent: BlockSyntax, Condition: BinaryExpressionSyntax { Right: IdentifierNameSyntax compared } condition } ||
            !condition.IsKind(SyntaxKind.NotEqualsExpression) && !condition.IsKind(SyntaxKind.EqualsExpression) ||
            model.GetSymbolInfo(compared, cancellationToken).Symbol is not ILocalSymbol workLocal)
        {
            return null;
        }

        // `!= work`: the if branch is the timeout; `== work`: the else branch is (and may be absent).
        var ifBranch = Statements(ifStatement.Statement);
        var elseBranch = ifStatement.Else is { } elseClause ? Statements(elseClause.Statement) : default;
        var (onTimeout, onSuccess) = condition.IsKind(SyntaxKind.NotEqualsExpression) ? (ifBranch, elseBranch) : (elseBranch, ifBranch);
        if (!Exits(onTimeout) && ReadAfter(workLocal, ifStatement, model, cancellationToken))
        {
            // The code after the race reads the work: it would now meet a cancelled task where it met a running one.
            return null;
        }

        ExpressionSyntax? timeout = null;
        var raced = false;
        foreach (var argument in waiting.ArgumentList.Arguments)
        {
            if (argument.Expression is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(argument.Expression, cancellationToken).Symbol, workLocal))
            {
                raced = true;
            }
            else if (argument.Expression is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } delay &&
                     model.GetOperation(delay, cancellationToken) is IInvocationOperation { TargetMethod.IsStatic: true } delayOperation &&
                     types.IsTaskMethod(delayOperation.TargetMethod, "Delay"))
            {
                timeout = delay.ArgumentList.Arguments[0].Expression;
            }
        }

        return raced && timeout is not null ? new TimeoutRace(statement, removed, timeout, compared.Identifier.ValueText, onTimeout) { OnSuccess = onSuccess } : null;
    }


    internal static SyntaxList<StatementSyntax> Statements(StatementSyntax body) =>
        body is BlockSyntax block ? block.Statements : SingletonList(body);

    /// <summary>A branch that always leaves (ends with <c>throw</c> or <c>return</c>).</summary>
    internal static bool Exits(SyntaxList<StatementSyntax> statements) =>
        statements.LastOrDefault() is ThrowStatementSyntax { Expression: not null } or ReturnStatementSyntax;

    /// <summary>Whether the local is named in the statements after <paramref name="statement"/> in its block.</summary>
    internal static bool ReadAfter(ILocalSymbol local, StatementSyntax statement, SemanticModel model, CancellationToken cancellationToken)
    {
        var block = (BlockSyntax)statement.Parent!;
        return block.Statements.Skip(block.Statements.IndexOf(statement) + 1)
            .SelectMany(following => following.DescendantNodes().OfType<IdentifierNameSyntax>())
            .Any(identifier => identifier.Identifier.ValueText == local.Name &&
                               SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local));
    }

    /// <summary>The WhenAny result is read only by the <c>if</c> that follows it.</summary>
    internal static bool IsOnlyUse(IdentifierNameSyntax use, VariableDeclaratorSyntax declarator, BlockSyntax block, SemanticModel model, CancellationToken cancellationToken)
    {
        var local = model.GetDeclaredSymbol(declarator, cancellationToken);
        return local is not null && block.DescendantNodes().OfType<IdentifierNameSyntax>().All(identifier =>
            identifier == use ||
            identifier.Identifier.ValueText != local.Name ||
            !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local));
    }
}
