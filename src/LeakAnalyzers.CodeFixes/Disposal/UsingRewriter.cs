using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

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
    /// <param name="preferAwaitUsing">Write <c>await using</c> when the object is IAsyncDisposable and the function is async.</param>
    public static SyntaxNode? Rewrite(SyntaxNode root, ExpressionSyntax creation, SemanticModel model, bool preferAwaitUsing, CancellationToken cancellationToken)
    {
        var value = ProducedValue(creation);
        var outer = value;
        while (outer.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            outer = parenthesized;
        }

        var style = new UsingStyle(((CSharpParseOptions)root.SyntaxTree.Options).LanguageVersion >= LanguageVersion.CSharp8, preferAwaitUsing);
        switch (outer.Parent)
        {
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                when declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } &&
                     statement.UsingKeyword.IsKind(SyntaxKind.None) && !statement.IsConst:
                return RewriteDeclaration(root, statement, declarator, model, style, cancellationToken);

            case ExpressionStatementSyntax statement:
                return Capture(root, statement, value, replaced: null, model, style);

            case AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } discard, Parent: ExpressionStatementSyntax statement } assignment
                when assignment.Right == outer && model.GetSymbolInfo(discard, cancellationToken).Symbol is null or IDiscardSymbol:
                return Capture(root, statement, value, replaced: null, model, style);

            case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax statement } assignment
                when assignment.Right == outer && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression):
                return DeclareLastValue(root, statement, assignment, model, style, cancellationToken);

            case AssignmentExpressionSyntax assignment when assignment.Right == outer:
                // Assigned to an existing variable in a larger expression: a using declaration cannot take its place.
                return null;

            default:
                if (ExpressionBodies.Containing(outer) is { } body)
                {
                    return CapturePosition.CanEvaluateBefore(outer, body.Expression)
                        ? CaptureInExpressionBody(root, body.Owner, body.Expression, value, outer, model, style, cancellationToken)
                        : null;
                }

                var enclosing = outer.FirstAncestorOrSelf<StatementSyntax>();
                return enclosing is not null && CapturePosition.CanEvaluateBefore(outer, enclosing) && CapturePosition.IsCapturableStatement(outer, enclosing)
                    ? Capture(root, enclosing, value, replaced: outer, model, style)
                    : null;
        }
    }

    /// <summary>
    /// <c>=&gt; Use(await X)</c> becomes <c>{ using var response = await X; return Use(response); }</c>
    /// (an expression statement when the body's value is not returned).
    /// </summary>
    private static SyntaxNode? CaptureInExpressionBody(
        SyntaxNode root,
        SyntaxNode owner,
        ExpressionSyntax bodyExpression,
        ExpressionSyntax value,
        ExpressionSyntax outer,
        SemanticModel model,
        UsingStyle style,
        CancellationToken cancellationToken)
    {
        var type = model.GetTypeInfo(value, cancellationToken).Type;
        var function = owner is LambdaExpressionSyntax
            ? model.GetSymbolInfo(owner, cancellationToken).Symbol as IMethodSymbol
            : model.GetDeclaredSymbol(owner, cancellationToken) as IMethodSymbol;
        var kind = style.Choose(type, owner, model);
        if (kind == UsingKind.None || function is null ||
            EndOfScopeChecks.FlowsIntoUnawaitedWork(value, model, cancellationToken))
        {
            return null;
        }

        var name = LocalNames.Unique(LocalNames.For(type), bodyExpression, model);
        var declaration = VariableDeclaration(
            IdentifierName(Identifier(TriviaList(), SyntaxKind.VarKeyword, "var", "var", TriviaList())),
            SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(value.WithoutTrivia()))));

        var statements = new List<StatementSyntax>();
        if (outer != bodyExpression)
        {
            var rest = bodyExpression.ReplaceNode(outer, IdentifierName(name)).WithoutTrivia();
            statements.Add(ExpressionBodies.ReturnsValue(function) ? ReturnStatement(rest) : ExpressionStatement(rest));
        }

        var newLine = Layout.NewLineOf(owner);
        StatementSyntax usingStatement = style.DeclarationsAllowed
            ? UsingForms.UsingDeclaration(declaration, kind)
            : UsingStatement(Layout.MultilineBlock(statements, newLine)).WithDeclaration(declaration).WithAwaitKeyword(UsingForms.AwaitKeyword(kind));
        var block = Layout.MultilineBlock(style.DeclarationsAllowed ? new[] { usingStatement }.Concat(statements) : new[] { usingStatement }, newLine);
        return ExpressionBodies.WithBlockBody(owner, block) is { } rewritten ? root.ReplaceNode(owner, rewritten) : null;
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

        switch (current.Parent)
        {
            case AwaitExpressionSyntax awaitExpression:
                return awaitExpression;
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Result" } result:
                return result;
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetAwaiter", Parent: InvocationExpressionSyntax getAwaiter }
                when getAwaiter.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetResult", Parent: InvocationExpressionSyntax getResult }:
                return getResult;
            default:
                return creation;
        }
    }

    /// <summary>
    /// The last value of a local assigned again (<c>response = await X;</c>, nothing writes it
    /// afterwards): a using variable is read-only, so the value gets a new one,
    /// <c>using var response2 = await X;</c>, and the later uses in the same block are renamed. Only
    /// where those uses certainly see this value: no loop between the assignment and the local's
    /// declaration, no use after the assignment outside its block, no <c>goto</c>.
    /// </summary>
    private static SyntaxNode? DeclareLastValue(
        SyntaxNode root,
        ExpressionStatementSyntax statement,
        AssignmentExpressionSyntax assignment,
        SemanticModel model,
        UsingStyle style,
        CancellationToken cancellationToken)
    {
        if (!style.DeclarationsAllowed || statement.Parent is not BlockSyntax block ||
            model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is not ILocalSymbol local ||
            local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not { } declarator ||
            !OnlyBlocksBetween(statement, declarator) ||
            style.Choose(local.Type, statement, model) is var kind && kind == UsingKind.None ||
            EndOfScopeChecks.IsWrittenAfterDeclaration(local, statement, model, cancellationToken) ||
            EndOfScopeChecks.IsUsedByReturnedWork(local, statement, model, cancellationToken))
        {
            return null;
        }

        var member = statement.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax and not GlobalStatementSyntax) ?? root;
        var references = member.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Where(name => name.Identifier.ValueText == local.Name && !assignment.Left.Span.Contains(name.Span) &&
                           SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local))
            .ToList();
        var later = references.Where(name => name.SpanStart > statement.Span.End).ToList();
        var function = EnclosingFunction(statement);
        if (references.Any(name => EnclosingFunction(name) != function))
        {
            // A lambda or local function reads the local whenever it runs: after the rename it would see another value.
            return null;
        }

        // Not where this is the local's only value (HttpResponseMessage r; r = await X;): its declaration would be left unused.
        if ((declarator is VariableDeclaratorSyntax { Initializer: null } && later.Count == references.Count) ||
            later.Any(name => !block.Span.Contains(name.Span) ||
                              (!EndOfScopeChecks.IsInLinqLambda(name, model, cancellationToken) && EndOfScopeChecks.FlowsIntoUnawaitedWork(name, model, cancellationToken))) ||
            member.DescendantNodes().Any(node => node is GotoStatementSyntax or LabeledStatementSyntax))
        {
            return null;
        }

        var name = LocalNames.Unique(local.Name, statement, model);
        var declaration = UsingForms.UsingDeclaration(
                VariableDeclaration(
                    IdentifierName(Identifier(TriviaList(), SyntaxKind.VarKeyword, "var", "var", TriviaList())),
                    SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(assignment.Right.WithoutTrivia())))),
                kind)
            .WithTriviaFrom(statement)
            .WithAdditionalAnnotations(Formatter.Annotation);
        return root.ReplaceNodes(
            later.Cast<SyntaxNode>().Append(statement),
            (original, _) => original == statement ? declaration : IdentifierName(name).WithTriviaFrom(original));
    }

    private static SyntaxNode? EnclosingFunction(SyntaxNode node) =>
        node.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax);

    /// <summary>Between <paramref name="statement"/> and the scope that declares <paramref name="declarator"/>: blocks, ifs, switches, no loop or function.</summary>
    private static bool OnlyBlocksBetween(SyntaxNode statement, SyntaxNode declarator)
    {
        foreach (var ancestor in statement.Ancestors())
        {
            if (ancestor.Span.Contains(declarator.Span))
            {
                return true;
            }

            if (ancestor is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)
            {
                return false;
            }
        }

        return false;
    }

    private static SyntaxNode? RewriteDeclaration(
        SyntaxNode root,
        LocalDeclarationStatementSyntax statement,
        VariableDeclaratorSyntax declarator,
        SemanticModel model,
        UsingStyle style,
        CancellationToken cancellationToken)
    {
        var local = model.GetDeclaredSymbol(declarator, cancellationToken) as ILocalSymbol;
        var kind = style.Choose(local?.Type, statement, model);
        if (local is null ||
            kind == UsingKind.None ||
            EndOfScopeChecks.IsWrittenAfterDeclaration(local, statement, model, cancellationToken) ||
            EndOfScopeChecks.IsUsedByReturnedWork(local, statement, model, cancellationToken) ||
            EndOfScopeChecks.IsCapturedByAFunction(local, statement, model, cancellationToken) ||
            EndOfScopeChecks.ReferencesOf(local, statement, model, cancellationToken).Any(reference => !EndOfScopeChecks.IsInLinqLambda(reference, model, cancellationToken) && EndOfScopeChecks.FlowsIntoUnawaitedWork(reference, model, cancellationToken)))
        {
            // A using variable is read-only, so reassigning it would no longer compile; and
            // disposing it at the end of the scope would pull it from under work that may
            // still run: a returned task (return LoadAsync(cts.Token)) or a lambda handed to
            // Task.Run or a callback.
            return null;
        }

        if (style.DeclarationsAllowed && statement.Parent is BlockSyntax or GlobalStatementSyntax)
        {
            var usingDeclaration = statement.WithoutLeadingTrivia().WithUsingKeyword(Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(Space));
            usingDeclaration = kind == UsingKind.AwaitUsing
                ? usingDeclaration.WithAwaitKeyword(Token(statement.GetLeadingTrivia(), SyntaxKind.AwaitKeyword, TriviaList(Space)))
                : usingDeclaration.WithUsingKeyword(usingDeclaration.UsingKeyword.WithLeadingTrivia(statement.GetLeadingTrivia()));
            return statement.Parent is BlockSyntax block
                ? root.ReplaceNode(block, RedundantDisposals.Remove(block, statement, usingDeclaration, local, model, cancellationToken))
                : root.ReplaceNode(statement, usingDeclaration);
        }

        return UsingForms.WrapRestOfScope(root, statement, statement.Declaration.WithoutTrivia(), replacement: null, kind);
    }

    /// <summary>Declares <c>using var name = value;</c> before <paramref name="statement"/> (replacing it when <paramref name="replaced"/> is null).</summary>
    private static SyntaxNode? Capture(SyntaxNode root, StatementSyntax statement, ExpressionSyntax value, ExpressionSyntax? replaced, SemanticModel model, UsingStyle style)
    {
        var type = model.GetTypeInfo(value).Type;
        var kind = style.Choose(type, statement, model);
        if (kind == UsingKind.None ||
            EndOfScopeChecks.FlowsIntoUnawaitedWork(value, model, CancellationToken.None))
        {
            // return Call(resource) from a non-async method, or _ = Call(resource), leaves work running on the resource.
            return null;
        }

        var name = LocalNames.Unique(LocalNames.For(type), statement, model);
        var declaration = VariableDeclaration(
            IdentifierName(Identifier(TriviaList(), SyntaxKind.VarKeyword, "var", "var", TriviaList())),
            SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(value.WithoutTrivia()))));
        var rewritten = replaced is null ? null : statement.ReplaceNode(replaced, IdentifierName(name).WithTriviaFrom(replaced));

        if (!style.DeclarationsAllowed || statement.Parent is SwitchSectionSyntax)
        {
            return UsingForms.WrapRestOfScope(root, statement, declaration, rewritten, kind);
        }

        var usingDeclaration = UsingForms.UsingDeclaration(declaration, kind)
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(rewritten is null ? statement.GetTrailingTrivia() : TriviaList(EndOfLine(Layout.NewLineOf(statement))))
            .WithAdditionalAnnotations(Formatter.Annotation);
        if (rewritten is null)
        {
            return statement.Parent is BlockSyntax or GlobalStatementSyntax
                ? root.ReplaceNode(statement, usingDeclaration)
                : root.ReplaceNode(statement, Layout.MultilineBlock(new[] { usingDeclaration.WithoutTrivia() }, Layout.NewLineOf(statement)).WithTrailingTrivia(statement.GetTrailingTrivia()));
        }

        rewritten = rewritten.WithLeadingTrivia(Layout.Indentation(statement));
        switch (statement.Parent)
        {
            case BlockSyntax:
                return root.ReplaceNode(statement, new SyntaxNode[] { usingDeclaration, rewritten });
            case GlobalStatementSyntax global:
                return root.ReplaceNode(global, new SyntaxNode[] { GlobalStatement(usingDeclaration), global.WithStatement(rewritten) });
            default:
                // An embedded statement (if (x) Foo(...);) gets a block to hold the declaration.
                return root.ReplaceNode(statement, Layout.MultilineBlock(new[] { usingDeclaration.WithoutTrivia(), rewritten.WithoutTrivia() }, Layout.NewLineOf(statement)).WithTrailingTrivia(statement.GetTrailingTrivia()));
        }
    }
}
