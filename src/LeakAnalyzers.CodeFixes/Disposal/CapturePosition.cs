using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// Where a value used inside a larger statement can be captured in a local first: in front of
/// a statement that always evaluates it exactly once, so the capture does not change when (or
/// whether) the call runs.
/// </summary>
internal static class CapturePosition
{
    /// <summary>
    /// Moving <paramref name="expression"/> in front of <paramref name="statement"/> keeps its meaning only
    /// when the statement always evaluates it exactly once: not in a lambda, a conditional branch,
    /// the right side of <c>&amp;&amp;</c>/<c>||</c>/<c>??</c>, or a loop condition.
    /// </summary>
    public static bool CanEvaluateBefore(ExpressionSyntax expression, SyntaxNode stop)
    {
        SyntaxNode child = expression;
        for (var parent = expression.Parent; parent is not null && child != stop; child = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case AnonymousFunctionExpressionSyntax:
                case ConditionalExpressionSyntax conditional when child != conditional.Condition:
                case BinaryExpressionSyntax binary when child == binary.Right &&
                     binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression or SyntaxKind.CoalesceExpression:
                case AssignmentExpressionSyntax coalesceAssignment when coalesceAssignment.IsKind(SyntaxKind.CoalesceAssignmentExpression) && child == coalesceAssignment.Right:
                case ConditionalAccessExpressionSyntax conditionalAccess when child == conditionalAccess.WhenNotNull:
                case SwitchExpressionArmSyntax:
                case QueryExpressionSyntax:
                case QueryBodySyntax:
                    return false;
            }
        }

        return true;
    }

    /// <summary>Statements that evaluate <paramref name="expression"/> exactly once, so it can be captured before them.</summary>
    public static bool IsCapturableStatement(ExpressionSyntax expression, StatementSyntax statement)
    {
        SyntaxNode child = expression;
        while (child.Parent is not null && child.Parent != statement)
        {
            child = child.Parent;
        }

        return statement switch
        {
            ExpressionStatementSyntax or ReturnStatementSyntax or ThrowStatementSyntax or YieldStatementSyntax => true,
            LocalDeclarationStatementSyntax declaration => declaration.UsingKeyword.IsKind(SyntaxKind.None) && !declaration.IsConst,
            IfStatementSyntax ifStatement => child == ifStatement.Condition,
            SwitchStatementSyntax switchStatement => child == switchStatement.Expression,
            ForEachStatementSyntax forEach => child == forEach.Expression,
            _ => false,
        };
    }
}
