using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.CodeFixes.Rules;

/// <summary>LEAK001/LEAK008: dispose the flagged object with a <c>using</c> declaration (or statement).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DisposeWithUsingCodeFixProvider))]
[Shared]
public sealed class DisposeWithUsingCodeFixProvider : CodeFixProvider
{
    private const string Title = "Dispose with 'using'";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(RuleIdentifiers.DisposeHttpResponse, RuleIdentifiers.DisposePerRequestClient, RuleIdentifiers.DisposeCancellationTokenSource);

    public override FixAllProvider GetFixAllProvider() =>
        new SequentialFixAllProvider((document, target, diagnostic, _, cancellationToken) => FixAsync(document, target, PrefersAwaitUsing(diagnostic), cancellationToken));

    /// <summary>RULES.md: only LEAK003 (SDK clients) asks for <c>await using</c> where the client supports it.</summary>
    private static bool PrefersAwaitUsing(Diagnostic diagnostic) => diagnostic.Id == RuleIdentifiers.DisposePerRequestClient;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var target = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var preferAwaitUsing = PrefersAwaitUsing(diagnostic);
            if (target is ExpressionSyntax creation && UsingRewriter.Rewrite(root, creation, model, preferAwaitUsing, context.CancellationToken) is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(Title, cancellationToken => FixOrKeepAsync(context.Document, creation, preferAwaitUsing, cancellationToken), equivalenceKey: Title),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> FixOrKeepAsync(Document document, SyntaxNode target, bool preferAwaitUsing, CancellationToken cancellationToken) =>
        await FixAsync(document, target, preferAwaitUsing, cancellationToken).ConfigureAwait(false) ?? document;

    private static async Task<Document?> FixAsync(Document document, SyntaxNode target, bool preferAwaitUsing, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || target is not ExpressionSyntax creation)
        {
            return null;
        }

        var rewritten = UsingRewriter.Rewrite(root, creation, model, preferAwaitUsing, cancellationToken);
        return rewritten is null ? null : document.WithSyntaxRoot(rewritten);
    }
}
