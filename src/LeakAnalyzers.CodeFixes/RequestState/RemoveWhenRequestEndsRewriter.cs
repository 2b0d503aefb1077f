using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.Lifetimes;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>
/// LEAK007 fix 2, "remove when the request ends": for a private collection that holds request
/// objects (a <c>List&lt;WebSocket&gt;</c> of connected clients, a <c>HashSet&lt;HttpContext&gt;</c>
/// of active requests, a <c>ConcurrentDictionary&lt;string, WebSocket&gt;</c>), the rest of each
/// method that stores an entry goes into <c>try { ... } finally { field.Remove(entry); }</c> (inside
/// the same <c>lock</c> when the store was locked). All or nothing: every store must be a statement
/// of a method body with code after it, of an entry that reads the same at the end; collections
/// without a removal by entry (bags, queues, stacks) get no plan.
/// </summary>
internal static class RemoveWhenRequestEndsRewriter
{
    public static async Task<FieldRewritePlan?> PlanAsync(Document document, SyntaxNode target, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null ||
            target is not VariableDeclaratorSyntax declarator ||
            model.GetDeclaredSymbol(declarator, cancellationToken) is not IFieldSymbol field ||
            // The analyzer judges private fields of types without nested types by their uses: only there does the fix end the diagnostic.
            field.DeclaredAccessibility != Accessibility.Private ||
            !field.ContainingType.GetTypeMembers().IsEmpty ||
            // Non-generic collections are reported by what is stored in them, not judged by their uses.
            field.Type is not INamedTypeSymbol { IsGenericType: true } ||
            RemovalOf(field.Type) is not { } removal)
        {
            return null;
        }

        var plan = new FieldRewritePlan(field);
        var wrappedBlocks = new HashSet<BlockSyntax>();
        var stores = 0;
        foreach (var referenced in await SymbolFinder.FindReferencesAsync(field, document.Project.Solution, cancellationToken).ConfigureAwait(false))
        {
            foreach (var location in referenced.Locations)
            {
                if (location.IsCandidateLocation || location.IsImplicit ||
                    await location.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } referencingModel)
                {
                    return null;
                }

                var root = await referencingModel.SyntaxTree.GetRootAsync(cancellationToken).ConfigureAwait(false);
                var node = root.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true);
                var reference = node.Parent is MemberAccessExpressionSyntax qualified && qualified.Name == node ? qualified : node;
                if (referencingModel.GetOperation(reference, cancellationToken) is not IFieldReferenceOperation fieldReference)
                {
                    return null;
                }

                switch (RequestEntries.Classify(fieldReference, out var store))
                {
                    case EntryUse.Read:
                        continue;
                    case EntryUse.Store when RequestEntries.IsRemovedWhenScopeEnds(store!, field):
                        stores++;
                        continue;
                    case EntryUse.Store when PlanStore(store!, field, removal, referencingModel, location.Document.Id, plan, wrappedBlocks, cancellationToken):
                        stores++;
                        continue;
                    default:
                        return null;
                }
            }
        }

        return stores > 0 && wrappedBlocks.Count > 0 ? plan : null;
    }

    /// <summary><c>TryRemove(entry, out _)</c> on concurrent dictionaries, <c>Remove(entry)</c> on dictionaries, lists and sets; none on bags and queues.</summary>
    private static string? RemovalOf(ITypeSymbol type)
    {
        var members = type.GetMembers().Concat(type.AllInterfaces.SelectMany(implemented => implemented.GetMembers())).OfType<IMethodSymbol>().ToList();
        if (members.Any(method => method is { Name: "TryRemove", DeclaredAccessibility: Accessibility.Public, Parameters.Length: 2 } && method.Parameters[1].RefKind == RefKind.Out))
        {
            return "TryRemove";
        }

        return members.Any(method => method is { Name: "Remove", Parameters.Length: 1 } && method.Parameters[0].RefKind == RefKind.None) ? "Remove" : null;
    }

    private static bool PlanStore(IOperation store, IFieldSymbol field, string removal, SemanticModel model, DocumentId document, FieldRewritePlan plan, HashSet<BlockSyntax> wrappedBlocks, CancellationToken cancellationToken)
    {
        if (RequestEntries.StoredEntry(store) is not { } entry ||
            RequestEntries.StableRoot(entry) is not { } root ||
            RequestEntries.StoringStatement(store) is not { Syntax: StatementSyntax unit } ||
            unit.Parent is not BlockSyntax block ||
            !RunsToTheEndOfTheMethod(block) ||
            !wrappedBlocks.Add(block) ||
            ReceiverOf(store.Syntax) is not { } receiver)
        {
            return false;
        }

        var rest = RestOf(block, unit);
        var removals = rest.Where(statement => RemovesEntry(statement, field, entry, model, cancellationToken)).ToList();
        var wrapped = rest.Count > 0 && removals.Contains(rest[rest.Count - 1]) ? rest.Take(rest.Count - 1).ToList() : rest;
        if (wrapped.Count == 0 ||
            wrapped.Any(statement => statement is LocalFunctionStatementSyntax) ||
            (root is ILocalSymbol or IParameterSymbol && model.AnalyzeDataFlow(wrapped[0], wrapped[wrapped.Count - 1]) is { Succeeded: true } flow && flow.WrittenInside.Contains(root, SymbolEqualityComparer.Default)))
        {
            return false;
        }

        StatementSyntax cleanup = ParseStatement($"{receiver.WithoutTrivia()}.{removal}({entry.Syntax.WithoutTrivia()}{(removal == "TryRemove" ? ", out _" : string.Empty)});");
        if (unit is LockStatementSyntax locked)
        {
            cleanup = LockStatement(locked.Expression.WithoutTrivia(), Block(cleanup));
        }

        // Found again by annotation: when two fields are stored in one method, one try/finally nests in the other.
        var storeMarker = new SyntaxAnnotation();
        var removalMarker = new SyntaxAnnotation();
        plan.Add(document, unit, rewritten => rewritten.WithAdditionalAnnotations(storeMarker));
        foreach (var existing in removals)
        {
            plan.Add(document, existing, rewritten => rewritten.WithAdditionalAnnotations(removalMarker));
        }

        plan.Add(document, block, rewritten =>
        {
            var current = (BlockSyntax)rewritten;
            var storing = current.GetAnnotatedNodes(storeMarker).OfType<StatementSyntax>().FirstOrDefault();
            return storing?.Parent is BlockSyntax enclosing ? current.ReplaceNode(enclosing, Wrap(enclosing, storing, removalMarker, cleanup)) : current;
        });
        return true;
    }

    /// <summary><paramref name="block"/> runs to the end of its method: the method body, or the <c>try</c> (without <c>catch</c>) that ends such a block.</summary>
    private static bool RunsToTheEndOfTheMethod(BlockSyntax block)
    {
        for (var depth = 0; depth < 8; depth++)
        {
            switch (block.Parent)
            {
                case BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax:
                    return true;
                case TryStatementSyntax { Catches.Count: 0, Parent: BlockSyntax outer } tryStatement when tryStatement.Block == block && RestOf(outer, tryStatement).Count == 0:
                    block = outer;
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>The statements after <paramref name="statement"/>, less the local functions that end the block (they stay visible to the code before).</summary>
    private static List<StatementSyntax> RestOf(BlockSyntax block, StatementSyntax statement)
    {
        var rest = block.Statements.Skip(block.Statements.IndexOf(statement) + 1).ToList();
        var trailingFunctions = rest.AsEnumerable().Reverse().TakeWhile(candidate => candidate is LocalFunctionStatementSyntax).Count();
        rest.RemoveRange(rest.Count - trailingFunctions, trailingFunctions);
        return rest;
    }

    /// <summary><c>store; try { rest } finally { cleanup }</c>; a removal of the same entry that ended the rest moves into the <c>finally</c>.</summary>
    private static BlockSyntax Wrap(BlockSyntax block, StatementSyntax storing, SyntaxAnnotation removalMarker, StatementSyntax cleanup)
    {
        var rest = RestOf(block, storing);
        var replaced = rest.Count;
        if (rest.Count > 0 && rest[rest.Count - 1].HasAnnotation(removalMarker))
        {
            rest.RemoveAt(rest.Count - 1);
        }

        if (rest.Count == 0)
        {
            return block;
        }

        // Blank lines before the rest stay before the try; the rest's own comments go in with it.
        var leading = rest[0].GetLeadingTrivia();
        var blankLines = 0;
        for (var i = 0; i < leading.Count && leading[i].Kind() is SyntaxKind.WhitespaceTrivia or SyntaxKind.EndOfLineTrivia; i++)
        {
            if (leading[i].IsKind(SyntaxKind.EndOfLineTrivia))
            {
                blankLines = i + 1;
            }
        }

        rest[0] = rest[0].WithLeadingTrivia(leading.Skip(blankLines));
        var indentation = leading.Reverse().TakeWhile(trivia => trivia.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse();
        var guarded = TryStatement(Block(rest), default, FinallyClause(Block(cleanup)))
            .WithLeadingTrivia(leading.Take(blankLines).Concat(indentation))
            .WithAdditionalAnnotations(Formatter.Annotation);
        var index = block.Statements.IndexOf(storing);
        var statements = block.Statements.Take(index + 1).Append(guarded).Concat(block.Statements.Skip(index + 1 + replaced));
        return block.WithStatements(List(statements));
    }

    /// <summary>The collection expression of <c>field.Add(...)</c> or <c>field[key] = ...</c>, as written.</summary>
    private static ExpressionSyntax? ReceiverOf(SyntaxNode store) => store switch
    {
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => access.Expression,
        AssignmentExpressionSyntax { Left: ElementAccessExpressionSyntax access } => access.Expression,
        _ => null,
    };

    /// <summary><c>field.Remove(entry);</c> (or <c>TryRemove</c>, or that alone in a <c>lock</c>): the clean-up the <c>finally</c> takes over.</summary>
    private static bool RemovesEntry(StatementSyntax statement, IFieldSymbol field, IOperation entry, SemanticModel model, CancellationToken cancellationToken)
    {
        if (statement is LockStatementSyntax { Statement: BlockSyntax { Statements.Count: 1 } body })
        {
            statement = body.Statements[0];
        }

        return model.GetOperation(statement, cancellationToken) is IExpressionStatementOperation
        {
            Operation: IInvocationOperation { TargetMethod.Name: "Remove" or "TryRemove", Arguments.Length: > 0, Instance: IFieldReferenceOperation removed } removal,
        } &&
            SymbolEqualityComparer.Default.Equals(removed.Field, field) &&
            RequestEntries.SameValue(OperationNavigation.SkipConversions(removal.Arguments[0].Value), entry);
    }
}
