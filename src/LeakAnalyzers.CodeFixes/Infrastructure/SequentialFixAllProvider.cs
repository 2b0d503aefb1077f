using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace LeakAnalyzers.CodeFixes.Infrastructure;

/// <summary>
/// Fix All that applies a fix to each diagnostic of a document in source order, re-binding
/// after each one. Merging independent text edits (the batch fixer) would give two hoisted
/// <c>using var response</c> declarations in one block the same name, or drop one of two
/// insertions before the same statement; applying them in turn cannot.
/// </summary>
internal sealed class SequentialFixAllProvider : DocumentBasedFixAllProvider
{
    private readonly Func<Document, SyntaxNode, Diagnostic, string?, CancellationToken, Task<Document?>> _fix;

    /// <param name="fix">Fixes one target node for its diagnostic; receives the equivalence key of the code action the user chose.</param>
    public SequentialFixAllProvider(Func<Document, SyntaxNode, Diagnostic, string?, CancellationToken, Task<Document?>> fix) => _fix = fix;

    protected override string GetFixAllTitle(FixAllContext fixAllContext) => fixAllContext.CodeActionEquivalenceKey ?? "Fix all";

    protected override async Task<Document?> FixAllAsync(FixAllContext fixAllContext, Document document, ImmutableArray<Diagnostic> diagnostics)
    {
        var cancellationToken = fixAllContext.CancellationToken;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || diagnostics.IsEmpty)
        {
            return document;
        }

        // Annotate every target first: earlier fixes move and re-create the nodes around later ones.
        var annotations = new List<(SyntaxAnnotation Annotation, Diagnostic Diagnostic)>();
        var targets = new Dictionary<SyntaxNode, SyntaxAnnotation>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (!targets.ContainsKey(node))
            {
                var annotation = new SyntaxAnnotation();
                targets.Add(node, annotation);
                annotations.Add((annotation, diagnostic));
            }
        }

        document = document.WithSyntaxRoot(root.ReplaceNodes(targets.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(targets[original])));
        foreach (var (annotation, diagnostic) in annotations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var currentRoot = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var target = currentRoot?.GetAnnotatedNodes(annotation).FirstOrDefault();
            if (target is null)
            {
                continue;
            }

            document = await _fix(document, target, diagnostic, fixAllContext.CodeActionEquivalenceKey, cancellationToken).ConfigureAwait(false) ?? document;
        }

        return document;
    }
}
