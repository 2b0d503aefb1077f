using System.Collections.Generic;
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
/// Recognises a synchronous wait with a timeout: <c>work.Wait(t)</c> and <c>Task.WaitAll(tasks, t)</c>
/// (optionally with a token) whose <c>bool</c> is tested by an <c>if</c>, returned, stored in a new
/// local or discarded, and a discarded <c>Task.WaitAny(tasks, t)</c> or <c>Task.WaitAny(new[] { work, Task.Delay(t) })</c>. The rewrite waits with the
/// source's token instead: <c>Wait(CancellationToken)</c> and <c>WaitAll(tasks, CancellationToken)</c>
/// throw <c>OperationCanceledException</c> when the token is cancelled - also when the same token
/// cancelled the work first, which they report as that exception rather than an
/// <c>AggregateException</c> - so the <c>catch</c> is exactly the old <c>false</c>.
/// </summary>
internal static class BlockingWaitShape
{
    public static TimeoutRace? Recognise(InvocationExpressionSyntax waiting, IInvocationOperation invocation, IReadOnlyList<IOperation> work, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        var method = invocation.TargetMethod;
        var waitAny = method.IsStatic && types.IsTaskMethod(method, "WaitAny");
        if (!(method.IsStatic ? waitAny || types.IsTaskMethod(method, "WaitAll") : types.IsTaskMethod(method, "Wait")) ||
            waiting.ArgumentList.Arguments.Any(argument => argument.NameColon is not null) ||
            waiting.ArgumentList.Arguments.Count != invocation.Arguments.Length ||
            (method.IsStatic && method.Parameters.FirstOrDefault()?.Type is not IArrayTypeSymbol))
        {
            return null;
        }

        ExpressionSyntax? timeout = null;
        ExpressionSyntax? callerToken = null;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is not { } parameter || argument.Syntax is not ArgumentSyntax syntax)
            {
                return null;
            }

            if (types.IsToken(parameter.Type))
            {
                callerToken = TokenArguments.IsRealToken(argument.Value) ? syntax.Expression : null;
            }
            else if (TimeoutParameters.IsBound(parameter.Type, types))
            {
                timeout = syntax.Expression;
            }
        }

        int? droppedDelay = null;
        if (timeout is null && waitAny && RaceSyntax.ArrayElements(waiting.ArgumentList.Arguments[0].Expression) is { Count: > 1 } tasks)
        {
            // Task.WaitAny(new[] { work, Task.Delay(t) }): the delay is the timeout, dropped from the rewritten wait.
            var delays = tasks.Select((task, index) => (Timeout: RaceSyntax.DelayTimeout(task, model, types, cancellationToken), Index: index)).Where(d => d.Timeout is not null).ToList();
            if (delays.Count == 1)
            {
                (timeout, droppedDelay) = (delays[0].Timeout, delays[0].Index);
            }
        }

        if (timeout is null)
        {
            return null;
        }

        var result = RaceSyntax.Outermost(waiting);
        StatementSyntax statement;
        SyntaxList<StatementSyntax> onTimeout = default, onSuccess = default;
        var declaresResult = false;
        switch (result.Parent)
        {
            case ExpressionStatementSyntax { Parent: BlockSyntax } discarded:
                statement = discarded;
                break;
            case IfStatementSyntax { Parent: BlockSyntax } ifStatement when ifStatement.Condition == result && !waitAny:
                statement = ifStatement;
                (onSuccess, onTimeout) = Branches(ifStatement);
                break;
            case PrefixUnaryExpressionSyntax negation when negation.IsKind(SyntaxKind.LogicalNotExpression) &&
                                                           RaceSyntax.Outermost(negation).Parent is IfStatementSyntax { Parent: BlockSyntax } ifStatement &&
                                                           ifStatement.Condition == RaceSyntax.Outermost(negation) && !waitAny:
                statement = ifStatement;
                (onTimeout, onSuccess) = Branches(ifStatement);
                break;
            case ReturnStatementSyntax { Parent: BlockSyntax } returnStatement when !waitAny:
                statement = returnStatement;
                onSuccess = SingletonList<StatementSyntax>(ReturnStatement(Literal(true)));
                onTimeout = SingletonList<StatementSyntax>(ReturnStatement(Literal(false)));
                break;
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { Parent: BlockSyntax } declaration } } declarator }
                when declaration.UsingKeyword.IsKind(SyntaxKind.None) && declaration.Modifiers.Count == 0 && !waitAny:
                statement = declaration;
                declaresResult = true;
                onSuccess = SingletonList(Assign(declarator, true));
                onTimeout = SingletonList(Assign(declarator, false));
                break;
            default:
                return null;
        }

        var sources = RaceSyntax.TaskSources(WaitedLocals(invocation, work), model, cancellationToken);
        if (RaceSyntax.ReadsAny(onTimeout, sources, model, cancellationToken) ||
            (!RaceSyntax.Exits(onTimeout) && sources.Any(local => RaceSyntax.ReadAfter(local, statement, model, cancellationToken))))
        {
            // The timeout path reads the work (or the tasks it came from): it would now meet cancelled or faulted tasks where it met running ones.
            return null;
        }

        return new TimeoutRace(TimeoutRaceKind.BlockingWait, statement, timeout, onTimeout)
        {
            OnSuccess = onSuccess,
            CallerToken = callerToken,
            DeclaresResult = declaresResult,
            DroppedDelay = droppedDelay,
        };
    }

    /// <summary>
    /// The wait bounded by <paramref name="token"/> alone: <c>work.Wait(token)</c>, <c>Task.WaitAll(tasks, token)</c>,
    /// <c>Task.WaitAny(tasks, token)</c> (without the delay element at <paramref name="droppedDelay"/>).
    /// </summary>
    public static InvocationExpressionSyntax WithToken(InvocationExpressionSyntax wait, ExpressionSyntax token, int? droppedDelay)
    {
        var kept = wait.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WaitAll" or "WaitAny" }
            ? wait.ArgumentList.Arguments.Take(1).Select(tasks => droppedDelay is { } index ? tasks.WithExpression(WithoutElement(tasks.Expression, index)) : tasks)
            : Enumerable.Empty<ArgumentSyntax>();
        return wait.WithArgumentList(ArgumentList(SeparatedList(kept.Append(Argument(token)))));
    }

    private static ExpressionSyntax WithoutElement(ExpressionSyntax tasks, int index) => tasks switch
    {
        ImplicitArrayCreationExpressionSyntax array => array.WithInitializer(array.Initializer.WithExpressions(array.Initializer.Expressions.RemoveAt(index))),
        ArrayCreationExpressionSyntax { Initializer: { } initializer } array => array.WithInitializer(initializer.WithExpressions(initializer.Expressions.RemoveAt(index))),
        CollectionExpressionSyntax collection => collection.WithElements(collection.Elements.RemoveAt(index)),
        _ => tasks,
    };

    private static (SyntaxList<StatementSyntax> WhenTrue, SyntaxList<StatementSyntax> WhenFalse) Branches(IfStatementSyntax ifStatement) =>
        (RaceSyntax.Statements(ifStatement.Statement), ifStatement.Else is { } elseClause ? RaceSyntax.Statements(elseClause.Statement) : default);

    private static LiteralExpressionSyntax Literal(bool value) =>
        LiteralExpression(value ? SyntaxKind.TrueLiteralExpression : SyntaxKind.FalseLiteralExpression);

    private static StatementSyntax Assign(VariableDeclaratorSyntax declarator, bool value) =>
        ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(declarator.Identifier.ValueText), Literal(value)));

    /// <summary>The task locals the wait reads (its receiver, its task array, the locals the work was traced to), outside lambdas.</summary>
    private static IEnumerable<ILocalSymbol> WaitedLocals(IInvocationOperation invocation, IReadOnlyList<IOperation> work) =>
        work.Append(invocation)
            .SelectMany(operation => operation.DescendantsAndSelf())
            .Where(operation => operation is ILocalReferenceOperation && !InLambda(operation, invocation))
            .Select(operation => ((ILocalReferenceOperation)operation).Local)
            .Where(local => RaceSyntax.IsTaskOrTasks(local.Type))
            .Distinct<ILocalSymbol>(SymbolEqualityComparer.Default);

    private static bool InLambda(IOperation operation, IOperation root)
    {
        for (var current = operation.Parent; current is not null && current != root; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }
}
