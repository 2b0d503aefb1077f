using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.Cancellation;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK005: the linked-token rewrite. Before the first statement that starts the work:
/// <c>using var cts = CancellationTokenSource.CreateLinkedTokenSource(token);</c> (or
/// <c>new CancellationTokenSource()</c>) and <c>cts.CancelAfter(TimeSpan.FromSeconds(n))</c>;
/// then <c>cts.Token</c> is passed to every call that produces the awaited tasks.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LinkedTokenTimeoutCodeFixProvider))]
[Shared]
public sealed class LinkedTokenTimeoutCodeFixProvider : RewriteCodeFixProvider
{
    protected override string Title => "Cancel the work after a timeout";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.WhenAllWithoutTimeout);

    protected override async Task<Document?> FixAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || target is not InvocationExpressionSyntax ||
            !CancellationRewriter.UsingDeclarationsAllowed(target.SyntaxTree) ||
            model.GetOperation(target, cancellationToken) is not IInvocationOperation invocation)
        {
            return null;
        }

        if (ExpressionBodies.Containing(target) is not null)
        {
            // No block to declare the source in: the expression body becomes one, and the rewrite runs on that.
            return await ExpressionBodies.FixInBlockBodyAsync(document, target, (converted, moved) => FixAsync(converted, moved, diagnostic, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        // Re-judged on the current document: under Fix All an earlier fix may already have given the work a token.
        var types = CancellationTypes.Create(model.Compilation);
        if (!types.IsUsable || !WhenAllWithoutTimeoutAnalyzer.IsUnboundedWait(invocation, types))
        {
            return null;
        }

        var verdict = CancellationFlow.Judge(WhenAllWithoutTimeoutAnalyzer.WaitedTasks(invocation), types);
        if (!verdict.ShouldReport)
        {
            return null;
        }

        var anchor = CancellationRewriter.FindAnchor(target, verdict.Acceptors.Concat(verdict.Threaded).Select(a => a.Syntax));
        if (verdict.Acceptors.Concat(verdict.Threaded).Any(call => CancellationRewriter.InStaticFunction(call.Syntax, target)))
        {
            // A static lambda cannot see the new source.
            return null;
        }

        if (anchor is null || model.GetOperation(anchor, cancellationToken) is not { } anchorOperation)
        {
            return null;
        }

        var timeout = CancellationRewriter.DefaultTimeout(document, target.SyntaxTree);
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var source = CancellationRewriter.ExistingSource(anchor, timeout);
        if (source is null)
        {
            source = CancellationRewriter.SourceName(anchor, model);
            var token = TokensInScope.Find(anchorOperation, types, includeSourceLocals: false)?.Expression;
            CancellationRewriter.InsertBefore(editor, anchor, CancellationRewriter.CreateSource(source, token), CancellationRewriter.CancelAfter(source, timeout));
        }
        if (!CancellationRewriter.PassToken(editor, verdict.Acceptors, ParseExpression(source + ".Token"), types) ||
            !TokenThreading.Thread(editor, verdict.Threaded, ParseExpression(source + ".Token"), types, model, cancellationToken))
        {
            return null;
        }

        var changed = editor.GetChangedDocument();
        var imports = CancellationRewriter.MissingImports(model, anchor.SpanStart, "System.Threading.CancellationTokenSource", "System.TimeSpan");
        if (imports.Count == 0)
        {
            return changed;
        }

        var changedRoot = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return changedRoot is null ? null : changed.WithSyntaxRoot(CancellationRewriter.AddImports(changedRoot, imports));
    }
}
