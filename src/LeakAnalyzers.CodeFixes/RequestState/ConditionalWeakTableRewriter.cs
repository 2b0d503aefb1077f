using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>
/// LEAK007 fix 1: turns a dictionary field keyed by a request object (private or internal, or any
/// field of an application: every use is in the solution) into a
/// <c>ConditionalWeakTable&lt;TKey, TValue&gt;</c> and rewrites every use of it in the solution
/// (the uses: <see cref="ConditionalWeakTableUses"/>; the creations: <see cref="WeakTableCreation"/>).
/// All or nothing: one use the weak table cannot express (passing the field on, an update that
/// reads the old value...) and there is no plan.
/// </summary>
internal static class ConditionalWeakTableRewriter
{
    private const string WeakTableMetadataName = "System.Runtime.CompilerServices.ConditionalWeakTable`2";

    public static async Task<FieldRewritePlan?> PlanAsync(Document document, SyntaxNode target, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null ||
            target is not VariableDeclaratorSyntax declarator ||
            declarator.Parent is not VariableDeclarationSyntax declaration ||
            declaration.Parent is not FieldDeclarationSyntax fieldDeclaration ||
            fieldDeclaration.Parent is not TypeDeclarationSyntax typeDeclaration ||
            TypeArgumentsOf(declaration.Type) is not { Arguments.Count: 2 } typeArguments ||
            model.GetDeclaredSymbol(declarator, cancellationToken) is not IFieldSymbol field ||
            !AllUsesInReach(field, model.Compilation) ||
            model.Compilation.GetTypeByMetadataName(WeakTableMetadataName) is not { } weakTable ||
            DictionaryValueOf(field.Type, model.Compilation) is not { } valueType)
        {
            return null;
        }

        // The weak table holds classes only: a value-type value (a DateTime, a counter) is held in a StrongBox<T>.
        var valueSyntax = typeArguments.Arguments[1].WithoutTrivia();
        var boxedValue = valueType.IsReferenceType ? null : ParseTypeName($"global::System.Runtime.CompilerServices.StrongBox<{valueSyntax}>");
        var weakTableArguments = boxedValue is null ? typeArguments.WithoutTrivia().ToFullString() : $"<{typeArguments.Arguments[0].WithoutTrivia()}, {boxedValue}>";
        var weakTableType = ParseTypeName("global::System.Runtime.CompilerServices.ConditionalWeakTable" + weakTableArguments)
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var plan = new FieldRewritePlan(field);
        var declaratorMarker = new SyntaxAnnotation();
        plan.Add(document.Id, declarator, rewritten => rewritten.WithAdditionalAnnotations(declaratorMarker));
        if (declaration.Variables.Count == 1)
        {
            plan.Add(document.Id, declaration.Type, rewritten => weakTableType.WithTriviaFrom(rewritten));
        }
        else
        {
            // Sockets = new(), Names = new(): the field gets a declaration of its own; the others keep the type.
            plan.Add(document.Id, typeDeclaration, rewritten => SplitDeclaration((TypeDeclarationSyntax)rewritten, declaratorMarker, weakTableType));
        }

        var enumerable = weakTable.AllInterfaces.Any(candidate => candidate.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);
        var creations = new WeakTableCreation(weakTableType, boxedValue is not null, enumerable);
        if (declarator.Initializer?.Value is { } initializer && !creations.Plan(plan, document.Id, initializer, model, cancellationToken))
        {
            // Initial entries, or a collection built elsewhere: nothing a weak table can take over.
            return null;
        }

        var uses = new ConditionalWeakTableUses(plan, weakTable, field.Name, GateName(field), boxedValue, creations);
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
                if (!uses.Plan(node, referencingModel, referencingDocument.Id, cancellationToken))
                {
                    return null;
                }
            }
        }

        if (uses.GateUsed)
        {
            AddGateField(plan, document.Id, typeDeclaration, declaratorMarker, fieldDeclaration, uses.GateName, model);
        }

        return plan;
    }

    /// <summary>
    /// <c>lock (map)</c> becomes <c>lock (mapGate)</c>: the weak table is the collection, not a lock,
    /// so a dedicated object declared right after the field takes that role.
    /// </summary>
    private static void AddGateField(FieldRewritePlan plan, DocumentId document, TypeDeclarationSyntax type, SyntaxAnnotation declaratorMarker, FieldDeclarationSyntax field, string name, SemanticModel model)
    {
        plan.Add(document, type, rewritten =>
        {
            var rewrittenType = (TypeDeclarationSyntax)rewritten;
            var anchor = rewrittenType.Members.First(member => member.GetAnnotatedNodes(declaratorMarker).Any());
            var modifiers = field.Modifiers.Where(modifier => SyntaxFacts.IsAccessibilityModifier(modifier.Kind()) || modifier.IsKind(SyntaxKind.StaticKeyword));
            var creation = ((CSharpParseOptions)model.SyntaxTree.Options).LanguageVersion >= LanguageVersion.CSharp9 ? "new()" : "new object()";
            var declarationText = string.Join(" ", modifiers.Select(modifier => modifier.Text).Concat(new[] { "readonly", "object", name, "=", creation })) + ";";
            var indentation = anchor.GetLeadingTrivia().Reverse().TakeWhile(trivia => trivia.IsKind(SyntaxKind.WhitespaceTrivia));
            var gate = ParseMemberDeclaration(declarationText)!
                .WithLeadingTrivia(indentation.Reverse())
                .WithTrailingTrivia(anchor.GetTrailingTrivia().Where(trivia => trivia.IsKind(SyntaxKind.EndOfLineTrivia)).Take(1));
            return rewrittenType.InsertNodesAfter(anchor, new[] { gate });
        });
    }

    /// <summary>
    /// <c>A = new(), B = new();</c> with B rewritten: <c>A</c> keeps the declaration, and B gets one
    /// of its own (same modifiers, the weak table's type), in declaration order. Found by annotation,
    /// so Fix All can split the same declaration once per field.
    /// </summary>
    private static SyntaxNode SplitDeclaration(TypeDeclarationSyntax type, SyntaxAnnotation declaratorMarker, TypeSyntax weakTableType)
    {
        var declarator = type.GetAnnotatedNodes(declaratorMarker).OfType<VariableDeclaratorSyntax>().First();
        var field = (FieldDeclarationSyntax)declarator.Parent!.Parent!;
        if (field.Declaration.Variables.Count == 1)
        {
            // Fix All: the other fields already left this declaration.
            return type.ReplaceNode(field.Declaration.Type, weakTableType.WithTriviaFrom(field.Declaration.Type));
        }

        // The declaration order stays: a first field goes before the others, any other after them.
        var first = field.Declaration.Variables.IndexOf(declarator) == 0;
        var indentation = field.GetLeadingTrivia().Reverse().TakeWhile(trivia => trivia.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse();
        var rest = field.WithDeclaration(field.Declaration.WithVariables(field.Declaration.Variables.Remove(declarator)));
        var own = field.WithDeclaration(VariableDeclaration(weakTableType.WithTrailingTrivia(Space), SingletonSeparatedList(declarator.WithoutTrivia())));
        return first
            ? type.ReplaceNode(field, new SyntaxNode[] { own, rest.WithLeadingTrivia(indentation) })
            : type.ReplaceNode(field, new SyntaxNode[] { rest, own.WithLeadingTrivia(indentation) });
    }

    /// <summary><c>s_timers</c> -> <c>s_timersGate</c>, unless a member of the type already has the name.</summary>
    private static string GateName(IFieldSymbol field)
    {
        var taken = new HashSet<string>(field.ContainingType.GetMembers().Select(member => member.Name));
        var name = field.Name + "Gate";
        for (var suffix = 2; taken.Contains(name); suffix++)
        {
            name = field.Name + "Gate" + suffix;
        }

        return name;
    }

    /// <summary>
    /// The value type of a <c>Dictionary&lt;K, V&gt;</c>, <c>ConcurrentDictionary&lt;K, V&gt;</c>,
    /// <c>IDictionary&lt;K, V&gt;</c>, <c>IReadOnlyDictionary&lt;K, V&gt;</c>... whose key is a reference
    /// type, as the weak table requires.
    /// </summary>
    private static ITypeSymbol? DictionaryValueOf(ITypeSymbol type, Compilation compilation)
    {
        var dictionaries = new[]
        {
            compilation.GetTypeByMetadataName("System.Collections.Generic.IDictionary`2"),
            compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyDictionary`2"),
        };
        if (type is not INamedTypeSymbol { TypeArguments.Length: 2 } named ||
            named.TypeArguments[0] is not { IsReferenceType: true } key ||
            named.TypeArguments[1] is not { TypeKind: not TypeKind.TypeParameter and not TypeKind.Error } value ||
            value.IsRefLikeType)
        {
            return null;
        }

        return named.AllInterfaces.Add(named).Any(candidate =>
            dictionaries.Contains(candidate.OriginalDefinition, SymbolEqualityComparer.Default) &&
            SymbolEqualityComparer.Default.Equals(candidate.TypeArguments[0], key) &&
            SymbolEqualityComparer.Default.Equals(candidate.TypeArguments[1], value))
            ? value
            : null;
    }

    private static TypeArgumentListSyntax? TypeArgumentsOf(TypeSyntax type) => type switch
    {
        GenericNameSyntax generic => generic.TypeArgumentList,
        QualifiedNameSyntax { Right: GenericNameSyntax generic } => generic.TypeArgumentList,
        AliasQualifiedNameSyntax { Name: GenericNameSyntax generic } => generic.TypeArgumentList,
        _ => null,
    };

    /// <summary>
    /// Every use of the field is in the solution, where the rewrite reaches it: the field is visible
    /// only inside its assembly (and its friends), or the assembly is an application, which other
    /// assemblies do not build on (its tests in the solution are rewritten with it). A library's
    /// public field is its API: changing its type would break users the solution does not contain.
    /// </summary>
    private static bool AllUsesInReach(IFieldSymbol field, Compilation compilation) =>
        compilation.Options.OutputKind is not (OutputKind.DynamicallyLinkedLibrary or OutputKind.NetModule) || IsVisibleOnlyInside(field);

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
