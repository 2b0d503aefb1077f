using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LeakAnalyzers.CodeFixes.Rules;

/// <summary>LEAK001/LEAK003/LEAK008: dispose the flagged object with a <c>using</c> declaration (or statement).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DisposeWithUsingCodeFixProvider))]
[Shared]
public sealed class DisposeWithUsingCodeFixProvider : RewriteCodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(RuleIdentifiers.DisposeHttpResponse, RuleIdentifiers.DisposePerRequestClient, RuleIdentifiers.DisposeCancellationTokenSource);

    protected override string Title => "Dispose with 'using'";

    protected override async Task<Document?> FixAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || target is not ExpressionSyntax creation)
        {
            return null;
        }

        // docs/rules/LEAK003.md: only LEAK003 (SDK clients) asks for "await using" where the client supports it.
        var preferAwaitUsing = diagnostic.Id == RuleIdentifiers.DisposePerRequestClient;
        var rewritten = UsingRewriter.Rewrite(root, creation, model, preferAwaitUsing, cancellationToken);
        return rewritten is null ? null : document.WithSyntaxRoot(rewritten);
    }
}
