using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>LEAK002: share one HttpClient per type, or take clients from an IHttpClientFactory in scope.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReuseHttpClientCodeFixProvider))]
[Shared]
public sealed class ReuseHttpClientCodeFixProvider : CodeFixProvider
{
    internal const string SharedFieldTitle = "Use a shared static HttpClient";
    internal const string FactoryTitle = "Use IHttpClientFactory.CreateClient()";

    /// <summary>
    /// The key of the first action, whichever it is: Fix All from it (and <c>dotnet format</c>, which
    /// takes the first action of the first diagnostic) uses the factory where one is in scope and the
    /// shared client elsewhere. Only the shared client offered second, beside a factory, is a different choice.
    /// </summary>
    internal const string PreferFactoryKey = "Use IHttpClientFactory.CreateClient() where one is in scope, else a shared static HttpClient";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.ReuseHttpClient);

    public override FixAllProvider GetFixAllProvider() =>
        new SequentialFixAllProvider((document, target, _, title, cancellationToken) => FixAsync(document, target, title, cancellationToken));

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
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not BaseObjectCreationExpressionSyntax creation)
            {
                continue;
            }

            // The factory is the better answer where there is one: offer it first.
            var hasFactory = Rewrite(FactoryTitle, context.Document, root, creation, model, context.CancellationToken) is not null;
            if (hasFactory)
            {
                Register(FactoryTitle, PreferFactoryKey);
            }

            if (Rewrite(SharedFieldTitle, context.Document, root, creation, model, context.CancellationToken) is not null)
            {
                Register(SharedFieldTitle, hasFactory ? SharedFieldTitle : PreferFactoryKey);
            }

            void Register(string title, string key) => context.RegisterCodeFix(
                CodeAction.Create(title, cancellationToken => FixOrKeepAsync(context.Document, creation, key, cancellationToken), equivalenceKey: key),
                diagnostic);
        }
    }

    /// <param name="title">The chosen fix; <see cref="PreferFactoryKey"/> (or null) means the factory where there is one, else the shared client.</param>
    private static SyntaxNode? Rewrite(string? title, Document document, SyntaxNode root, BaseObjectCreationExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        var options = document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider.GetOptions(root.SyntaxTree);
        return title switch
        {
            FactoryTitle => HttpClientFactoryRewriter.Rewrite(root, creation, model, cancellationToken),
            SharedFieldTitle => SharedHttpClientRewriter.Rewrite(root, creation, model, options, cancellationToken),
            _ => HttpClientFactoryRewriter.Rewrite(root, creation, model, cancellationToken) ?? SharedHttpClientRewriter.Rewrite(root, creation, model, options, cancellationToken),
        };
    }

    private static async Task<Document> FixOrKeepAsync(Document document, SyntaxNode target, string title, CancellationToken cancellationToken) =>
        await FixAsync(document, target, title, cancellationToken).ConfigureAwait(false) ?? document;

    private static async Task<Document?> FixAsync(Document document, SyntaxNode target, string? title, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || target is not BaseObjectCreationExpressionSyntax creation)
        {
            return null;
        }

        var rewritten = Rewrite(title, document, root, creation, model, cancellationToken);
        return rewritten is null
            ? null
            : await ImportAdder.AddImportsAsync(document.WithSyntaxRoot(rewritten), Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
