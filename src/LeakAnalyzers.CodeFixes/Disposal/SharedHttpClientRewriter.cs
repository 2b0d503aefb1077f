using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Configuration;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// LEAK002 fix 1: replaces a per-call <c>new HttpClient()</c> with a <c>private static readonly</c>
/// client of the containing type (reusing one the type already has), built on a
/// <c>SocketsHttpHandler</c> with a <c>PooledConnectionLifetime</c> so DNS changes are honoured,
/// or on the handler the call built from constants. In top-level statements (minimal API
/// handlers) the client becomes a local of the top-level code that the handlers capture.
/// Constant configuration moves into the initializer; per-call headers and base addresses move
/// onto each request (<see cref="HttpClientSettings"/>, <see cref="SharedHttpClientEdits"/>).
/// </summary>
internal static class SharedHttpClientRewriter
{
    private const string PreferredFieldName = "s_httpClient";
    private const string PreferredLocalName = "httpClient";

    /// <param name="options">The file's .editorconfig options: methods configured to dispose or take a value must not get the shared client.</param>
    public static SyntaxNode? Rewrite(SyntaxNode root, BaseObjectCreationExpressionSyntax creation, SemanticModel model, AnalyzerConfigOptions options, CancellationToken cancellationToken)
    {
        // A derived client would lose its type (and members) in a field typed HttpClient.
        if (model.GetTypeInfo(creation, cancellationToken).Type is not { } httpClient || httpClient.ToDisplayString() != "System.Net.Http.HttpClient")
        {
            return null;
        }

        ExpressionSyntax outer = creation;
        while (outer.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            outer = parenthesized;
        }

        var settings = new HttpClientSettings(model, creation.SpanStart, cancellationToken);
        var declarator = outer.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax variable } ? variable : null;
        if (!settings.ReadConstructor(creation, declarator is null ? null : HandlerDeclaredBefore(declarator, creation)) ||
            (creation.Initializer is { } initializer && !settings.ReadInitializer(initializer)))
        {
            return null;
        }

        // Either the client is held in a local (rewrite its uses), or used inline (replace the creation).
        var edits = new SharedHttpClientEdits();
        if (declarator?.Parent is VariableDeclarationSyntax { Variables.Count: 1 } declaration)
        {
            if (model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol local ||
                !PlanLocalRewrite(local, declaration, settings, edits, model, options, cancellationToken))
            {
                return null;
            }
        }
        else if (declarator is null && !settings.IsConfiguredPerCall &&
                 ((outer.Parent is MemberAccessExpressionSyntax memberAccess && memberAccess.Expression == outer) || outer.Parent is ArgumentSyntax))
        {
            edits.Replace.Add(outer);
        }
        else
        {
            return null;
        }

        if (settings.HasMixedHeaders)
        {
            return null;
        }

        if (creation.FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } typeDeclaration)
        {
            return typeDeclaration is InterfaceDeclarationSyntax || model.GetDeclaredSymbol(typeDeclaration, cancellationToken) is not INamedTypeSymbol type
                ? null
                : ShareInType(root, typeDeclaration, type, httpClient, settings, edits, model);
        }

        return ShareInTopLevelCode(root, creation, settings, edits, model);
    }

    private static SyntaxNode? ShareInType(SyntaxNode root, TypeDeclarationSyntax typeDeclaration, INamedTypeSymbol type, ITypeSymbol httpClient, HttpClientSettings settings, SharedHttpClientEdits edits, SemanticModel model)
    {
        // Reuse a shared client with exactly these settings; otherwise add one, unless the type holds a
        // client it may reassign or configure elsewhere (a mutable static field): sharing beside it is not safe to judge.
        var sharedClients = SharedClients(type, httpClient).ToList();
        var existing = sharedClients.FirstOrDefault(field => HasSameSettings(field, settings));
        if (existing is null && sharedClients.Any(field => !field.IsReadOnly))
        {
            return null;
        }

        var fieldName = existing?.Name ?? UniqueMemberName(type);
        var rewrittenType = edits.ApplyTo(typeDeclaration, fieldName);
        if (existing is null)
        {
            // After the shared clients already declared here (s_httpClient, then s_httpClient2), else first.
            var sharedNames = new HashSet<string>(sharedClients.Select(field => field.Name));
            var index = 0;
            for (var position = 0; position < rewrittenType.Members.Count; position++)
            {
                if (rewrittenType.Members[position] is FieldDeclarationSyntax declaration && declaration.Declaration.Variables.Any(variable => sharedNames.Contains(variable.Identifier.ValueText)))
                {
                    index = position + 1;
                }
            }

            var nextMember = rewrittenType.Members.ElementAtOrDefault(index);
            var separator = nextMember is FieldDeclarationSyntax ? TriviaList(EndOfLine(Layout.NewLineOf(root))) : TriviaList(EndOfLine(Layout.NewLineOf(root)), EndOfLine(Layout.NewLineOf(root)));
            if (index > 0 && rewrittenType.Members[index - 1].GetTrailingTrivia() is var previousTrailing &&
                previousTrailing.All(trivia => trivia.IsKind(SyntaxKind.EndOfLineTrivia) || trivia.IsKind(SyntaxKind.WhitespaceTrivia)))
            {
                // The field before it keeps one line break; the blank line, if any, now follows the new field.
                separator = previousTrailing;
                rewrittenType = rewrittenType.ReplaceNode(rewrittenType.Members[index - 1], rewrittenType.Members[index - 1].WithTrailingTrivia(EndOfLine(Layout.NewLineOf(root))));
            }

            var field = ParseMemberDeclaration($"private static readonly global::System.Net.Http.HttpClient {fieldName} = {Construction(settings, model, implicitType: true)};")!
                .WithTrailingTrivia(separator)
                .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation);
            rewrittenType = rewrittenType.WithMembers(rewrittenType.Members.Insert(index, ImportsIfNeeded(field, typeDeclaration.SpanStart, model)));
        }

        return root.ReplaceNode(typeDeclaration, rewrittenType);
    }

    /// <summary>
    /// A minimal API handler in top-level statements: the top-level code runs once, so the client
    /// becomes a local of it, declared before the statement that maps the handler, which captures it.
    /// </summary>
    private static SyntaxNode? ShareInTopLevelCode(SyntaxNode root, BaseObjectCreationExpressionSyntax creation, HttpClientSettings settings, SharedHttpClientEdits edits, SemanticModel model)
    {
        if (root is not CompilationUnitSyntax unit ||
            creation.FirstAncestorOrSelf<GlobalStatementSyntax>() is not { } globalStatement ||
            creation.Ancestors().TakeWhile(ancestor => ancestor != globalStatement).Any(ancestor =>
                ancestor is LocalFunctionStatementSyntax || (ancestor is AnonymousFunctionExpressionSyntax function && function.Modifiers.Any(SyntaxKind.StaticKeyword))) ||
            !creation.Ancestors().TakeWhile(ancestor => ancestor != globalStatement).Any(ancestor => ancestor is AnonymousFunctionExpressionSyntax))
        {
            return null;
        }

        var name = LocalNames.Unique(PreferredLocalName, globalStatement, model);
        var index = unit.Members.IndexOf(globalStatement);
        var rewritten = edits.ApplyTo(unit, name);
        var declaration = ParseStatement($"var {name} = {Construction(settings, model, implicitType: false)};")
            .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation);
        var statement = GlobalStatement(declaration)
            .WithLeadingTrivia(rewritten.Members[index].GetLeadingTrivia())
            .WithTrailingTrivia(EndOfLine(Layout.NewLineOf(root)));
        var following = rewritten.Members[index].WithLeadingTrivia(Layout.Indentation(globalStatement.Statement));
        return rewritten.WithMembers(rewritten.Members.RemoveAt(index).InsertRange(index, new MemberDeclarationSyntax[] { ImportsIfNeeded(statement, globalStatement.SpanStart, model), following }));
    }

    /// <summary><c>new(new SocketsHttpHandler { PooledConnectionLifetime = ... }) { settings }</c>, or the call's own handler.</summary>
    private static string Construction(HttpClientSettings settings, SemanticModel model, bool implicitType)
    {
        var fieldSettings = settings.FieldSettings().ToList();
        var initializer = fieldSettings.Count == 0
            ? string.Empty
            : " { " + string.Join(", ", fieldSettings.Select(setting => setting.Property + " = " + setting.Value.WithoutTrivia().ToFullString())) + " }";
        var construction = implicitType && ((CSharpParseOptions)model.SyntaxTree.Options).LanguageVersion >= LanguageVersion.CSharp9 ? "new" : "new global::System.Net.Http.HttpClient";
        var arguments = settings.ConstructorArguments?.WithoutTrivia().ToFullString() ?? (SocketsHandlerAvailable(model)
            ? "(new global::System.Net.Http.SocketsHttpHandler { PooledConnectionLifetime = global::System.TimeSpan.FromMinutes(2) })"
            : "()");
        return construction + arguments + initializer;
    }

    private static bool SocketsHandlerAvailable(SemanticModel model) =>
        model.Compilation.GetTypeByMetadataName("System.Net.Http.SocketsHttpHandler") is not null;

    private static T ImportsIfNeeded<T>(T node, int position, SemanticModel model)
        where T : SyntaxNode
    {
        var names = SocketsHandlerAvailable(model) ? new[] { "HttpClient", "SocketsHttpHandler", "TimeSpan" } : new[] { "HttpClient" };
        return names.All(name => model.LookupNamespacesAndTypes(position, name: name).Length > 0) ? node : node.WithAdditionalAnnotations(Simplifier.AddImportsAnnotation);
    }

    /// <summary><c>var handler = new HttpClientHandler { ... };</c> right before the client's declaration: it moves into the shared client.</summary>
    private static LocalDeclarationStatementSyntax? HandlerDeclaredBefore(VariableDeclaratorSyntax client, BaseObjectCreationExpressionSyntax creation)
    {
        if (client.Parent?.Parent is not LocalDeclarationStatementSyntax { Parent: BlockSyntax block } statement ||
            block.Statements.IndexOf(statement) is var index && index < 1 ||
            block.Statements[index - 1] is not LocalDeclarationStatementSyntax { UsingKeyword.RawKind: 0, Declaration.Variables.Count: 1 } handlerStatement ||
            creation.ArgumentList?.Arguments.FirstOrDefault()?.Expression is not IdentifierNameSyntax argument ||
            argument.Identifier.ValueText != handlerStatement.Declaration.Variables[0].Identifier.ValueText)
        {
            return null;
        }

        // Used by nothing else: once the client is shared, so is the handler.
        var handler = handlerStatement.Declaration.Variables[0];
        var uses = block.DescendantNodes().OfType<IdentifierNameSyntax>().Count(identifier => identifier.Identifier.ValueText == handler.Identifier.ValueText);
        return uses == 1 ? handlerStatement : null;
    }

    /// <summary>
    /// Plans the rewrite of <c>var client = new HttpClient();</c>: settings assigned right after it
    /// move into the shared client (or onto each request), <c>client.Dispose()</c> statements go
    /// (the client is shared now), the declaration goes (a <c>using (...)</c> statement is replaced
    /// by its body), and every other use reads the shared client.
    /// </summary>
    private static bool PlanLocalRewrite(
        ILocalSymbol local,
        VariableDeclarationSyntax declaration,
        HttpClientSettings settings,
        SharedHttpClientEdits edits,
        SemanticModel model,
        AnalyzerConfigOptions options,
        CancellationToken cancellationToken)
    {
        IEnumerable<StatementSyntax> following;
        SyntaxNode scope;
        LocalDeclarationStatementSyntax? declarationStatement = null;
        switch (declaration.Parent)
        {
            case LocalDeclarationStatementSyntax { Parent: BlockSyntax block } statement:
                following = block.Statements.Skip(block.Statements.IndexOf(statement) + 1);
                scope = block;
                declarationStatement = statement;
                if (settings.InlinedHandler is { } handlerStatement)
                {
                    edits.Remove.Add(handlerStatement);
                }

                break;
            case UsingStatementSyntax { Parent: BlockSyntax or SwitchSectionSyntax, Statement: var body } usingStatement
                when body is BlockSyntax || body is not LocalDeclarationStatementSyntax:
                // Its locals would clash with names around it: the body stays a block.
                edits.KeepUnwrappedBlock = body is BlockSyntax usingBlock && DeclaresNamesUsedAround(usingBlock, usingStatement.Parent!);
                following = body is BlockSyntax bodyBlock ? bodyBlock.Statements : new[] { body };
                scope = body;
                edits.Unwrap = usingStatement;
                break;
            default:
                return false;
        }

        foreach (var statement in following)
        {
            if (!settings.ReadStatement(statement, local.Name))
            {
                break;
            }

            edits.Remove.Add(statement);
        }

        foreach (var identifier in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != local.Name ||
                edits.Remove.Any(removed => removed.Span.Contains(identifier.Span)) ||
                !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
            {
                continue;
            }

            switch (identifier.Parent)
            {
                case UsingStatementSyntax { Parent: BlockSyntax or SwitchSectionSyntax, Statement: var usedIn } usingClient
                    when usingClient.Expression == identifier && edits.Unwrap is null && (usedIn is BlockSyntax || usedIn is not LocalDeclarationStatementSyntax):
                    // using (client) { ... }: the body stays, without the disposal.
                    edits.Unwrap = usingClient;
                    edits.KeepUnwrappedBlock = usedIn is BlockSyntax usedInBlock && DeclaresNamesUsedAround(usedInBlock, usingClient.Parent!);
                    continue;
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose", Parent: InvocationExpressionSyntax { Parent: ExpressionStatementSyntax disposeStatement } }:
                    edits.Remove.Add(disposeStatement);
                    continue;
                case ConditionalAccessExpressionSyntax { WhenNotNull: InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax { Name.Identifier.ValueText: "Dispose" } }, Parent: ExpressionStatementSyntax disposeStatement }:
                    edits.Remove.Add(disposeStatement);
                    continue;
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "DefaultRequestHeaders" or "CancelPendingRequests" or "Dispose" or "DisposeAsync" }:
                case MemberAccessExpressionSyntax { Parent: AssignmentExpressionSyntax memberWrite } memberAccess when memberWrite.Left == memberAccess:
                    // Per-call mutation (or disposal) of what would become shared state, away from the configuration statements.
                    return false;
                case MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax call } memberAccess
                    when memberAccess.Expression == identifier && settings.IsConfiguredPerCall:
                    if (PerCallRequest.Plan(call, memberAccess.Name.Identifier.ValueText, settings, edits.TakenNames, model, cancellationToken) is not { } request)
                    {
                        return false;
                    }

                    edits.Replace.Add(identifier);
                    edits.Requests.Add(request);
                    continue;
                case MemberAccessExpressionSyntax memberAccess when memberAccess.Expression == identifier && !settings.IsConfiguredPerCall:
                case ArgumentSyntax { RefKindKeyword.RawKind: (int)SyntaxKind.None, Parent.Parent: InvocationExpressionSyntax } argument
                    when !settings.IsConfiguredPerCall && !HandsItOver(argument, model, options, cancellationToken):
                    edits.Replace.Add(identifier);
                    continue;
                default:
                    // Anything else (using (client), casts, constructor arguments that may take
                    // ownership, writes, uses that cannot carry per-call settings) could dispose,
                    // replace or misconfigure the shared client.
                    return false;
            }
        }

        if (settings.PerCallTimeout is null)
        {
            if (declarationStatement is not null)
            {
                edits.Remove.Add(declarationStatement);
            }

            return true;
        }

        return PerCallTimeout.Plan(settings.PerCallTimeout, settings, declarationStatement, edits, model, cancellationToken);
    }

    /// <summary>A call that disposes or keeps its argument (attribute or .editorconfig list): it must not get the shared client.</summary>
    private static bool HandsItOver(ArgumentSyntax argument, SemanticModel model, AnalyzerConfigOptions options, CancellationToken cancellationToken)
    {
        if (model.GetOperation(argument, cancellationToken) is not IArgumentOperation { Parameter: { } parameter, Parent: IInvocationOperation invocation })
        {
            return true;
        }

        var policy = OwnershipPolicy.Read(options, MethodNameList.Parse);
        return ArgumentOwnership.HasOwnershipAttribute(parameter) ||
               policy.DisposingMethods.Contains(invocation.TargetMethod) ||
               policy.OwnershipTransferMethods.Contains(invocation.TargetMethod);
    }

    /// <summary>Unwrapping <paramref name="body"/> into <paramref name="scope"/> would put two locals of one name in a scope.</summary>
    private static bool DeclaresNamesUsedAround(BlockSyntax body, SyntaxNode scope)
    {
        var inside = new HashSet<string>(body.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.ValueText)
            .Concat(body.DescendantNodes().OfType<SingleVariableDesignationSyntax>().Select(d => d.Identifier.ValueText)));
        if (inside.Count == 0)
        {
            return false;
        }

        return scope.DescendantNodes().Where(node => !body.Span.Contains(node.Span))
            .Any(node => (node is VariableDeclaratorSyntax declarator && inside.Contains(declarator.Identifier.ValueText)) ||
                         (node is SingleVariableDesignationSyntax designation && inside.Contains(designation.Identifier.ValueText)) ||
                         (node is ParameterSyntax parameter && inside.Contains(parameter.Identifier.ValueText)));
    }

    private static IEnumerable<IFieldSymbol> SharedClients(INamedTypeSymbol type, ITypeSymbol httpClient) =>
        type.GetMembers().OfType<IFieldSymbol>().Where(field =>
            field.IsStatic && !field.IsConst && SymbolEqualityComparer.Default.Equals(field.Type, httpClient) && !field.IsImplicitlyDeclared);

    /// <summary>
    /// A <c>static readonly</c> field initialized with exactly the settings this call would give its
    /// client (and, when the call builds its own handler, the same constructor arguments).
    /// </summary>
    private static bool HasSameSettings(IFieldSymbol field, HttpClientSettings settings)
    {
        if (!field.IsReadOnly ||
            field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not VariableDeclaratorSyntax { Initializer.Value: BaseObjectCreationExpressionSyntax initializer } ||
            !(settings.ConstructorArguments is { } arguments
                ? Normalize(arguments) == (initializer.ArgumentList is null ? "()" : Normalize(initializer.ArgumentList))
                : IsPlainConstruction(initializer.ArgumentList)))
        {
            return false;
        }

        var existing = initializer.Initializer?.Expressions.Select(Normalize).OrderBy(setting => setting, StringComparer.Ordinal) ?? Enumerable.Empty<string>();
        var wanted = settings.FieldSettings().Select(setting => setting.Property + "=" + Normalize(setting.Value)).OrderBy(setting => setting, StringComparer.Ordinal);
        return existing.SequenceEqual(wanted, StringComparer.Ordinal);

        static string Normalize(SyntaxNode node) => new string(node.ToString().Where(c => !char.IsWhiteSpace(c)).ToArray());
    }

    /// <summary>
    /// The arguments of a client a plain <c>new HttpClient()</c> may share: none, or the pooled handler
    /// this fix writes. A hand-made handler (<c>UseProxy = false</c>, credentials) would change its calls.
    /// </summary>
    private static bool IsPlainConstruction(ArgumentListSyntax? arguments)
    {
        if (arguments is null || arguments.Arguments.Count == 0)
        {
            return true;
        }

        return arguments.Arguments.Count == 1 &&
            arguments.Arguments[0] is { NameColon: null, Expression: BaseObjectCreationExpressionSyntax handler } &&
            handler.ArgumentList is null or { Arguments.Count: 0 } &&
            handler is ObjectCreationExpressionSyntax { Type: var type } &&
            (type is QualifiedNameSyntax qualified ? qualified.Right : type as SimpleNameSyntax)?.Identifier.ValueText == "SocketsHttpHandler" &&
            handler.Initializer is { Expressions.Count: 1 } initializer &&
            initializer.Expressions[0] is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "PooledConnectionLifetime" } };
    }

    private static string UniqueMemberName(INamedTypeSymbol type)
    {
        var taken = new HashSet<string>(type.GetMembers().Select(member => member.Name));
        var name = PreferredFieldName;
        for (var suffix = 2; taken.Contains(name); suffix++)
        {
            name = PreferredFieldName + suffix;
        }

        return name;
    }
}
