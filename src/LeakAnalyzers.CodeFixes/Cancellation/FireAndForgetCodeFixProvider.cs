using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.Cancellation;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK004's two fixes. "Bound the work" (first, and what Fix All applies unless the other was
/// chosen) gives the background work its own timeout source, linked to the host's stopping token
/// when one is in scope; "pass the token in scope" is for work that should stop with its caller.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FireAndForgetCodeFixProvider))]
[Shared]
public sealed class FireAndForgetCodeFixProvider : CodeFixProvider
{
    internal const string BoundTheWorkTitle = "Bound the work with a timeout";
    internal const string PassTokenTitle = "Pass the CancellationToken in scope";
    internal const string BoundTheWorkKey = "LEAK004.BoundTheWork";
    internal const string PassTokenKey = "LEAK004.PassTokenInScope";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.FireAndForgetWithoutCancellation);

    public override FixAllProvider GetFixAllProvider() =>
        new SequentialFixAllProvider((document, target, _, key, cancellationToken) => FixAsync(document, target, key, cancellationToken));

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
            foreach (var (title, key) in new[] { (BoundTheWorkTitle, BoundTheWorkKey), (PassTokenTitle, PassTokenKey) })
            {
                if (await FixAsync(context.Document, target, key, context.CancellationToken).ConfigureAwait(false) is not null)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            title,
                            async cancellationToken => await FixAsync(context.Document, target, key, cancellationToken).ConfigureAwait(false) ?? context.Document,
                            equivalenceKey: key),
                        diagnostic);
                }
            }
        }
    }

    /// <param name="key">The chosen fix; null (a Fix All that names none) means bound the work.</param>
    private static async Task<Document?> FixAsync(Document document, SyntaxNode target, string? key, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || target is not InvocationExpressionSyntax ||
            model.GetOperation(target, cancellationToken) is not IInvocationOperation origin)
        {
            return null;
        }

        // Re-judged on the current document: under Fix All an earlier fix may already have bounded this work.
        var types = CancellationTypes.Create(model.Compilation);
        if (!types.IsUsable || UnobservedRoot(origin, types) is not { } verdict)
        {
            return null;
        }

        return key == PassTokenKey
            ? await PassTokenInScopeRewriter.RewriteAsync(document, model, origin, verdict, types, cancellationToken).ConfigureAwait(false)
            : await BoundWorkRewriter.RewriteAsync(document, model, origin, types, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The verdict of the unobserved task around <paramref name="origin"/> that reports it, or null.</summary>
    private static TokenVerdict? UnobservedRoot(IInvocationOperation origin, CancellationTypes types)
    {
        for (IOperation? current = origin; current is not null; current = current.Parent)
        {
            if (current is IExpressionStatementOperation or IVariableDeclaratorOperation or IInvocationOperation)
            {
                var verdict = FireAndForgetAnalyzer.Judge(current, types);
                if (verdict.Origins.Contains(origin))
                {
                    return verdict;
                }
            }

            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation || current.Parent is IBlockOperation)
            {
                break;
            }
        }

        return null;
    }
}
