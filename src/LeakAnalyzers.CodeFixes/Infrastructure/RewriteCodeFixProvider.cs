using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace LeakAnalyzers.CodeFixes.Infrastructure;

/// <summary>
/// A code fix that offers one rewrite per diagnostic: offered only where the rewrite applies,
/// and Fix All applying it diagnostic by diagnostic on the current document.
/// </summary>
public abstract class RewriteCodeFixProvider : CodeFixProvider
{
    /// <summary>The light bulb title, also the equivalence key.</summary>
    protected abstract string Title { get; }

    /// <summary>The rewritten document, or null when the rewrite does not apply (the fix is then not offered).</summary>
    protected abstract Task<Document?> FixAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken);

    public sealed override FixAllProvider GetFixAllProvider() =>
        new SequentialFixAllProvider((document, target, diagnostic, _, cancellationToken) => FixAsync(document, target, diagnostic, cancellationToken));

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var target = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (await FixAsync(context.Document, target, diagnostic, context.CancellationToken).ConfigureAwait(false) is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        Title,
                        async cancellationToken => await FixAsync(context.Document, target, diagnostic, cancellationToken).ConfigureAwait(false) ?? context.Document,
                        equivalenceKey: Title),
                    diagnostic);
            }
        }
    }
}
