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

            case AssignmentExpressionSyntax assignment when assignment.Right == outer:
                // Assigned to an existing variable: a using declaration cannot take its place.
                return null;

            default:
                if (ExpressionBodies.Containing(outer) is { } body)
                {
                    return CanEvaluateBefore(outer, body.Expression)
                        ? CaptureInExpressionBody(root, body.Owner, body.Expression, value, outer, model, style, cancellationToken)
                        : null;
                }

                var enclosing = outer.FirstAncestorOrSelf<StatementSyntax>();
                return enclosing is not null && CanEvaluateBefore(outer, enclosing) && IsCapturableStatement(outer, enclosing)
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
            FlowsIntoUnawaitedWork(value, model, cancellationToken))
        {
            return null;
        }

        var name = LocalNames.Unique(LocalNames.For(type), bodyExpression, model);
        var declaration = VariableDeclaration(
            IdentifierName(Identifier(TriviaList(), SyntaxKind.VarKeyword, "var", "var", TriviaList())),
            SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(value.WithoutTrivia()))));

        var statements = new System.Collections.Generic.List<StatementSyntax>();
        if (outer != bodyExpression)
        {
            var rest = bodyExpression.ReplaceNode(outer, IdentifierName(name)).WithoutTrivia();
            statements.Add(ExpressionBodies.ReturnsValue(function) ? ReturnStatement(rest) : ExpressionStatement(rest));
        }

        var newLine = Layout.NewLineOf(owner);
        StatementSyntax usingStatement = style.DeclarationsAllowed
            ? UsingDeclaration(declaration, kind)
            : UsingStatement(MultilineBlock(statements, newLine)).WithDeclaration(declaration).WithAwaitKeyword(AwaitKeyword(kind));
        var block = MultilineBlock(style.DeclarationsAllowed ? new[] { usingStatement }.Concat(statements) : new[] { usingStatement }, newLine);

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
            IsWrittenAfterDeclaration(local, statement, model, cancellationToken) ||
            IsUsedByReturnedWork(local, statement, model, cancellationToken) ||
            IsCapturedByAFunction(local, statement, model, cancellationToken) ||
            ReferencesOf(local, statement, model, cancellationToken).Any(reference => !IsInLinqLambda(reference, model, cancellationToken) && FlowsIntoUnawaitedWork(reference, model, cancellationToken)))
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
            return root.ReplaceNode(statement, usingDeclaration);
        }

        return WrapRestOfScope(root, statement, statement.Declaration.WithoutTrivia(), replacement: null, kind);
    }

    /// <summary>Declares <c>using var name = value;</c> before <paramref name="statement"/> (replacing it when <paramref name="replaced"/> is null).</summary>
    private static SyntaxNode? Capture(SyntaxNode root, StatementSyntax statement, ExpressionSyntax value, ExpressionSyntax? replaced, SemanticModel model, UsingStyle style)
    {
        var type = model.GetTypeInfo(value).Type;
        var kind = style.Choose(type, statement, model);
        if (kind == UsingKind.None ||
            FlowsIntoUnawaitedWork(value, model, CancellationToken.None))
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
            return WrapRestOfScope(root, statement, declaration, rewritten, kind);
        }

        var usingDeclaration = UsingDeclaration(declaration, kind)
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(rewritten is null ? statement.GetTrailingTrivia() : TriviaList(EndOfLine(Layout.NewLineOf(statement))))
            .WithAdditionalAnnotations(Formatter.Annotation);
        if (rewritten is null)
        {
            return statement.Parent is BlockSyntax or GlobalStatementSyntax
                ? root.ReplaceNode(statement, usingDeclaration)
                : root.ReplaceNode(statement, MultilineBlock(new[] { usingDeclaration.WithoutTrivia() }, Layout.NewLineOf(statement)).WithTrailingTrivia(statement.GetTrailingTrivia()));
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
                return root.ReplaceNode(statement, MultilineBlock(new[] { usingDeclaration.WithoutTrivia(), rewritten.WithoutTrivia() }, Layout.NewLineOf(statement)).WithTrailingTrivia(statement.GetTrailingTrivia()));
        }
    }

    /// <summary><c>using (declaration) { statement'; rest of the block or switch section }</c>.</summary>
    private static SyntaxNode? WrapRestOfScope(SyntaxNode root, StatementSyntax statement, VariableDeclarationSyntax declaration, StatementSyntax? replacement, UsingKind kind)
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
            .WithAwaitKeyword(AwaitKeyword(kind))
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
    private static bool CanEvaluateBefore(ExpressionSyntax expression, SyntaxNode stop)
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
    private static bool IsCapturableStatement(ExpressionSyntax expression, StatementSyntax statement)
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

    /// <summary>A lambda or local function declared after <paramref name="declaration"/> reads the local.</summary>
    private static bool IsCapturedByAFunction(ILocalSymbol local, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var scope = declaration.Parent;
        if (scope is null)
        {
            return false;
        }

        foreach (var function in scope.DescendantNodes().Where(node => node is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
        {
            if (IsLinqLambda(function, model, cancellationToken))
            {
                // ids.Select(id => LoadAsync(id, cts.Token)) runs when the sequence is consumed, in this
                // method (await Task.WhenAll(tasks)); a returned sequence is caught by IsUsedByReturnedWork.
                continue;
            }

            foreach (var identifier in function.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText == local.Name &&
                    SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A lambda passed straight to a System.Linq.Enumerable method (Select, Where, ...).</summary>
    private static bool IsLinqLambda(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken) =>
        function is AnonymousFunctionExpressionSyntax { Parent: ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax call } } &&
        model.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol { ContainingType: { } type } &&
        type.ToDisplayString() == "System.Linq.Enumerable";

    /// <summary>The reference is inside a LINQ lambda (and no other function between).</summary>
    private static bool IsInLinqLambda(SyntaxNode reference, SemanticModel model, CancellationToken cancellationToken) =>
        reference.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) is { } function &&
        IsLinqLambda(function, model, cancellationToken);

    /// <summary>The identifiers after <paramref name="declaration"/> in its scope that read the local.</summary>
    private static IEnumerable<IdentifierNameSyntax> ReferencesOf(ILocalSymbol local, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken) =>
        declaration.Parent is not { } scope
            ? Enumerable.Empty<IdentifierNameSyntax>()
            : scope.DescendantNodes().OfType<IdentifierNameSyntax>().Where(identifier =>
                identifier.SpanStart >= declaration.Span.End &&
                identifier.Identifier.ValueText == local.Name &&
                SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local));

    /// <summary>
    /// Within its statement, <paramref name="use"/> flows into a task that is neither awaited nor
    /// waited on (<c>_ = WorkAsync(client)</c>, <c>var t = LoadAsync(cts.Token); return t;</c>):
    /// disposing at the end of the scope would pull the object from under that work.
    /// </summary>
    private static bool FlowsIntoUnawaitedWork(SyntaxNode use, SemanticModel model, CancellationToken cancellationToken)
    {
        var pending = false;
        for (var node = use.Parent; node is ExpressionSyntax or ArgumentSyntax or ArgumentListSyntax or EqualsValueClauseSyntax or VariableDeclaratorSyntax or VariableDeclarationSyntax; node = node.Parent)
        {
            switch (node)
            {
                case AwaitExpressionSyntax:
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Result" or "Wait" or "GetAwaiter" }:
                    pending = false;
                    break;
                case AnonymousFunctionExpressionSyntax:
                    return pending;
                case ExpressionSyntax expression when IsAwaitable(model.GetTypeInfo(expression, cancellationToken).Type):
                    pending = true;
                    break;
            }
        }

        return pending;
    }

    private static bool IsAwaitable(ITypeSymbol? type) =>
        type is not null && type.SpecialType == SpecialType.None && type.GetMembers("GetAwaiter").Length > 0;

    /// <summary>A non-async function that returns an expression using the local (a task still running on it).</summary>
    private static bool IsUsedByReturnedWork(ILocalSymbol local, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var function = declaration.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax or CompilationUnitSyntax);
        if (function is null or CompilationUnitSyntax || IsInAsyncFunction(declaration))
        {
            return false;
        }

        foreach (var returned in function.DescendantNodes().OfType<ReturnStatementSyntax>())
        {
            if (returned.Expression is null ||
                (returned.FirstAncestorOrSelf<SyntaxNode>(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) is { } nested && nested != function) ||
                !IsDeferredWork(model.GetTypeInfo(returned.Expression, cancellationToken).Type))
            {
                continue;
            }

            foreach (var identifier in returned.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText == local.Name &&
                    SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Values that keep running or evaluating after the method returns: tasks (anything awaitable), lazy sequences, delegates.</summary>
    private static bool IsDeferredWork(ITypeSymbol? type) =>
        type is not null &&
        (type.TypeKind == TypeKind.Delegate ||
         IsAwaitable(type) ||
         type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T ||
         type.Name == "IAsyncEnumerable");

    private static LocalDeclarationStatementSyntax UsingDeclaration(VariableDeclarationSyntax declaration, UsingKind kind) =>
        LocalDeclarationStatement(declaration)
            .WithAwaitKeyword(AwaitKeyword(kind))
            .WithUsingKeyword(Token(SyntaxKind.UsingKeyword));

    private static SyntaxToken AwaitKeyword(UsingKind kind) =>
        kind == UsingKind.AwaitUsing ? Token(SyntaxKind.AwaitKeyword) : default;

    /// <summary>A block with each brace and statement on its own line; the formatter then indents it.</summary>
    private static BlockSyntax MultilineBlock(System.Collections.Generic.IEnumerable<StatementSyntax> statements, string newLine) =>
        Block(
                Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(EndOfLine(newLine)),
                List(statements.Select(statement => statement.WithTrailingTrivia(EndOfLine(newLine)))),
                Token(SyntaxKind.CloseBraceToken))
            .WithAdditionalAnnotations(Formatter.Annotation);

    /// <summary>Inside an async method, local function or lambda (top-level statements may always await).</summary>
    private static bool IsInAsyncFunction(SyntaxNode position)
    {
        foreach (var ancestor in position.AncestorsAndSelf())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax localFunction:
                    return localFunction.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case BaseMethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case AccessorDeclarationSyntax:
                    return false;
                case CompilationUnitSyntax:
                    return true;
            }
        }

        return false;
    }

    private enum UsingKind
    {
        None,
        Using,
        AwaitUsing,
    }

    /// <summary>What the language version allows and which form the rule asks for.</summary>
    private readonly struct UsingStyle
    {
        public UsingStyle(bool declarationsAllowed, bool preferAwaitUsing)
        {
            DeclarationsAllowed = declarationsAllowed;
            PreferAwaitUsing = preferAwaitUsing;
        }

        /// <summary>C# 8: using declarations and <c>await using</c>.</summary>
        public bool DeclarationsAllowed { get; }

        public bool PreferAwaitUsing { get; }

        public UsingKind Choose(ITypeSymbol? type, SyntaxNode position, SemanticModel model)
        {
            if (type is null)
            {
                return UsingKind.None;
            }

            var asyncDisposable = model.Compilation.GetTypeByMetadataName("System.IAsyncDisposable");
            if (PreferAwaitUsing && DeclarationsAllowed && WellKnownTypes.Implements(type, asyncDisposable) && UsingRewriter.IsInAsyncFunction(position))
            {
                return UsingKind.AwaitUsing;
            }

            return WellKnownTypes.Implements(type, model.Compilation.GetSpecialType(SpecialType.System_IDisposable)) ? UsingKind.Using : UsingKind.None;
        }
    }
}
