using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Rules;

/// <summary>
/// LEAK007 fix: turns a private or internal dictionary field keyed by a request object into a
/// <c>ConditionalWeakTable&lt;TKey, TValue&gt;</c> and rewrites every use of it in the solution.
/// The plan is all or nothing: one use the weak table cannot express (enumeration, <c>Count</c>,
/// <c>Keys</c>, an indexer read, passing the field on...) and there is no plan.
/// </summary>
internal static class ConditionalWeakTableRewriter
{
    private const string WeakTableMetadataName = "System.Runtime.CompilerServices.ConditionalWeakTable`2";

    /// <summary>The rewrite of one field: per document, original nodes and how to rewrite each (given its already rewritten descendants).</summary>
    internal sealed class Plan
    {
        public Plan(IFieldSymbol field) => Field = field;

        public IFieldSymbol Field { get; }

        public Dictionary<DocumentId, Dictionary<SyntaxNode, Func<SyntaxNode, SyntaxNode>>> Edits { get; } = new();

        public void Add(DocumentId document, SyntaxNode node, Func<SyntaxNode, SyntaxNode> rewrite)
        {
            if (!Edits.TryGetValue(document, out var edits))
            {
                edits = new Dictionary<SyntaxNode, Func<SyntaxNode, SyntaxNode>>();
                Edits.Add(document, edits);
            }

            edits[node] = rewrite;
        }
    }

    public static async Task<Plan?> PlanAsync(Document document, SyntaxNode target, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null ||
            target is not VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator ||
            declarator.Parent is not VariableDeclarationSyntax { Variables.Count: 1 } declaration ||
            declaration.Parent is not FieldDeclarationSyntax ||
            TypeArgumentsOf(declaration.Type) is not { Arguments.Count: 2 } typeArguments ||
            model.GetDeclaredSymbol(declarator, cancellationToken) is not IFieldSymbol field ||
            !IsVisibleOnlyInside(field) ||
            model.Compilation.GetTypeByMetadataName(WeakTableMetadataName) is not { } weakTable ||
            !IsDictionaryOfReferences(field.Type, model.Compilation))
        {
            return null;
        }

        var weakTableType = ParseTypeName("global::System.Runtime.CompilerServices.ConditionalWeakTable" + typeArguments.WithoutTrivia().ToFullString())
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var plan = new Plan(field);
        plan.Add(document.Id, declaration.Type, rewritten => weakTableType.WithTriviaFrom(rewritten));
        switch (initializer)
        {
            case ImplicitObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 0, Initializer: null }:
                break;
            case ObjectCreationExpressionSyntax { ArgumentList: null or { Arguments.Count: 0 }, Initializer: null }:
                plan.Add(document.Id, initializer, rewritten => ObjectCreationExpression(weakTableType).WithArgumentList(ArgumentList()).WithTriviaFrom(rewritten));
                break;
            case CollectionExpressionSyntax { Elements.Count: 0 }:
                plan.Add(document.Id, initializer, rewritten => ImplicitObjectCreationExpression().WithTriviaFrom(rewritten));
                break;
            default:
                // Capacity, comparer or initial entries: nothing a weak table can take over.
                return null;
        }

        var solution = document.Project.Solution;
        var models = new Dictionary<DocumentId, SemanticModel>();
        foreach (var referenced in await SymbolFinder.FindReferencesAsync(field, solution, cancellationToken).ConfigureAwait(false))
        {
            foreach (var location in referenced.Locations)
            {
                if (location.IsCandidateLocation || location.IsImplicit)
                {
                    return null;
                }

                var referencingDocument = location.Document;
                if (!models.TryGetValue(referencingDocument.Id, out var referencingModel))
                {
                    referencingModel = await referencingDocument.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                    if (referencingModel is null)
                    {
                        return null;
                    }

                    models.Add(referencingDocument.Id, referencingModel);
                }

                var root = await referencingModel.SyntaxTree.GetRootAsync(cancellationToken).ConfigureAwait(false);
                var node = root.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true);
                if (!PlanUse(node, referencingModel, weakTable, plan, referencingDocument.Id, cancellationToken))
                {
                    return null;
                }
            }
        }

        return plan;
    }

    /// <summary>Applies the plans of several fields at once: nodes are keyed in the original trees, so edits from different fields compose.</summary>
    public static async Task<Solution> ApplyAsync(Solution solution, IEnumerable<Plan> plans, CancellationToken cancellationToken)
    {
        var merged = new Dictionary<DocumentId, Dictionary<SyntaxNode, Func<SyntaxNode, SyntaxNode>>>();
        foreach (var plan in plans)
        {
            foreach (var pair in plan.Edits)
            {
                if (!merged.TryGetValue(pair.Key, out var edits))
                {
                    edits = new Dictionary<SyntaxNode, Func<SyntaxNode, SyntaxNode>>();
                    merged.Add(pair.Key, edits);
                }

                foreach (var edit in pair.Value)
                {
                    edits[edit.Key] = edit.Value;
                }
            }
        }

        foreach (var pair in merged)
        {
            var document = solution.GetDocument(pair.Key);
            var root = document is null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                continue;
            }

            var edits = pair.Value;
            var rewritten = root.ReplaceNodes(edits.Keys, (original, current) => edits[original](current));
            var withImports = await ImportAdder.AddImportsAsync(document!.WithSyntaxRoot(rewritten), Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            solution = withImports.Project.Solution;
        }

        return solution;
    }

    /// <summary>Plans the rewrite of one reference to the field; false when the weak table cannot express it.</summary>
    private static bool PlanUse(SyntaxNode node, SemanticModel model, INamedTypeSymbol weakTable, Plan plan, DocumentId document, CancellationToken cancellationToken)
    {
        var reference = node.Parent is MemberAccessExpressionSyntax qualified && qualified.Name == node ? qualified : node;
        if (model.GetOperation(reference, cancellationToken) is not IFieldReferenceOperation fieldReference)
        {
            return false;
        }

        switch (fieldReference.Parent)
        {
            case IInvocationOperation { Syntax: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax } syntax } invocation
                when invocation.Instance == fieldReference && !IsIncomplete(syntax) && syntax.ArgumentList.Arguments.All(argument => argument.NameColon is null):
                return PlanCall(invocation, syntax, weakTable, plan, document);

            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer
                when indexer.Instance == fieldReference &&
                     indexer.Parent is ISimpleAssignmentOperation { Parent: IExpressionStatementOperation, Syntax: AssignmentExpressionSyntax assignment } store &&
                     store.Target == indexer &&
                     !IsIncomplete(assignment) &&
                     HasMethod(weakTable, "AddOrUpdate", 2):
                // map[key] = value;  ->  map.AddOrUpdate(key, value);
                plan.Add(document, assignment, rewritten =>
                {
                    var write = (AssignmentExpressionSyntax)rewritten;
                    var access = (ElementAccessExpressionSyntax)write.Left;
                    var arguments = access.ArgumentList.Arguments.Add(Argument(write.Right.WithoutTrivia()));
                    return InvocationExpression(
                            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, access.Expression, IdentifierName("AddOrUpdate")),
                            ArgumentList(arguments))
                        .WithTriviaFrom(write);
                });
                return true;

            default:
                return false;
        }
    }

    private static bool PlanCall(IInvocationOperation invocation, InvocationExpressionSyntax syntax, INamedTypeSymbol weakTable, Plan plan, DocumentId document)
    {
        var arguments = invocation.Arguments;
        switch (invocation.TargetMethod.Name, arguments.Length)
        {
            case ("TryGetValue", 2):
            case ("Remove", 1):
            case ("TryAdd", 2):
            case ("Add", 2):
            case ("Clear", 0):
                // Same name, arguments and meaning on the weak table.
                return HasMethod(weakTable, invocation.TargetMethod.Name, arguments.Length);

            case ("ContainsKey", 1):
                plan.Add(document, syntax, rewritten => Rename((InvocationExpressionSyntax)rewritten, "TryGetValue", argumentList => argumentList.AddArguments(DiscardOut())));
                return true;

            case ("GetOrAdd", 2) when arguments[1].Value is IDelegateCreationOperation:
                // A lambda or method group converts to CreateValueCallback; a Func<,> variable would not.
                plan.Add(document, syntax, rewritten => Rename((InvocationExpressionSyntax)rewritten, "GetValue", argumentList => argumentList));
                return true;

            case ("AddOrUpdate", 3) when invocation.Parent is IExpressionStatementOperation && UpdatesToTheAddedValue(arguments[1].Value, arguments[2].Value) && HasMethod(weakTable, "AddOrUpdate", 2):
                // map.AddOrUpdate(key, value, (_, _) => value);  ->  map.AddOrUpdate(key, value);
                plan.Add(document, syntax, rewritten => Rename((InvocationExpressionSyntax)rewritten, "AddOrUpdate", argumentList => argumentList.WithArguments(argumentList.Arguments.RemoveAt(2))));
                return true;

            case ("TryRemove", 2) or ("Remove", 2) when arguments[1].Value is IDiscardOperation:
                plan.Add(document, syntax, rewritten => Rename((InvocationExpressionSyntax)rewritten, "Remove", argumentList => argumentList.WithArguments(SingletonSeparatedList(argumentList.Arguments[0]))));
                return true;

            default:
                return false;
        }
    }

    /// <summary>A use the parser could not make sense of cannot be rewritten into anything better.</summary>
    private static bool IsIncomplete(SyntaxNode use) =>
        use.ContainsDiagnostics || use.DescendantTokens().Any(token => token.IsMissing);

    /// <summary>An update lambda that returns the very value being added (same local, parameter or constant): plain overwrite.</summary>
    private static bool UpdatesToTheAddedValue(IOperation added, IOperation update)
    {
        if (update is not IDelegateCreationOperation { Target: IAnonymousFunctionOperation { Body.Operations: { Length: 1 } body } } ||
            body[0] is not IReturnOperation { ReturnedValue: { } returned })
        {
            return false;
        }

        return (OperationNavigation.SkipConversions(added), OperationNavigation.SkipConversions(returned)) switch
        {
            (ILocalReferenceOperation a, ILocalReferenceOperation b) => SymbolEqualityComparer.Default.Equals(a.Local, b.Local),
            (IParameterReferenceOperation a, IParameterReferenceOperation b) => SymbolEqualityComparer.Default.Equals(a.Parameter, b.Parameter),
            (ILiteralOperation a, ILiteralOperation b) => a.ConstantValue.HasValue && b.ConstantValue.HasValue && Equals(a.ConstantValue.Value, b.ConstantValue.Value),
            _ => false,
        };
    }

    private static InvocationExpressionSyntax Rename(InvocationExpressionSyntax invocation, string name, Func<ArgumentListSyntax, ArgumentListSyntax> arguments)
    {
        var memberAccess = (MemberAccessExpressionSyntax)invocation.Expression;
        return invocation
            .WithExpression(memberAccess.WithName(IdentifierName(name).WithTriviaFrom(memberAccess.Name)))
            .WithArgumentList(arguments(invocation.ArgumentList));
    }

    /// <summary>Parsed, not built: only the parser gives '_' the contextual kind that makes it a discard.</summary>
    private static ArgumentSyntax DiscardOut() => ParseArgumentList("(out _)").Arguments[0];

    private static bool HasMethod(INamedTypeSymbol type, string name, int parameterCount) =>
        type.GetMembers(name).OfType<IMethodSymbol>().Any(method => method.DeclaredAccessibility == Accessibility.Public && method.Parameters.Length == parameterCount);

    /// <summary><c>Dictionary&lt;K, V&gt;</c>, <c>ConcurrentDictionary&lt;K, V&gt;</c>, <c>IDictionary&lt;K, V&gt;</c>... whose K and V are reference types, as the weak table requires.</summary>
    private static bool IsDictionaryOfReferences(ITypeSymbol type, Compilation compilation)
    {
        var dictionary = compilation.GetTypeByMetadataName("System.Collections.Generic.IDictionary`2");
        if (type is not INamedTypeSymbol { TypeArguments.Length: 2 } named ||
            named.TypeArguments[0] is not { IsReferenceType: true } key ||
            named.TypeArguments[1] is not { IsReferenceType: true } value)
        {
            return false;
        }

        return named.AllInterfaces.Add(named).Any(candidate =>
            SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, dictionary) &&
            SymbolEqualityComparer.Default.Equals(candidate.TypeArguments[0], key) &&
            SymbolEqualityComparer.Default.Equals(candidate.TypeArguments[1], value));
    }

    private static TypeArgumentListSyntax? TypeArgumentsOf(TypeSyntax type) => type switch
    {
        GenericNameSyntax generic => generic.TypeArgumentList,
        QualifiedNameSyntax { Right: GenericNameSyntax generic } => generic.TypeArgumentList,
        AliasQualifiedNameSyntax { Name: GenericNameSyntax generic } => generic.TypeArgumentList,
        _ => null,
    };

    /// <summary>Only code of this assembly (and its friends) can use the field, so every use is in reach of the rewrite.</summary>
    private static bool IsVisibleOnlyInside(ISymbol symbol)
    {
        for (ISymbol? current = symbol; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is Accessibility.Private or Accessibility.Internal or Accessibility.ProtectedAndInternal)
            {
                return true;
            }
        }

        return false;
    }
}
