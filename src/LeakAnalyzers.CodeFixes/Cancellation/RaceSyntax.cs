using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>Syntax questions the race recognisers share: branches, exits, and who reads a local.</summary>
internal static class RaceSyntax
{
    /// <summary>How many task locals <see cref="TaskSources"/> follows before it stops.</summary>
    private const int MaxTaskSources = 32;

    public static SyntaxList<StatementSyntax> Statements(StatementSyntax body) =>
        body is BlockSyntax block ? block.Statements : SingletonList(body);

    /// <summary>A branch that always leaves (ends with <c>throw</c> or <c>return</c>).</summary>
    public static bool Exits(SyntaxList<StatementSyntax> statements) =>
        statements.LastOrDefault() is ThrowStatementSyntax { Expression: not null } or ReturnStatementSyntax;

    /// <summary>Whether the local is named in the statements after <paramref name="statement"/> in its block.</summary>
    public static bool ReadAfter(ILocalSymbol local, StatementSyntax statement, SemanticModel model, CancellationToken cancellationToken)
    {
        var block = (BlockSyntax)statement.Parent!;
        return block.Statements.Skip(block.Statements.IndexOf(statement) + 1)
            .Any(following => References(following, local, model, cancellationToken).Any());
    }

    /// <summary>
    /// The task locals the work came from: <paramref name="raced"/> and, through their initializers, the task
    /// locals they were made of (<c>var all = Task.WhenAll(pending)</c> came from <c>pending</c>, a list of tasks).
    /// </summary>
    public static IReadOnlyCollection<ILocalSymbol> TaskSources(IEnumerable<ILocalSymbol> raced, SemanticModel model, CancellationToken cancellationToken)
    {
        var found = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        var pending = new Stack<ILocalSymbol>(raced);
        while (pending.Count > 0 && found.Count < MaxTaskSources)
        {
            var local = pending.Pop();
            if (!found.Add(local) ||
                local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } ||
                initializer.SyntaxTree != model.SyntaxTree)
            {
                continue;
            }

            foreach (var identifier in initializer.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(identifier, cancellationToken).Symbol is ILocalSymbol source && IsTaskOrTasks(source.Type))
                {
                    pending.Push(source);
                }
            }
        }

        return found;
    }

    /// <summary>Whether any of the statements names one of the locals.</summary>
    public static bool ReadsAny(SyntaxList<StatementSyntax> statements, IEnumerable<ILocalSymbol> locals, SemanticModel model, CancellationToken cancellationToken) =>
        locals.Any(local => statements.Any(statement => References(statement, local, model, cancellationToken).Any()));

    /// <summary>A task, a <c>ValueTask</c>, or an array or generic collection of them.</summary>
    public static bool IsTaskOrTasks(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => IsTaskOrTasks(array.ElementType),
        INamedTypeSymbol { Name: "Task" or "ValueTask", ContainingNamespace: { Name: "Tasks" } } => true,
        INamedTypeSymbol { IsGenericType: true } generic => generic.TypeArguments.Any(IsTaskOrTasks),
        _ => false,
    };

    /// <summary>The identifiers under <paramref name="node"/> that name <paramref name="local"/>.</summary>
    public static IEnumerable<IdentifierNameSyntax> References(SyntaxNode node, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken) =>
        node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Where(identifier =>
            identifier.Identifier.ValueText == local.Name &&
            SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local));

    /// <summary>Whether every use of <paramref name="local"/> in its block is one of <paramref name="uses"/>.</summary>
    public static bool OnlyUses(ILocalSymbol local, BlockSyntax block, IReadOnlyCollection<SyntaxNode> uses, SemanticModel model, CancellationToken cancellationToken) =>
        References(block, local, model, cancellationToken).All(uses.Contains);

    /// <summary>The expression without the parentheses around it, and the outermost of those parentheses.</summary>
    public static ExpressionSyntax Outermost(ExpressionSyntax expression)
    {
        while (expression.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized;
        }

        return expression;
    }

    /// <summary>The elements of an array creation or collection expression written in place.</summary>
    public static List<ExpressionSyntax>? ArrayElements(ExpressionSyntax expression) => expression switch
    {
        ImplicitArrayCreationExpressionSyntax array => array.Initializer.Expressions.ToList(),
        ArrayCreationExpressionSyntax { Initializer: { } initializer } => initializer.Expressions.ToList(),
        CollectionExpressionSyntax collection when collection.Elements.All(e => e is ExpressionElementSyntax) =>
            collection.Elements.Cast<ExpressionElementSyntax>().Select(e => e.Expression).ToList(),
        _ => null,
    };

    /// <summary><c>t</c> of a <c>Task.Delay(t)</c>.</summary>
    public static ExpressionSyntax? DelayTimeout(ExpressionSyntax expression, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken) =>
        expression is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } delay &&
        model.GetOperation(delay, cancellationToken) is IInvocationOperation { TargetMethod.IsStatic: true } operation &&
        types.IsTaskMethod(operation.TargetMethod, "Delay")
            ? delay.ArgumentList.Arguments[0].Expression
            : null;

    /// <summary>The value a <c>return</c>, expression statement (an assignment's right side) or one-variable declaration computes.</summary>
    public static ExpressionSyntax? ValueOf(StatementSyntax statement) => statement switch
    {
        ReturnStatementSyntax returned => returned.Expression,
        ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax } assignment } => assignment.Right,
        ExpressionStatementSyntax expression => expression.Expression,
        LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } declaration => declaration.Declaration.Variables[0].Initializer?.Value,
        _ => null,
    };

    /// <summary>The innermost expression evaluated first in <paramref name="value"/> (the left end of receivers and operands).</summary>
    public static ExpressionSyntax? EvaluatedFirst(ExpressionSyntax? value)
    {
        while (true)
        {
            var next = value is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax receiver }
                ? receiver.Expression
                : OperandEvaluatedFirst(value);
            if (next is null)
            {
                return value;
            }

            value = next;
        }
    }

    /// <summary>
    /// The part of <paramref name="value"/> evaluated before the rest of it, for parentheses, member and
    /// element access, <c>?.</c> and binary operators (their receiver or left operand); null for other expressions.
    /// </summary>
    public static ExpressionSyntax? OperandEvaluatedFirst(ExpressionSyntax? value) => value switch
    {
        ParenthesizedExpressionSyntax parenthesized => parenthesized.Expression,
        MemberAccessExpressionSyntax access => access.Expression,
        ElementAccessExpressionSyntax element => element.Expression,
        ConditionalAccessExpressionSyntax conditional => conditional.Expression,
        BinaryExpressionSyntax binary => binary.Left,
        _ => null,
    };
}
