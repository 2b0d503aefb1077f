using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Lifetimes;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>
/// LEAK007 fix 2, "remove when the request ends": for a private collection that holds request
/// objects (a <c>List&lt;WebSocket&gt;</c> of connected clients, a <c>HashSet&lt;HttpContext&gt;</c>
/// of active requests, a <c>ConcurrentDictionary&lt;string, WebSocket&gt;</c>), the rest of each
/// method that stores an entry goes into <c>try { ... } finally { field.Remove(entry); }</c> (inside
/// the same <c>lock</c> when the store was locked). All or nothing: every store must be a statement
/// with code after it, of an entry that reads the same at the end, in the method body (or a nested
/// block when nothing else in the method uses the field), or first in a <c>try</c> whose
/// <c>finally</c> already removes it (the store moves in front of the <c>try</c>); collections
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
        var stores = 0;
        var planned = 0;
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
                    case EntryUse.Store when PlanStoreBeforeTry(store!, field, referencingModel, location.Document.Id, plan, cancellationToken) ||
                                             PlanStore(store!, field, removal, referencingModel, location.Document.Id, plan, cancellationToken):
                        stores++;
                        planned++;
                        continue;
                    default:
                        return null;
                }
            }
        }

        return stores > 0 && planned > 0 ? plan : null;
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

    private static bool PlanStore(IOperation store, IFieldSymbol field, string removal, SemanticModel model, DocumentId document, FieldRewritePlan plan, CancellationToken cancellationToken)
    {
        if (RequestEntries.StoredEntry(store) is not { } entry ||
            RequestEntries.StableRoot(entry) is not { } root ||
            RequestEntries.StoringStatement(store) is not { Syntax: StatementSyntax stored } ||
            LockedOrSelf(stored) is not { Parent: BlockSyntax block } unit ||
            !RunsToTheEndOfTheMethod(block) && !(IsTheOnlyUseInTheMethod(block, unit, field, model, cancellationToken) && AwaitsInTheRest(block, unit)) ||
            ReceiverOf(store.Syntax) is not { } receiver)
        {
            return false;
        }

        var rest = RestOf(block, unit);
        var removals = rest.Where(statement => RemovesEntry(statement, field, entry, model, cancellationToken)).ToList();
        var wrapped = rest.Count > 0 && removals.Contains(rest[rest.Count - 1]) ? rest.Take(rest.Count - 1).ToList() : rest;
        if (wrapped.Count == 0 ||
            wrapped.All(statement => statement is LocalFunctionStatementSyntax) ||
            RestOf(block, unit, keepTrailingFunctions: true).OfType<LocalFunctionStatementSyntax>().Any(function => UsesLocalsOf(function, wrapped)) ||
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

    /// <summary>
    /// The store's statement, or the <c>lock</c> whose body holds it: the request's work cannot be in a
    /// lock body (nothing can be awaited there), so the <c>try</c> follows the lock and the clean-up
    /// takes the same lock. None inside another lock: the <c>try</c> would still end in a lock body.
    /// </summary>
    private static StatementSyntax? LockedOrSelf(StatementSyntax stored)
    {
        var locks = stored.AncestorsAndSelf()
            .TakeWhile(node => node is not (MemberDeclarationSyntax or AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .Count(node => node is LockStatementSyntax);
        return locks switch
        {
            0 => stored,
            1 when stored is LockStatementSyntax => stored,
            1 when stored.Parent is BlockSyntax { Parent: LockStatementSyntax locked } => locked,
            _ => null,
        };
    }

    /// <summary>
    /// The rest of a nested block awaits: it holds the request's waiting, which the entry is there for.
    /// A nested block that only does synchronous work ends before the request does (the entry would be
    /// removed right after it is added, with the request's work still to come).
    /// </summary>
    private static bool AwaitsInTheRest(BlockSyntax block, StatementSyntax unit) =>
        RestOf(block, unit).Any(statement => statement
            .DescendantNodesAndSelf(node => node is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
            .Any(node => node is AwaitExpressionSyntax ||
                         node is CommonForEachStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword } ||
                         node is UsingStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword } ||
                         node is LocalDeclarationStatementSyntax { AwaitKeyword.RawKind: (int)SyntaxKind.AwaitKeyword }));

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

    /// <summary>
    /// A store in a nested block (an <c>if</c> branch, a loop body) is removed when that block ends.
    /// That keeps the meaning only when nothing else in the method uses the field: no code before the
    /// store in its block, nor outside the block, can expect the entry to still be there.
    /// </summary>
    private static bool IsTheOnlyUseInTheMethod(BlockSyntax block, StatementSyntax unit, IFieldSymbol field, SemanticModel model, CancellationToken cancellationToken)
    {
        if (block.Ancestors().FirstOrDefault(node => node is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax or AccessorDeclarationSyntax) is not { } method)
        {
            return false;
        }

        var region = TextSpan.FromBounds(unit.SpanStart, block.Span.End);
        return method.DescendantNodes().OfType<IdentifierNameSyntax>().All(identifier =>
            identifier.Identifier.ValueText != field.Name ||
            region.Contains(identifier.Span) ||
            !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, field));
    }

    /// <summary>The local function reads a name declared by the statements around it, which it could not see from after the <c>try</c>.</summary>
    private static bool UsesLocalsOf(LocalFunctionStatementSyntax function, List<StatementSyntax> statements)
    {
        var declared = new HashSet<string>(statements
            .Where(statement => statement is not LocalFunctionStatementSyntax)
            .SelectMany(statement => statement.DescendantNodesAndSelf())
            .Select(node => node switch
            {
                VariableDeclaratorSyntax variable => variable.Identifier.ValueText,
                SingleVariableDesignationSyntax designation => designation.Identifier.ValueText,
                ForEachStatementSyntax loop => loop.Identifier.ValueText,
                _ => null,
            })
            .OfType<string>());
        return function.DescendantNodes().OfType<IdentifierNameSyntax>().Any(identifier => declared.Contains(identifier.Identifier.ValueText));
    }

    /// <summary>
    /// <c>try { map.Add(entry); ... } finally { map.Remove(entry); }</c>: the store moves in front of the
    /// <c>try</c>, where it is the shape that is removed on every path out. Without <c>catch</c>
    /// clauses only, so that the store's own exceptions go where they went.
    /// </summary>
    private static bool PlanStoreBeforeTry(IOperation store, IFieldSymbol field, SemanticModel model, DocumentId document, FieldRewritePlan plan, CancellationToken cancellationToken)
    {
        if (RequestEntries.StoredEntry(store) is not { } entry ||
            RequestEntries.StoringStatement(store) is not { Syntax: StatementSyntax unit } ||
            unit.Parent is not BlockSyntax { Parent: TryStatementSyntax { Catches.Count: 0, Finally.Block: { } cleanup, Parent: BlockSyntax outer } tryStatement } tryBlock ||
            tryBlock.Statements.IndexOf(unit) != 0 ||
            !cleanup.Statements.Any(statement => RemovesEntry(statement, field, entry, model, cancellationToken)))
        {
            return false;
        }

        var storeMarker = new SyntaxAnnotation();
        var tryMarker = new SyntaxAnnotation();
        plan.Add(document, unit, rewritten => rewritten.WithAdditionalAnnotations(storeMarker));
        plan.Add(document, tryStatement, rewritten => rewritten.WithAdditionalAnnotations(tryMarker));
        plan.Add(document, outer, rewritten =>
        {
            var current = (BlockSyntax)rewritten;
            if (current.GetAnnotatedNodes(tryMarker).FirstOrDefault() is not TryStatementSyntax guarded ||
                guarded.Block.Statements.FirstOrDefault() is not { } storing || !storing.HasAnnotation(storeMarker) ||
                guarded.Parent is not BlockSyntax enclosing)
            {
                return current;
            }

            var newLine = EndOfLine(Layout.NewLineOf(guarded));
            var moved = storing.WithLeadingTrivia(guarded.GetLeadingTrivia()).WithTrailingTrivia(newLine).WithAdditionalAnnotations(Formatter.Annotation);
            var guardedStatements = guarded.Block.Statements.RemoveAt(0);
            if (guardedStatements.FirstOrDefault() is { } first)
            {
                // The blank line that followed the store is not the first line of the try.
                guardedStatements = guardedStatements.Replace(first, first.WithLeadingTrivia(Layout.Indentation(first)));
            }

            var remaining = guarded.WithBlock(guarded.Block.WithStatements(guardedStatements))
                .WithLeadingTrivia(Layout.Indentation(guarded).Insert(0, newLine));
            var index = enclosing.Statements.IndexOf(guarded);
            var reordered = enclosing.WithStatements(enclosing.Statements.RemoveAt(index).InsertRange(index, new StatementSyntax[] { moved, remaining }));
            return enclosing == current ? reordered : current.ReplaceNode(enclosing, reordered);
        });
        return true;
    }

    /// <summary>The statements after <paramref name="statement"/>, less the local functions that end the block (they stay visible to the code before).</summary>
    private static List<StatementSyntax> RestOf(BlockSyntax block, StatementSyntax statement, bool keepTrailingFunctions = false)
    {
        var rest = block.Statements.Skip(block.Statements.IndexOf(statement) + 1).ToList();
        if (keepTrailingFunctions)
        {
            return rest;
        }

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

        // Local functions stay visible to the whole block: they follow the try instead of going in.
        var functions = rest.OfType<LocalFunctionStatementSyntax>().ToList();
        rest.RemoveAll(statement => statement is LocalFunctionStatementSyntax);
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
        var statements = block.Statements.Take(index + 1).Append(guarded).Concat(functions).Concat(block.Statements.Skip(index + 1 + replaced));
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
