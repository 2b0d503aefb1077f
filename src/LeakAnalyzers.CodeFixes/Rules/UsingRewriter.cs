using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Rules;

/// <summary>
/// Makes the object produced by a creation expression disposed by a <c>using</c>:
/// <list type="bullet">
/// <item><c>var r = X;</c> becomes <c>using var r = X;</c></item>
/// <item>a discarded <c>X;</c> (or <c>_ = X;</c>) becomes <c>using var response = X;</c></item>
/// <item>a use inside a larger statement (<c>(await X).EnsureSuccessStatusCode();</c>) is captured
/// first: <c>using var response = await X;</c> then <c>response.EnsureSuccessStatusCode();</c></item>
/// <item>where a using declaration is not legal (C# 7.3, a switch section) the same is written as
/// <c>using (var r = X) { rest of the scope }</c>.</item>
/// </list>
/// Returns null when none of these keeps the code's meaning (the fix is then not offered).
/// </summary>
internal static class UsingRewriter
{
    public static SyntaxNode? Rewrite(SyntaxNode root, ExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        var value = ProducedValue(creation);
        var outer = value;
        while (outer.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            outer = parenthesized;
        }

        var declarationsAllowed = ((CSharpParseOptions)root.SyntaxTree.Options).LanguageVersion >= LanguageVersion.CSharp8;
        switch (outer.Parent)
        {
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                when declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } &&
                     statement.UsingKeyword.IsKind(SyntaxKind.None) && !statement.IsConst:
                return RewriteDeclaration(root, statement, declarator, model, declarationsAllowed, cancellationToken);

            case ExpressionStatementSyntax statement:
                return Capture(root, statement, value, replaced: null, model, declarationsAllowed);

            case AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } discard, Parent: ExpressionStatementSyntax statement } assignment
                when assignment.Right == outer && model.GetSymbolInfo(discard, cancellationToken).Symbol is null or IDiscardSymbol:
                return Capture(root, statement, value, replaced: null, model, declarationsAllowed);

            case AssignmentExpressionSyntax assignment when assignment.Right == outer:
                // Assigned to an existing variable: a using declaration cannot take its place.
                return null;

            default:
                var enclosing = outer.FirstAncestorOrSelf<StatementSyntax>();
                return enclosing is not null && CanEvaluateBefore(outer, enclosing)
                    ? Capture(root, enclosing, value, replaced: outer, model, declarationsAllowed)
                    : null;
        }
    }

    /// <summary>The expression whose value is the disposable: the creation, or the <c>await</c> of it.</summary>
    private static ExpressionSyntax ProducedValue(ExpressionSyntax creation)
    {
        ExpressionSyntax current = creation;
        while (current.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            current = parenthesized;
        }

        if (current.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configured } &&
            configured.Parent is AwaitExpressionSyntax configuredAwait)
        {
            return configuredAwait;
        }

        return current.Parent is AwaitExpressionSyntax awaitExpression ? awaitExpression : creation;
    }

    private static SyntaxNode? RewriteDeclaration(
        SyntaxNode root,
        LocalDeclarationStatementSyntax statement,
        VariableDeclaratorSyntax declarator,
        SemanticModel model,
        bool declarationsAllowed,
        CancellationToken cancellationToken)
    {
        if (model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol local ||
            !IsDisposable(local.Type, model) ||
            IsWrittenAfterDeclaration(local, statement, model, cancellationToken))
        {
            // A using variable is read-only: reassigning it afterwards would no longer compile.
            return null;
        }

        if (declarationsAllowed && statement.Parent is BlockSyntax or GlobalStatementSyntax)
        {
            var usingDeclaration = statement
                .WithoutLeadingTrivia()
                .WithUsingKeyword(Token(statement.GetLeadingTrivia(), SyntaxKind.UsingKeyword, TriviaList(Space)));
            return root.ReplaceNode(statement, usingDeclaration);
        }

        return WrapRestOfScope(root, statement, statement.Declaration.WithoutTrivia(), replacement: null);
    }

    /// <summary>Declares <c>using var name = value;</c> before <paramref name="statement"/> (replacing it when <paramref name="replaced"/> is null).</summary>
    private static SyntaxNode? Capture(SyntaxNode root, StatementSyntax statement, ExpressionSyntax value, ExpressionSyntax? replaced, SemanticModel model, bool declarationsAllowed)
    {
        var type = model.GetTypeInfo(value).Type;
        if (!IsDisposable(type, model))
        {
            return null;
        }

        var name = LocalNames.Unique(LocalNames.For(type), statement, model);
        var declaration = VariableDeclaration(
            IdentifierName(Identifier(TriviaList(), SyntaxKind.VarKeyword, "var", "var", TriviaList())),
            SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(value.WithoutTrivia()))));
        var rewritten = replaced is null ? null : statement.ReplaceNode(replaced, IdentifierName(name).WithTriviaFrom(replaced));

        if (!declarationsAllowed || statement.Parent is SwitchSectionSyntax)
        {
            return WrapRestOfScope(root, statement, declaration, rewritten);
        }

        var usingDeclaration = LocalDeclarationStatement(declaration)
            .WithUsingKeyword(Token(SyntaxKind.UsingKeyword))
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(rewritten is null ? statement.GetTrailingTrivia() : TriviaList(EndOfLine(NewLineOf(statement))))
            .WithAdditionalAnnotations(Formatter.Annotation);
        if (rewritten is null)
        {
            return root.ReplaceNode(statement, usingDeclaration);
        }

        rewritten = rewritten.WithLeadingTrivia(Indentation(statement));
        switch (statement.Parent)
        {
            case BlockSyntax:
                return root.ReplaceNode(statement, new SyntaxNode[] { usingDeclaration, rewritten });
            case GlobalStatementSyntax global:
                return root.ReplaceNode(global, new SyntaxNode[] { GlobalStatement(usingDeclaration), global.WithStatement(rewritten) });
            default:
                // An embedded statement (if (x) Foo(...);) gets a block to hold the declaration.
                return root.ReplaceNode(statement, Block(usingDeclaration, rewritten.WithoutLeadingTrivia()).WithAdditionalAnnotations(Formatter.Annotation));
        }
    }

    /// <summary><c>using (declaration) { statement'; rest of the block or switch section }</c>.</summary>
    private static SyntaxNode? WrapRestOfScope(SyntaxNode root, StatementSyntax statement, VariableDeclarationSyntax declaration, StatementSyntax? replacement)
    {
        SyntaxList<StatementSyntax> statements;
        switch (statement.Parent)
        {
            case BlockSyntax block:
                statements = block.Statements;
                break;
            case SwitchSectionSyntax section:
                statements = section.Statements;
                break;
            default:
                return null;
        }

        var index = statements.IndexOf(statement);
        var rest = statements.Skip(index + 1).ToList();
        if (rest.Any(s => s is LocalFunctionStatementSyntax or LabeledStatementSyntax))
        {
            // Moving these into a nested block would hide them from code outside it.
            return null;
        }

        var body = replacement is null ? rest : new[] { replacement.WithoutLeadingTrivia() }.Concat(rest).ToList();
        var usingStatement = UsingStatement(Block(body))
            .WithDeclaration(declaration)
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(rest.Count > 0 ? rest[rest.Count - 1].GetTrailingTrivia() : statement.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
        var newStatements = statements.Take(index).Append(usingStatement);
        return statement.Parent switch
        {
            BlockSyntax block => root.ReplaceNode(block, block.WithStatements(List(newStatements))),
            SwitchSectionSyntax section => root.ReplaceNode(section, section.WithStatements(List(newStatements))),
            _ => null,
        };
    }

    /// <summary>
    /// Moving <paramref name="expression"/> in front of <paramref name="statement"/> keeps its meaning only
    /// when the statement always evaluates it exactly once: not in a lambda, a conditional branch,
    /// the right side of <c>&amp;&amp;</c>/<c>||</c>/<c>??</c>, or a loop condition.
    /// </summary>
    private static bool CanEvaluateBefore(ExpressionSyntax expression, StatementSyntax statement)
    {
        SyntaxNode child = expression;
        for (var parent = expression.Parent; parent is not null && parent != statement; child = parent, parent = parent.Parent)
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

    private static bool IsWrittenAfterDeclaration(ILocalSymbol local, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var scope = declaration.Parent;
        if (scope is null)
        {
            return true;
        }

        foreach (var identifier in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != local.Name || identifier.SpanStart < declaration.Span.End)
            {
                continue;
            }

            var written = identifier.Parent switch
            {
                AssignmentExpressionSyntax assignment => assignment.Left == identifier,
                PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => true,
                ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
                RefExpressionSyntax => true,
                _ => false,
            };
            if (written && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsDisposable(ITypeSymbol? type, SemanticModel model)
    {
        var disposable = model.Compilation.GetSpecialType(SpecialType.System_IDisposable);
        return type is not null && (SymbolEqualityComparer.Default.Equals(type, disposable) || type.AllInterfaces.Contains(disposable, SymbolEqualityComparer.Default));
    }

    private static SyntaxTriviaList Indentation(StatementSyntax statement)
    {
        var leading = statement.GetLeadingTrivia();
        var lastLineStart = 0;
        for (var i = 0; i < leading.Count; i++)
        {
            if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                lastLineStart = i + 1;
            }
        }

        return TriviaList(leading.Skip(lastLineStart).Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
    }

    private static string NewLineOf(SyntaxNode node)
    {
        var endOfLine = node.GetTrailingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return endOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? endOfLine.ToFullString() : "\n";
    }
}
