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

namespace LeakAnalyzers.CodeFixes.Rules;

/// <summary>
/// LEAK002 fix 1: replaces a per-call <c>new HttpClient()</c> with a <c>private static readonly</c>
/// client of the containing type (reusing one the type already has), built on a
/// <c>SocketsHttpHandler</c> with a <c>PooledConnectionLifetime</c> so DNS changes are honoured.
/// Constant configuration (<c>BaseAddress</c>, <c>Timeout</c>... in an object initializer or
/// assigned right after creation) moves into the field initializer; anything that would mutate
/// a shared client per call (headers, non-constant settings) makes the fix unavailable.
/// </summary>
internal static class SharedHttpClientRewriter
{
    private const string PreferredFieldName = "s_httpClient";

    private static readonly HashSet<string> ConfigurableProperties = new()
    {
        "BaseAddress", "Timeout", "MaxResponseContentBufferSize", "DefaultRequestVersion", "DefaultVersionPolicy",
    };

    /// <param name="options">The file's .editorconfig options: methods configured to dispose or take a value must not get the shared client.</param>
    public static SyntaxNode? Rewrite(SyntaxNode root, BaseObjectCreationExpressionSyntax creation, SemanticModel model, AnalyzerConfigOptions options, CancellationToken cancellationToken)
    {
        if (creation.ArgumentList is { Arguments.Count: > 0 } ||
            creation.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } typeDeclaration ||
            typeDeclaration is InterfaceDeclarationSyntax ||
            model.GetDeclaredSymbol(typeDeclaration, cancellationToken) is not INamedTypeSymbol type)
        {
            return null;
        }

        var configuration = new List<(string Property, ExpressionSyntax Value)>();
        if (creation.Initializer is { } initializer)
        {
            foreach (var expression in initializer.Expressions)
            {
                if (expression is not AssignmentExpressionSyntax { Left: IdentifierNameSyntax property } assignment ||
                    !ConfigurableProperties.Contains(property.Identifier.ValueText) ||
                    !IsIndependentOfTheCall(assignment.Right, model, cancellationToken))
                {
                    return null;
                }

                configuration.Add((property.Identifier.ValueText, assignment.Right));
            }
        }

        ExpressionSyntax outer = creation;
        while (outer.Parent is ParenthesizedExpressionSyntax parenthesized)
        {
            outer = parenthesized;
        }

        // A derived client would lose its type (and members) in a field typed HttpClient.
        var httpClient = model.GetTypeInfo(creation, cancellationToken).Type;
        if (httpClient is null || httpClient.ToDisplayString() != "System.Net.Http.HttpClient")
        {
            return null;
        }

        // Either the client is held in a local (rewrite its uses), or used inline (replace the creation).
        var plan = new EditPlan();
        if (outer.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } &&
            declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1 } declaration)
        {
            if (model.GetDeclaredSymbol(declarator, cancellationToken) is not ILocalSymbol local ||
                !PlanLocalRewrite(local, declaration, configuration, plan, model, options, cancellationToken))
            {
                return null;
            }
        }
        else if ((outer.Parent is MemberAccessExpressionSyntax memberAccess && memberAccess.Expression == outer) || outer.Parent is ArgumentSyntax)
        {
            plan.Replace.Add(outer);
        }
        else
        {
            return null;
        }

        var existing = ExistingSharedClient(type, httpClient);
        if (existing is not null && !HasSameSettings(existing, configuration, cancellationToken))
        {
            // The type already shares a client configured differently (or assigned elsewhere):
            // reusing it would change this call's settings, a second one would split the pool.
            return null;
        }

        var fieldName = existing?.Name ?? UniqueMemberName(type);
        var rewrittenType = plan.ApplyTo(typeDeclaration, fieldName);
        if (existing is null)
        {
            var languageVersion = ((CSharpParseOptions)root.SyntaxTree.Options).LanguageVersion;
            var socketsHandlerAvailable = model.Compilation.GetTypeByMetadataName("System.Net.Http.SocketsHttpHandler") is not null;
            var field = SharedField(fieldName, configuration, languageVersion, socketsHandlerAvailable, rewrittenType.Members.FirstOrDefault(), Layout.NewLineOf(root));
            var names = socketsHandlerAvailable ? new[] { "HttpClient", "SocketsHttpHandler", "TimeSpan" } : new[] { "HttpClient" };
            if (!AllNamesBind(model, typeDeclaration.SpanStart, names))
            {
                field = field.WithAdditionalAnnotations(Simplifier.AddImportsAnnotation);
            }

            rewrittenType = rewrittenType.WithMembers(rewrittenType.Members.Insert(0, field));
        }

        return root.ReplaceNode(typeDeclaration, rewrittenType);
    }

    /// <summary>
    /// Plans the rewrite of <c>var client = new HttpClient();</c>: constant settings assigned right
    /// after it move into the field, <c>client.Dispose()</c> statements go (the client is shared
    /// now), the declaration goes (a <c>using (...)</c> statement is replaced by its body), and
    /// every other use reads the field.
    /// </summary>
    private static bool PlanLocalRewrite(
        ILocalSymbol local,
        VariableDeclarationSyntax declaration,
        List<(string Property, ExpressionSyntax Value)> configuration,
        EditPlan plan,
        SemanticModel model,
        AnalyzerConfigOptions options,
        CancellationToken cancellationToken)
    {
        IEnumerable<StatementSyntax> following;
        SyntaxNode scope;
        switch (declaration.Parent)
        {
            case LocalDeclarationStatementSyntax { Parent: BlockSyntax block } statement:
                following = block.Statements.Skip(block.Statements.IndexOf(statement) + 1);
                scope = block;
                plan.Remove.Add(statement);
                break;
            case UsingStatementSyntax { Parent: BlockSyntax or SwitchSectionSyntax, Statement: BlockSyntax body } usingStatement
                when !DeclaresNamesUsedAround(body, usingStatement.Parent!):
                following = body.Statements;
                scope = body;
                plan.Unwrap = usingStatement;
                break;
            default:
                return false;
        }

        foreach (var statement in following)
        {
            if (statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax target, Name: IdentifierNameSyntax property } } assignment } &&
                target.Identifier.ValueText == local.Name &&
                ConfigurableProperties.Contains(property.Identifier.ValueText) &&
                IsIndependentOfTheCall(assignment.Right, model, cancellationToken))
            {
                configuration.Add((property.Identifier.ValueText, assignment.Right));
                plan.Remove.Add(statement);
                continue;
            }

            break;
        }

        foreach (var identifier in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText != local.Name ||
                plan.Remove.Any(removed => removed.Span.Contains(identifier.Span)) ||
                !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local))
            {
                continue;
            }

            switch (identifier.Parent)
            {
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dispose", Parent: InvocationExpressionSyntax { Parent: ExpressionStatementSyntax disposeStatement } }:
                    plan.Remove.Add(disposeStatement);
                    continue;
                case ConditionalAccessExpressionSyntax { WhenNotNull: InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax { Name.Identifier.ValueText: "Dispose" } }, Parent: ExpressionStatementSyntax disposeStatement }:
                    plan.Remove.Add(disposeStatement);
                    continue;
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "DefaultRequestHeaders" or "CancelPendingRequests" or "Dispose" or "DisposeAsync" }:
                case MemberAccessExpressionSyntax { Parent: AssignmentExpressionSyntax memberWrite } memberAccess when memberWrite.Left == memberAccess:
                    // Per-call mutation (or disposal) of what would become shared state.
                    return false;
                case MemberAccessExpressionSyntax memberAccess when memberAccess.Expression == identifier:
                case ArgumentSyntax { RefKindKeyword.RawKind: (int)SyntaxKind.None, Parent.Parent: InvocationExpressionSyntax } argument
                    when !HandsItOver(argument, model, options, cancellationToken):
                    plan.Replace.Add(identifier);
                    continue;
                default:
                    // Anything else (using (client), casts, constructor arguments that may take
                    // ownership, writes) could dispose or replace the shared client.
                    return false;
            }
        }

        return true;
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

    /// <summary>The edits to one type declaration, applied through annotations so that nested edits survive each other.</summary>
    private sealed class EditPlan
    {
        private static readonly SyntaxAnnotation ReplaceMark = new();
        private static readonly SyntaxAnnotation RemoveMark = new();
        private static readonly SyntaxAnnotation UnwrapMark = new();

        public List<SyntaxNode> Replace { get; } = new();

        public List<StatementSyntax> Remove { get; } = new();

        public UsingStatementSyntax? Unwrap { get; set; }

        public TypeDeclarationSyntax ApplyTo(TypeDeclarationSyntax type, string fieldName)
        {
            var marks = new Dictionary<SyntaxNode, SyntaxAnnotation>();
            foreach (var node in Replace)
            {
                marks[node] = ReplaceMark;
            }

            foreach (var node in Remove)
            {
                marks[node] = RemoveMark;
            }

            if (Unwrap is not null)
            {
                marks[Unwrap] = UnwrapMark;
            }

            var marked = type.ReplaceNodes(marks.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(marks[original]));
            marked = marked.ReplaceNodes(
                marked.GetAnnotatedNodes(ReplaceMark),
                (_, rewritten) => IdentifierName(fieldName).WithTriviaFrom(rewritten));

            if (marked.GetAnnotatedNodes(UnwrapMark).FirstOrDefault() is UsingStatementSyntax usingStatement &&
                usingStatement.Statement is BlockSyntax body)
            {
                var statements = body.Statements.Select(statement => statement.WithAdditionalAnnotations(Formatter.Annotation));
                marked = marked.ReplaceNode(usingStatement, statements.Select((statement, index) => index == 0 ? statement.WithLeadingTrivia(usingStatement.GetLeadingTrivia()) : statement));
            }

            var removed = marked.GetAnnotatedNodes(RemoveMark).ToList();
            return removed.Count == 0 ? marked : marked.RemoveNodes(removed, SyntaxRemoveOptions.KeepNoTrivia)!;
        }
    }

    /// <summary>An expression that means the same in a static field initializer: no locals, parameters or instance members.</summary>
    private static bool IsIndependentOfTheCall(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var node in expression.DescendantNodesAndSelf())
        {
            if (node is not SimpleNameSyntax name)
            {
                continue;
            }

            var symbol = model.GetSymbolInfo(name, cancellationToken).Symbol;
            switch (symbol)
            {
                case null:
                case ILocalSymbol:
                case IParameterSymbol:
                case IRangeVariableSymbol:
                    return false;
                case IFieldSymbol { IsStatic: false, IsConst: false }:
                case IPropertySymbol { IsStatic: false } when !IsMemberOfAccessedValue(name):
                case IMethodSymbol { IsStatic: false, MethodKind: not MethodKind.Constructor } when !IsMemberOfAccessedValue(name):
                    return false;
            }
        }

        return true;

        // TimeSpan.FromSeconds(5).TotalSeconds: an instance member of a value built from constants is fine.
        static bool IsMemberOfAccessedValue(SimpleNameSyntax name) =>
            name.Parent is MemberAccessExpressionSyntax memberAccess && memberAccess.Name == name;
    }

    private static IFieldSymbol? ExistingSharedClient(INamedTypeSymbol type, ITypeSymbol httpClient) =>
        type.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(field =>
            field.IsStatic && !field.IsConst && SymbolEqualityComparer.Default.Equals(field.Type, httpClient) && !field.IsImplicitlyDeclared);

    /// <summary>A <c>static readonly</c> field initialized with exactly the settings this call would give its client.</summary>
    private static bool HasSameSettings(IFieldSymbol field, List<(string Property, ExpressionSyntax Value)> configuration, CancellationToken cancellationToken)
    {
        if (!field.IsReadOnly ||
            field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: BaseObjectCreationExpressionSyntax initializer })
        {
            return false;
        }

        var existing = initializer.Initializer?.Expressions.Select(Normalize).OrderBy(setting => setting, StringComparer.Ordinal) ?? Enumerable.Empty<string>();
        var wanted = configuration.Select(setting => setting.Property + "=" + Normalize(setting.Value)).OrderBy(setting => setting, StringComparer.Ordinal);
        return existing.SequenceEqual(wanted, StringComparer.Ordinal);

        static string Normalize(SyntaxNode node) => new string(node.ToString().Where(c => !char.IsWhiteSpace(c)).ToArray());
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

    private static bool AllNamesBind(SemanticModel model, int position, params string[] names) =>
        names.All(name => model.LookupNamespacesAndTypes(position, name: name).Length > 0);

    /// <param name="socketsHandlerAvailable">False on netstandard2.0/.NET Framework: the client is then built without a handler.</param>
    private static MemberDeclarationSyntax SharedField(string name, List<(string Property, ExpressionSyntax Value)> configuration, LanguageVersion languageVersion, bool socketsHandlerAvailable, MemberDeclarationSyntax? nextMember, string newLine)
    {
        var settings = configuration.Count == 0
            ? string.Empty
            : " { " + string.Join(", ", configuration.Select(setting => setting.Property + " = " + setting.Value.WithoutTrivia().ToFullString())) + " }";
        var construction = languageVersion >= LanguageVersion.CSharp9 ? "new" : "new global::System.Net.Http.HttpClient";
        var handler = socketsHandlerAvailable
            ? "new global::System.Net.Http.SocketsHttpHandler { PooledConnectionLifetime = global::System.TimeSpan.FromMinutes(2) }"
            : string.Empty;
        var field = (FieldDeclarationSyntax)ParseMemberDeclaration(
            $"private static readonly global::System.Net.Http.HttpClient {name} = {construction}({handler}){settings};")!;
        var separator = nextMember is FieldDeclarationSyntax ? TriviaList(EndOfLine(newLine)) : TriviaList(EndOfLine(newLine), EndOfLine(newLine));
        return field
            .WithTrailingTrivia(separator)
            .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation);
    }
}
