using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.Cancellation;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK006: offers the linked-token rewrite where it keeps what the code does on timeout. The
/// work gets <c>cts.Token</c> from a source cancelled after the original timeout, and the wait
/// becomes a direct one whose timeout (and only the timeout, not the caller's own cancellation)
/// runs what the original ran on timeout. The steps live beside it: the shape recognisers
/// (<see cref="WhenAnyRaceShape"/>, <see cref="WaitAsyncShape"/>) say which statements a race
/// occupies, <see cref="SourcePlacement"/> whether the source can be declared before the work, and
/// <see cref="TimeoutRaceRewriter"/> writes the <c>try</c>/<c>catch</c>. docs/rules/LEAK006.md lists
/// the shapes left to the developer.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CancelAbandonedWorkCodeFixProvider))]
[Shared]
public sealed class CancelAbandonedWorkCodeFixProvider : RewriteCodeFixProvider
{
    protected override string Title => "Cancel the work when the timeout fires";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.TimeoutAbandonsWork);

    protected override async Task<Document?> FixAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || target is not InvocationExpressionSyntax waiting ||
            !CancellationRewriter.UsingDeclarationsAllowed(target.SyntaxTree) ||
            model.GetOperation(target, cancellationToken) is not IInvocationOperation invocation)
        {
            return null;
        }

        // Re-judged on the current document: under Fix All an earlier fix may already have given the work a token.
        var types = CancellationTypes.Create(model.Compilation);
        var work = types.IsUsable ? TimeoutAbandonsWorkAnalyzer.AbandonedWork(invocation, types) : null;
        var verdict = work is null ? TokenVerdict.Quiet : CancellationFlow.Judge(work, types);
        if (verdict.ShouldReport && WaitAsyncShape.IsTokenOnlyWait(invocation, types))
        {
            return await PassWaitTokenToWorkAsync(document, model, waiting, invocation, verdict, types, cancellationToken).ConfigureAwait(false);
        }

        var race = verdict.ShouldReport ? Recognise(waiting, invocation, model, types, cancellationToken) : null;
        if (race is null)
        {
            return null;
        }

        var timeoutBranch = race.Removed ?? (race.Work is null ? null : race.Statement);
        if (timeoutBranch is not null && verdict.Acceptors.Concat(verdict.Threaded).Any(a => timeoutBranch.Span.Contains(a.Syntax.Span)))
        {
            // The timeout branch is moved as written; work started inside it would lose its token.
            return null;
        }

        var anchor = CancellationRewriter.FindAnchor(race.Statement, verdict.Acceptors.Concat(verdict.Threaded).Select(a => a.Syntax));
        if (verdict.Acceptors.Concat(verdict.Threaded).Any(call => CancellationRewriter.InStaticFunction(call.Syntax, target)))
        {
            // A static lambda cannot see the new source.
            return null;
        }

        if (anchor is null ||
            model.GetOperation(anchor, cancellationToken) is not { } anchorOperation ||
            !SourcePlacement.EvaluableBefore(race.Timeout, anchor, model, cancellationToken))
        {
            return null;
        }

        if ((race.CallerToken is not null && !SourcePlacement.EvaluableBefore(race.CallerToken, anchor, model, cancellationToken)) ||
            (race.Kind != TimeoutRaceKind.WhenAny && SourcePlacement.WaitsBetween(anchor, race.Statement)))
        {
            return null;
        }

        var source = CancellationRewriter.SourceName(anchor, model);
        var token = race.CallerToken?.ToString() ?? TokensInScope.Find(anchorOperation, types, includeSourceLocals: false)?.Expression;
        var newLine = Layout.NewLineOf(anchor);
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        CancellationRewriter.InsertBefore(editor, anchor, CancellationRewriter.CreateSource(source, token), CancellationRewriter.CancelAfter(source, race.Timeout));
        if (!CancellationRewriter.PassToken(editor, verdict.Acceptors, ParseExpression(source + ".Token"), types) ||
            !TokenThreading.Thread(editor, verdict.Threaded, ParseExpression(source + ".Token"), types, model, cancellationToken))
        {
            return null;
        }

        if (race.Kind == TimeoutRaceKind.WaitAsync && race.Statement is LocalDeclarationStatementSyntax)
        {
            if (TimeoutRaceRewriter.SplitDeclaration(race, model, cancellationToken) is not { } declared)
            {
                return null;
            }

            // When the source is created right before this statement, its blank lines went above the source.
            var leading = race.Statement == anchor ? CancellationRewriter.WithoutBlankLinesAbove(race.Statement) : race.Statement.GetLeadingTrivia();
            editor.InsertBefore(race.Statement, CancellationRewriter.OnLineOf(declared, race.Statement).WithLeadingTrivia(leading));
        }

        editor.ReplaceNode(race.Statement, (current, _) => TimeoutRaceRewriter.Rewrite((StatementSyntax)current, race, source, token, newLine) ?? current);
        if (race.Removed is not null)
        {
            editor.RemoveNode(race.Removed);
        }

        var changed = editor.GetChangedDocument();
        var imports = CancellationRewriter.MissingImports(
            model,
            anchor.SpanStart,
            "System.Threading.CancellationTokenSource",
            "System.OperationCanceledException",
            race.Work is null ? "System.TimeoutException" : "System.OperationCanceledException");
        if (imports.Count == 0)
        {
            return changed;
        }

        var changedRoot = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return changedRoot is null ? null : changed.WithSyntaxRoot(CancellationRewriter.AddImports(changedRoot, imports));
    }

    private static TimeoutRace? Recognise(InvocationExpressionSyntax waiting, IInvocationOperation invocation, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        if (waiting.Parent is not AwaitExpressionSyntax awaitExpression)
        {
            return null;
        }

        var method = invocation.TargetMethod;
        if (!method.IsStatic && types.IsTaskMethod(method, "WaitAsync"))
        {
            return WaitAsyncShape.Recognise(waiting, awaitExpression, method, model, types, cancellationToken);
        }

        if (method.IsStatic && types.IsTaskMethod(method, "WhenAny"))
        {
            return WhenAnyRaceShape.Recognise(waiting, awaitExpression, model, types, cancellationToken);
        }

        return null;
    }

    /// <summary>
    /// <c>await X.WaitAsync(token)</c> becomes <c>await X</c> with the token passed to the work:
    /// cancelling the token still ends the wait with an <c>OperationCanceledException</c>, and now ends the work too.
    /// </summary>
    private static async Task<Document?> PassWaitTokenToWorkAsync(Document document, SemanticModel model, InvocationExpressionSyntax waiting, IInvocationOperation invocation, TokenVerdict verdict, CancellationTypes types, CancellationToken cancellationToken)
    {
        if (waiting.Expression is not MemberAccessExpressionSyntax access ||
            waiting.ArgumentList.Arguments.Count != 1 ||
            verdict.Acceptors.Concat(verdict.Threaded).Any(call => CancellationRewriter.InStaticFunction(call.Syntax, waiting)))
        {
            return null;
        }

        var token = waiting.ArgumentList.Arguments[0].Expression;
        var anchor = CancellationRewriter.FindAnchor(waiting, verdict.Acceptors.Concat(verdict.Threaded).Select(a => a.Syntax));
        if (anchor is null || !SourcePlacement.EvaluableBefore(token, anchor, model, cancellationToken))
        {
            return null;
        }

        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var tokenExpression = token.WithoutTrivia();
        if (!CancellationRewriter.PassToken(editor, verdict.Acceptors, tokenExpression, types) ||
            !TokenThreading.Thread(editor, verdict.Threaded, tokenExpression, types, model, cancellationToken))
        {
            return null;
        }

        editor.ReplaceNode(waiting, (current, _) => ((MemberAccessExpressionSyntax)((InvocationExpressionSyntax)current).Expression).Expression.WithTriviaFrom(current));
        return editor.GetChangedDocument();
    }
}
