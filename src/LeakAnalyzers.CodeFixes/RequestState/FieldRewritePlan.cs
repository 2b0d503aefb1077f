using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>
/// LEAK007 fixes: the rewrite of one field and of its uses across the solution, as edits keyed by
/// nodes of the original trees. Each edit receives its node with the descendants already
/// rewritten, so edits of several fields (Fix All) compose.
/// </summary>
internal sealed class FieldRewritePlan
{
    public FieldRewritePlan(IFieldSymbol field) => Field = field;

    public IFieldSymbol Field { get; }

    public Dictionary<DocumentId, Dictionary<SyntaxNode, Func<SyntaxNode, SyntaxNode>>> Edits { get; } = new();

    public void Add(DocumentId document, SyntaxNode node, Func<SyntaxNode, SyntaxNode> rewrite)
    {
        if (!Edits.TryGetValue(document, out var edits))
        {
            edits = new Dictionary<SyntaxNode, Func<SyntaxNode, SyntaxNode>>();
            Edits.Add(document, edits);
        }

        Compose(edits, node, rewrite);
    }

    /// <summary>Applies several plans at once, then adds the <c>using</c> directives their annotated names need.</summary>
    public static async Task<Solution> ApplyAsync(Solution solution, IEnumerable<FieldRewritePlan> plans, CancellationToken cancellationToken)
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
                    Compose(edits, edit.Key, edit.Value);
                }
            }
        }

        foreach (var pair in merged)
        {
            var document = solution.GetDocument(pair.Key);
            if (document is null || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root)
            {
                continue;
            }

            var edits = pair.Value;
            var rewritten = root.ReplaceNodes(edits.Keys, (original, current) => edits[original](current));
            var withImports = await ImportAdder.AddImportsAsync(document.WithSyntaxRoot(rewritten), Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            solution = withImports.Project.Solution;
        }

        return solution;
    }

    /// <summary>Two edits of one node (a type that gains two gate fields) run one after the other.</summary>
    private static void Compose(Dictionary<SyntaxNode, Func<SyntaxNode, SyntaxNode>> edits, SyntaxNode node, Func<SyntaxNode, SyntaxNode> rewrite) =>
        edits[node] = edits.TryGetValue(node, out var earlier) ? current => rewrite(earlier(current)) : rewrite;
}
