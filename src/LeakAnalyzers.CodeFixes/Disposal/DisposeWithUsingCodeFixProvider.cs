using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// LEAK001/LEAK003/LEAK008: dispose the flagged object with a <c>using</c> declaration (or
/// statement); for a value lost by reassignment or by the next iteration of a loop, "Dispose the
/// previous ... before reassigning" instead. One provider per diagnostic ID, so <c>dotnet format</c>
/// finds one fixer; the analyzer's hint (<see cref="DisposalFixHint"/>) decides which action a
/// diagnostic gets.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DisposeWithUsingCodeFixProvider))]
[Shared]
public sealed class DisposeWithUsingCodeFixProvider : CodeFixProvider
{
    private const string UsingTitle = "Dispose with 'using'";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(RuleIdentifiers.DisposeHttpResponse, RuleIdentifiers.DisposePerRequestClient, RuleIdentifiers.DisposeCancellationTokenSource);

    // Each diagnostic gets exactly one of the two actions, chosen by its hint, so Fix All applies to
    // each diagnostic the action its hint selects, whichever action it was started from: dotnet
    // format runs Fix All with the action of the first diagnostic it meets, and would otherwise leave
    // every diagnostic that needs the other one.
    public override FixAllProvider GetFixAllProvider() =>
        new SequentialFixAllProvider((document, target, diagnostic, _, cancellationToken) =>
            Fix(document, target, diagnostic, DisposesPrevious(diagnostic), cancellationToken));

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var target = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var disposePrevious = DisposesPrevious(diagnostic);
            var title = disposePrevious ? DisposePreviousRewriter.TitleFor(diagnostic.Id) : UsingTitle;
            if (await Fix(context.Document, target, diagnostic, disposePrevious, context.CancellationToken).ConfigureAwait(false) is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        title,
                        async cancellationToken => await Fix(context.Document, target, diagnostic, disposePrevious, cancellationToken).ConfigureAwait(false) ?? context.Document,
                        equivalenceKey: title),
                    diagnostic);
            }
        }
    }

    private static bool DisposesPrevious(Diagnostic diagnostic) =>
        diagnostic.Properties.TryGetValue(DisposalFixHint.Key, out var hint) && hint == DisposalFixHint.DisposePrevious;

    private static Task<Document?> Fix(Document document, SyntaxNode target, Diagnostic diagnostic, bool disposePrevious, CancellationToken cancellationToken) =>
        disposePrevious
            ? DisposePreviousRewriter.FixAsync(document, target, diagnostic, cancellationToken)
            : DisposeWithUsingAsync(document, target, diagnostic, cancellationToken);

    private static async Task<Document?> DisposeWithUsingAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (diagnostic.Properties.TryGetValue(DisposalFixHint.Key, out var hint) && hint != DisposalFixHint.Using)
        {
            // The value escapes on another path or its local is assigned again: a using would be wrong or illegal.
            return null;
        }

        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || target is not ExpressionSyntax creation)
        {
            return null;
        }

        // docs/rules/LEAK003.md: only LEAK003 (SDK clients) asks for "await using" where the client supports it.
        var preferAwaitUsing = diagnostic.Id == RuleIdentifiers.DisposePerRequestClient;
        var rewritten = UsingRewriter.Rewrite(root, creation, model, preferAwaitUsing, cancellationToken);
        if (rewritten is not null)
        {
            return document.WithSyntaxRoot(rewritten);
        }

        // A call on one side of ?:, && or ||: turned into an if first, then captured inside it.
        var marker = new SyntaxAnnotation();
        if (BranchLowering.Lower(root, creation, model, marker, cancellationToken) is not { } lowered)
        {
            return null;
        }

        var loweredDocument = document.WithSyntaxRoot(lowered);
        var loweredRoot = await loweredDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var loweredModel = await loweredDocument.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (loweredRoot is null || loweredModel is null || loweredRoot.GetAnnotatedNodes(marker).FirstOrDefault() is not ExpressionSyntax moved)
        {
            return null;
        }

        rewritten = UsingRewriter.Rewrite(loweredRoot, moved, loweredModel, preferAwaitUsing, cancellationToken);
        return rewritten is null ? null : document.WithSyntaxRoot(rewritten);
    }
}
