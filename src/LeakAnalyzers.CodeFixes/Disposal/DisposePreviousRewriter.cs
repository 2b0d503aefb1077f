using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// For a value lost by reassignment (a redirect) or by the next iteration of a loop that keeps
/// the last value (a retry loop returning its last response, sources replaced in a loop and the
/// last one kept), <c>using</c> would dispose the kept value; the previous one is disposed where it
/// is lost instead: <c>response.Dispose();</c> before the overwrite, at the end of a
/// <c>while (true)</c> body, or <c>response?.Dispose();</c> before the assignment in the loop.
/// The analyzer has checked that no path hands the value over first (hint
/// <see cref="DisposalFixHint.DisposePrevious"/>).
/// </summary>
internal static class DisposePreviousRewriter
{
    /// <summary>The light bulb title for a diagnostic of <paramref name="diagnosticId"/>.</summary>
    public static string TitleFor(string diagnosticId) => diagnosticId switch
    {
        RuleIdentifiers.DisposePerRequestClient => "Dispose the previous client before reassigning",
        RuleIdentifiers.DisposeCancellationTokenSource => "Dispose the previous source before reassigning",
        _ => "Dispose the previous response before reassigning",
    };

    /// <summary>The fixed document, or null when the rewrite does not apply.</summary>
    public static async Task<Document?> FixAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(DisposalFixHint.Key, out var hint) || hint != DisposalFixHint.DisposePrevious)
        {
            return null;
        }

        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || HeldIn(target, model, cancellationToken) is not { } held)
        {
            return null;
        }

        if (!WellKnownTypes.Implements(held.Local.Type, model.Compilation.GetSpecialType(SpecialType.System_IDisposable)))
        {
            // Only IAsyncDisposable: an await DisposeAsync() is not offered here.
            return null;
        }

        var rewritten = diagnostic.AdditionalLocations.Count > 0
            ? DisposeBeforeOverwrite(root, OverwriteNow(target, diagnostic, held.Local.Name, cancellationToken), held.Local, model, cancellationToken)
            : DisposeAtEndOfIteration(root, held.Statement, held.Local) ?? DisposeBeforeAssignmentInLoop(root, held.Statement, held.Local, model, cancellationToken);
        return rewritten is null
            ? null
            : await Formatter.FormatAsync(document.WithSyntaxRoot(rewritten), Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The local the response is stored in (<c>var r = ...;</c> or <c>r = ...;</c>) and that statement.</summary>
    private static (ILocalSymbol Local, StatementSyntax Statement)? HeldIn(SyntaxNode creation, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var ancestor in creation.Ancestors())
        {
            switch (ancestor)
            {
                case VariableDeclaratorSyntax declarator when declarator.Parent?.Parent is LocalDeclarationStatementSyntax statement &&
                                                              model.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol declared:
                    return (declared, statement);
                case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax statement } assignment when assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) &&
                                                                                                          model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is ILocalSymbol assigned:
                    return (assigned, statement);
                case StatementSyntax:
                    return null;
            }
        }

        return null;
    }

    /// <summary>
    /// The overwrite the analyzer reported, found in the current tree: earlier fixes of a Fix All
    /// have moved it, so it is found as the same n-th assignment to the local after the creation
    /// (a fix adds statements around its own creation, which comes earlier in the document, and
    /// adds or removes no assignment to this local after this creation).
    /// </summary>
    private static AssignmentExpressionSyntax? OverwriteNow(SyntaxNode target, Diagnostic diagnostic, string localName, CancellationToken cancellationToken)
    {
        var reported = diagnostic.AdditionalLocations[0];
        if (reported.SourceTree?.GetRoot(cancellationToken) is not { } reportedRoot ||
            reportedRoot.FindNode(reported.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AssignmentExpressionSyntax>() is not { } overwrite)
        {
            return null;
        }

        var index = AssignmentsAfter(reportedRoot.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true), localName).IndexOf(overwrite);
        var current = AssignmentsAfter(target, localName);
        return index >= 0 && index < current.Count ? current[index] : null;
    }

    private static List<AssignmentExpressionSyntax> AssignmentsAfter(SyntaxNode creation, string localName) =>
        (creation.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax and not GlobalStatementSyntax) ?? creation.SyntaxTree.GetRoot())
            .DescendantNodes()
            .OfType<AssignmentExpressionSyntax>()
            .Where(assignment => assignment.SpanStart > creation.SpanStart && assignment.Left is IdentifierNameSyntax name && name.Identifier.ValueText == localName)
            .ToList();

    private static SyntaxNode? DisposeBeforeOverwrite(SyntaxNode root, SyntaxNode? overwriteNode, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken)
    {
        if (overwriteNode?.FirstAncestorOrSelf<AssignmentExpressionSyntax>() is not { Parent: ExpressionStatementSyntax statement } overwrite)
        {
            return null;
        }

        var dispose = DisposeStatement(local, statement);
        var reads = overwrite.Right.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Where(name =>
            name.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local)).ToList();
        if (reads.Count == 0)
        {
            return InsertBefore(root, statement, new[] { dispose });
        }

        // The new request is computed from the old response (response = await http.GetAsync(response.Headers.Location)):
        // read that value into a local first, then dispose, then send.
        if (ReadBeforehand(overwrite.Right, reads, model, cancellationToken) is not { } argument)
        {
            return null;
        }

        var name = LocalNames.Unique(PreferredName(argument.Expression, model, cancellationToken), statement, model);
        var read = LocalDeclarationStatement(VariableDeclaration(
                IdentifierName(Identifier(TriviaList(), SyntaxKind.VarKeyword, "var", "var", TriviaList())),
                SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(argument.Expression.WithoutTrivia())))))
            .WithLeadingTrivia(Layout.Indentation(statement))
            .WithTrailingTrivia(EndOfLine(Layout.NewLineOf(statement)))
            .WithAdditionalAnnotations(Formatter.Annotation);
        var send = statement.ReplaceNode(argument.Expression, IdentifierName(name).WithTriviaFrom(argument.Expression));
        return InsertBefore(root, statement, new[] { read, dispose }, send);
    }

    /// <summary>
    /// The argument that reads the old value, when it alone does and can be evaluated first without
    /// changing the program: an argument of the call that takes from the old value nothing
    /// disposable (the value itself, its content: they would be disposed with it), after only a
    /// simple receiver and simple arguments (names, literals, member accesses).
    /// </summary>
    private static ArgumentSyntax? ReadBeforehand(ExpressionSyntax right, List<IdentifierNameSyntax> reads, SemanticModel model, CancellationToken cancellationToken)
    {
        // The argument of the call that makes the new value (the outermost one): what it evaluates first is checked below.
        if (reads[0].Ancestors().OfType<ArgumentSyntax>().LastOrDefault(a => right.Span.Contains(a.Span)) is not { Parent: ArgumentListSyntax list } argument ||
            !argument.RefKindKeyword.IsKind(SyntaxKind.None) ||
            !reads.All(read => argument.Span.Contains(read.Span)) ||
            argument.Expression.DescendantNodesAndSelf().Any(node => node is AnonymousFunctionExpressionSyntax) ||
            reads.Any(read => IsDisposable(model.GetTypeInfo(ReadChain(read, argument), cancellationToken).Type, model)))
        {
            return null;
        }

        var receiverIsSimple = list.Parent switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => IsSimple(access.Expression),
            InvocationExpressionSyntax { Expression: IdentifierNameSyntax } or ObjectCreationExpressionSyntax => true,
            _ => false,
        };
        return receiverIsSimple && list.Arguments.TakeWhile(other => other != argument).All(other => IsSimple(other.Expression)) ? argument : null;
    }

    /// <summary>What is read from the value: <c>response.Headers.Location</c>, <c>await response.Content.ReadAsStringAsync()</c>.</summary>
    private static ExpressionSyntax ReadChain(IdentifierNameSyntax read, ArgumentSyntax argument)
    {
        ExpressionSyntax chain = read;
        while (chain != argument.Expression && chain.Parent is ExpressionSyntax parent &&
               (parent is AwaitExpressionSyntax or ParenthesizedExpressionSyntax or ConditionalAccessExpressionSyntax or MemberBindingExpressionSyntax ||
                (parent is MemberAccessExpressionSyntax access && access.Expression == chain) ||
                (parent is InvocationExpressionSyntax invocation && invocation.Expression == chain) ||
                parent.IsKind(SyntaxKind.SuppressNullableWarningExpression)))
        {
            chain = parent;
        }

        return chain;
    }

    private static bool IsSimple(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax or ThisExpressionSyntax or BaseExpressionSyntax or LiteralExpressionSyntax => true,
        MemberAccessExpressionSyntax access => IsSimple(access.Expression),
        _ => false,
    };

    private static bool IsDisposable(ITypeSymbol? type, SemanticModel model) =>
        type is null ||
        WellKnownTypes.Implements(type, model.Compilation.GetSpecialType(SpecialType.System_IDisposable)) ||
        WellKnownTypes.Implements(type, model.Compilation.GetTypeByMetadataName("System.IAsyncDisposable"));

    /// <summary><c>location</c> for <c>response.Headers.Location</c>; otherwise the name for its type.</summary>
    private static string PreferredName(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken) =>
        expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: { Length: > 0 } member }
            ? char.ToLowerInvariant(member[0]) + member.Substring(1)
            : LocalNames.For(model.GetTypeInfo(expression, cancellationToken).Type);

    /// <summary><paramref name="inserted"/> before <paramref name="statement"/> (which becomes <paramref name="replacement"/>, if given).</summary>
    private static SyntaxNode? InsertBefore(SyntaxNode root, StatementSyntax statement, StatementSyntax[] inserted, StatementSyntax? replacement = null)
    {
        var statements = inserted.Append(replacement ?? statement);
        switch (statement.Parent)
        {
            case BlockSyntax block:
                return root.ReplaceNode(block, block.WithStatements(ReplaceWith(block.Statements, statement, statements)));
            case SwitchSectionSyntax section:
                return root.ReplaceNode(section, section.WithStatements(ReplaceWith(section.Statements, statement, statements)));
            case IfStatementSyntax or ElseClauseSyntax or WhileStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax or DoStatementSyntax:
                // An embedded statement becomes a block holding them all.
                var wrapped = Block(inserted.Append((replacement ?? statement).WithoutLeadingTrivia())).WithAdditionalAnnotations(Formatter.Annotation);
                return root.ReplaceNode(statement, wrapped.WithTrailingTrivia(statement.GetTrailingTrivia()));
            default:
                return null;
        }
    }

    private static SyntaxList<StatementSyntax> ReplaceWith(SyntaxList<StatementSyntax> list, StatementSyntax statement, IEnumerable<StatementSyntax> statements)
    {
        var index = list.IndexOf(statement);
        return list.RemoveAt(index).InsertRange(index, statements);
    }

    /// <summary>At the end of the body of a <c>while (true)</c>/<c>for (;;)</c> loop, which only a new iteration follows.</summary>
    private static SyntaxNode? DisposeAtEndOfIteration(SyntaxNode root, StatementSyntax definition, ILocalSymbol local)
    {
        if (definition.Parent is not BlockSyntax body || !IsEndlessLoop(body.Parent) || body.Statements.Count == 0)
        {
            return null;
        }

        var last = body.Statements[body.Statements.Count - 1];
        if (last is ReturnStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or ThrowStatementSyntax ||
            ContinuesLoop(body, body.Parent!))
        {
            // Unreachable after the last statement, or reached from a continue that skips it.
            return null;
        }

        return root.ReplaceNode(body, body.WithStatements(body.Statements.Add(DisposeStatement(local, last))));
    }

    /// <summary>
    /// <c>r?.Dispose();</c> before <c>r = X;</c> in a loop, <c>r</c> declared outside it: there <c>r</c> holds
    /// the value of the previous iteration, or the null it was declared with - nothing else, because
    /// no other statement writes it. A declaration without a value gets <c>= null</c>, so that
    /// <c>r</c> can be read there.
    /// </summary>
    private static SyntaxNode? DisposeBeforeAssignmentInLoop(SyntaxNode root, StatementSyntax assignment, ILocalSymbol local, SemanticModel model, CancellationToken cancellationToken)
    {
        if (assignment is not ExpressionStatementSyntax || !local.Type.IsReferenceType ||
            local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1 } declaration } declarator ||
            declarator.Parent?.Parent is not LocalDeclarationStatementSyntax declarationStatement ||
            !LoopsBetween(assignment, declarationStatement) ||
            !(declarator.Initializer is null || IsNullOrDefault(declarator.Initializer.Value)) ||
            IsWrittenElsewhere(local, declarator, assignment, model, cancellationToken))
        {
            return null;
        }

        var dispose = ExpressionStatement(ConditionalAccessExpression(IdentifierName(local.Name), InvocationExpression(MemberBindingExpression(IdentifierName("Dispose")))))
            .WithLeadingTrivia(Layout.Indentation(assignment))
            .WithTrailingTrivia(EndOfLine(Layout.NewLineOf(assignment)))
            .WithAdditionalAnnotations(Formatter.Annotation);
        var withDispose = InsertBefore(root, assignment, new[] { dispose });
        if (withDispose is null || declarator.Initializer is not null)
        {
            return withDispose;
        }

        // HttpResponseMessage response; becomes HttpResponseMessage? response = null;
        // The insertion is after the declaration (inside a loop it does not contain): the declaration's span is unchanged.
        var currentDeclaration = withDispose.FindNode(declaration.Span, getInnermostNodeForTie: true).FirstAncestorOrSelf<VariableDeclarationSyntax>();
        if (currentDeclaration is null || currentDeclaration.Type.IsVar)
        {
            return null;
        }

        var type = currentDeclaration.Type;
        if (local.Type.IsReferenceType && local.Type.NullableAnnotation == NullableAnnotation.NotAnnotated &&
            model.GetNullableContext(declarator.SpanStart).AnnotationsEnabled())
        {
            type = NullableType(type.WithoutTrailingTrivia()).WithTrailingTrivia(type.GetTrailingTrivia());
        }

        var currentDeclarator = currentDeclaration.Variables[0];
        var initialized = currentDeclaration
            .WithType(type)
            .WithVariables(SingletonSeparatedList(currentDeclarator
                .WithIdentifier(currentDeclarator.Identifier.WithoutTrivia())
                .WithInitializer(EqualsValueClause(LiteralExpression(SyntaxKind.NullLiteralExpression)).WithTrailingTrivia(currentDeclarator.Identifier.TrailingTrivia))));
        return withDispose.ReplaceNode(currentDeclaration, initialized.WithAdditionalAnnotations(Formatter.Annotation));
    }

    /// <summary>A loop contains <paramref name="statement"/> but not <paramref name="declaration"/> (no function between).</summary>
    private static bool LoopsBetween(SyntaxNode statement, SyntaxNode declaration)
    {
        foreach (var ancestor in statement.Ancestors())
        {
            if (ancestor.Span.Contains(declaration.Span) || ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax)
            {
                return false;
            }

            if (ancestor is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNullOrDefault(ExpressionSyntax value) =>
        value.IsKind(SyntaxKind.NullLiteralExpression) || value.IsKind(SyntaxKind.DefaultLiteralExpression) || value is DefaultExpressionSyntax ||
        (value is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression } suppressed && IsNullOrDefault(suppressed.Operand));

    /// <summary>Any write to the local other than its declaration and <paramref name="assignment"/> (an assignment, <c>ref</c>/<c>out</c>, <c>++</c>).</summary>
    private static bool IsWrittenElsewhere(ILocalSymbol local, VariableDeclaratorSyntax declarator, StatementSyntax assignment, SemanticModel model, CancellationToken cancellationToken)
    {
        var function = declarator.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax or CompilationUnitSyntax);
        if (function is null)
        {
            return true;
        }

        foreach (var name in function.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (name.Identifier.ValueText != local.Name || assignment.Span.Contains(name.Span))
            {
                continue;
            }

            var written = name.Parent switch
            {
                AssignmentExpressionSyntax assigned => assigned.Left == name,
                PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax or RefExpressionSyntax => true,
                ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None),
                _ => false,
            };
            if (written && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsEndlessLoop(SyntaxNode? loop) => loop switch
    {
        WhileStatementSyntax @while => @while.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
        ForStatementSyntax @for => @for.Condition is null || @for.Condition.IsKind(SyntaxKind.TrueLiteralExpression),
        _ => false,
    };

    /// <summary>A <c>continue</c> in the body that targets this loop (not one nested in an inner loop or a lambda).</summary>
    private static bool ContinuesLoop(BlockSyntax body, SyntaxNode loop) =>
        body.DescendantNodes(node => node == body || !(node is WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax or CommonForEachStatementSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .OfType<ContinueStatementSyntax>()
            .Any();

    private static StatementSyntax DisposeStatement(ILocalSymbol local, StatementSyntax anchor) =>
        ExpressionStatement(InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(local.Name), IdentifierName("Dispose"))))
            .WithLeadingTrivia(Layout.Indentation(anchor))
            .WithTrailingTrivia(EndOfLine(Layout.NewLineOf(anchor)))
            .WithAdditionalAnnotations(Formatter.Annotation);
}
