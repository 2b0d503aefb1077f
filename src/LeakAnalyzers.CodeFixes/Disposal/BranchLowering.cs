using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// A call evaluated on one side of <c>?:</c>, <c>&amp;&amp;</c> or <c>||</c> only cannot be captured in
/// front of its statement: that would send the request when the original code does not. Where the
/// branching expression is the whole value of a <c>return</c> or of a <c>bool</c> local's declaration,
/// it is turned into an <c>if</c> that evaluates the call exactly when the original does, so that
/// the <c>using</c> can then capture it inside the <c>if</c>:
/// <list type="bullet">
/// <item><c>return c ? A : B;</c> becomes <c>if (c) { return A; } return B;</c></item>
/// <item><c>return a &amp;&amp; B;</c> becomes <c>if (a) { return B; } return false;</c> (<c>||</c>: <c>if (a) { return true; } return B;</c>)</item>
/// <item><c>var ok = a &amp;&amp; B;</c> becomes <c>var ok = a; if (ok) { ok = B; }</c> (<c>||</c>: <c>if (!ok)</c>)</item>
/// </list>
/// </summary>
internal static class BranchLowering
{
    /// <summary>The rewritten root with <paramref name="creation"/> carrying <paramref name="marker"/>, or null when no shape applies.</summary>
    public static SyntaxNode? Lower(SyntaxNode root, ExpressionSyntax creation, SemanticModel model, SyntaxAnnotation marker, CancellationToken cancellationToken)
    {
        var statement = creation.FirstAncestorOrSelf<StatementSyntax>();
        if (statement?.Parent is not BlockSyntax || BranchingValue(statement) is not { } value ||
            Branch(value, creation, model, cancellationToken) is not { } branch)
        {
            return null;
        }

        // Mark the creation, then take the statement and its branching value again from the marked tree.
        var marked = root.ReplaceNode(creation, creation.WithAdditionalAnnotations(marker));
        var markedStatement = marked.FindNode(statement.Span, getInnermostNodeForTie: true).FirstAncestorOrSelf<StatementSyntax>();
        var markedValue = markedStatement is null ? null : BranchingValue(markedStatement);
        if (markedStatement is null || markedValue is null)
        {
            return null;
        }

        var newLine = Layout.NewLineOf(statement);
        var lowered = markedValue switch
        {
            ConditionalExpressionSyntax conditional when markedStatement is ReturnStatementSyntax =>
                IfThenReturn(markedStatement, conditional.Condition, conditional.WhenTrue, conditional.WhenFalse, newLine),
            BinaryExpressionSyntax binary when markedStatement is ReturnStatementSyntax => branch == SyntaxKind.LogicalAndExpression
                ? IfThenReturn(markedStatement, binary.Left, binary.Right, LiteralExpression(SyntaxKind.FalseLiteralExpression), newLine)
                : IfThenReturn(markedStatement, binary.Left, LiteralExpression(SyntaxKind.TrueLiteralExpression), binary.Right, newLine),
            BinaryExpressionSyntax binary when markedStatement is LocalDeclarationStatementSyntax declaration =>
                DeclareThenIf(declaration, binary, branch == SyntaxKind.LogicalAndExpression, newLine),
            _ => null,
        };

        return lowered is null ? null : marked.ReplaceNode(markedStatement, lowered);
    }

    /// <summary>The value of <c>return value;</c> or of a single-variable <c>var x = value;</c>, parentheses removed.</summary>
    private static ExpressionSyntax? BranchingValue(StatementSyntax statement)
    {
        var value = statement switch
        {
            ReturnStatementSyntax returned => returned.Expression,
            LocalDeclarationStatementSyntax { Declaration.Variables.Count: 1 } declaration
                when declaration.UsingKeyword.IsKind(SyntaxKind.None) && !declaration.IsConst => declaration.Declaration.Variables[0].Initializer?.Value,
            _ => null,
        };

        while (value is ParenthesizedExpressionSyntax parenthesized)
        {
            value = parenthesized.Expression;
        }

        return value;
    }

    /// <summary>
    /// The kind of branching (<see cref="SyntaxKind.ConditionalExpression"/>, logical and, logical or)
    /// when <paramref name="creation"/> is in its conditionally evaluated part and the shape can be lowered.
    /// </summary>
    private static SyntaxKind? Branch(ExpressionSyntax value, ExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (value)
        {
            case ConditionalExpressionSyntax conditional
                when creation.FirstAncestorOrSelf<StatementSyntax>() is ReturnStatementSyntax &&
                     (conditional.WhenTrue.Span.Contains(creation.Span) || conditional.WhenFalse.Span.Contains(creation.Span)):
                return SyntaxKind.ConditionalExpression;
            case BinaryExpressionSyntax binary
                when binary.Kind() is SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression &&
                     binary.Right.Span.Contains(creation.Span) &&
                     IsBoolean(binary.Left, model, cancellationToken) && IsBoolean(binary.Right, model, cancellationToken) &&
                     IsBoolean(binary, model, cancellationToken) &&
                     (creation.FirstAncestorOrSelf<StatementSyntax>() is ReturnStatementSyntax || DeclaresBoolean(binary, model, cancellationToken)):
                return binary.Kind();
            default:
                return null;
        }
    }

    private static bool IsBoolean(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken) =>
        model.GetTypeInfo(expression, cancellationToken) is { Type.SpecialType: SpecialType.System_Boolean, ConvertedType.SpecialType: SpecialType.System_Boolean };

    /// <summary>The expression initializes a local of type <c>bool</c>, which can then hold the left side alone.</summary>
    private static bool DeclaresBoolean(ExpressionSyntax value, SemanticModel model, CancellationToken cancellationToken) =>
        value.FirstAncestorOrSelf<VariableDeclaratorSyntax>() is { } declarator &&
        model.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol { Type.SpecialType: SpecialType.System_Boolean };

    /// <summary><c>if (condition) { return whenTrue; }</c>, a blank line, <c>return whenFalse;</c>.</summary>
    private static SyntaxNode[] IfThenReturn(StatementSyntax statement, ExpressionSyntax condition, ExpressionSyntax whenTrue, ExpressionSyntax whenFalse, string newLine)
    {
        var ifStatement = IfStatement(condition.WithoutTrivia(), Layout.MultilineBlock(new StatementSyntax[] { ReturnStatement(whenTrue.WithoutTrivia()) }, newLine))
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(EndOfLine(newLine))
            .WithAdditionalAnnotations(Formatter.Annotation);
        var otherwise = ReturnStatement(whenFalse.WithoutTrivia())
            .WithLeadingTrivia(TriviaList(EndOfLine(newLine)).AddRange(Layout.Indentation(statement)))
            .WithTrailingTrivia(statement.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        return new SyntaxNode[] { ifStatement, otherwise };
    }

    /// <summary><c>var ok = left;</c> then <c>if (ok) { ok = right; }</c> (<c>if (!ok)</c> for <c>||</c>).</summary>
    private static SyntaxNode[] DeclareThenIf(LocalDeclarationStatementSyntax declaration, BinaryExpressionSyntax binary, bool isAnd, string newLine)
    {
        var name = declaration.Declaration.Variables[0].Identifier.ValueText;
        var declareLeft = declaration.ReplaceNode(binary, binary.Left.WithoutTrivia()).WithTrailingTrivia(EndOfLine(newLine));
        ExpressionSyntax condition = isAnd ? IdentifierName(name) : PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, IdentifierName(name));
        var assignRight = ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(name), binary.Right.WithoutTrivia()));
        var ifStatement = IfStatement(condition, Layout.MultilineBlock(new StatementSyntax[] { assignRight }, newLine))
            .WithLeadingTrivia(Layout.Indentation(declaration))
            .WithTrailingTrivia(declaration.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        return new SyntaxNode[] { declareLeft, ifStatement };
    }
}
