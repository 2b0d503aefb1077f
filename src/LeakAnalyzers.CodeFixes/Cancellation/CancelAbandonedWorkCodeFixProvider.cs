using System.Collections.Generic;
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
/// (<see cref="WhenAnyRaceShape"/>, <see cref="WaitAsyncShape"/>, <see cref="BlockingWaitShape"/>)
/// say which statements a race occupies and what it does on timeout and on success,
/// <see cref="SourcePlacement"/> where the source and its <c>CancelAfter</c> can go, and
/// <see cref="TimeoutRaceRewriter"/> writes the <c>try</c>/<c>catch</c>. A wait bounded only by a
/// token gets that token passed to the work. docs/rules/LEAK006.md lists the shapes left to the developer.
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

        if (ExpressionBodies.Containing(target) is not null)
        {
            // No block to declare the source in: the expression body becomes one, and the rewrite runs on that.
            return await ExpressionBodies.FixInBlockBodyAsync(document, target, (converted, moved) => FixAsync(converted, moved, diagnostic, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        // Re-judged on the current document: under Fix All an earlier fix may already have given the work a token.
        var types = CancellationTypes.Create(model.Compilation);
        var work = types.IsUsable ? TimeoutAbandonsWorkAnalyzer.AbandonedWork(invocation, types) : null;
        var verdict = work is null ? TokenVerdict.Quiet : CancellationFlow.Judge(work, types);
        if (verdict.ShouldReport && verdict.Origins.Concat(verdict.Acceptors).Any(IsWebSocketOperation))
        {
            // Cancelling any WebSocket operation aborts the socket: a slow send that gave up waiting would now disconnect.
            return null;
        }

        if (verdict.ShouldReport && TokenOnlyBound(invocation, types) is { Syntax: ArgumentSyntax tokenArgument })
        {
            return await PassWaitTokenToWorkAsync(document, model, waiting, tokenArgument.Expression, verdict, types, cancellationToken).ConfigureAwait(false);
        }

        var race = verdict.ShouldReport ? Recognise(waiting, invocation, work!, model, types, cancellationToken) : null;
        if (race is null)
        {
            return null;
        }

        var moved = new[] { race.Statement, race.Removed, race.MovedIntoTry };
        if (verdict.Acceptors.Concat(verdict.Threaded).Any(a => !waiting.Span.Contains(a.Syntax.Span) && moved.Any(m => m is not null && m.Span.Contains(a.Syntax.Span))))
        {
            // The branches are moved as written; work started inside them would lose its token.
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
            (race.CallerToken is not null && !SourcePlacement.EvaluableBefore(race.CallerToken, anchor, model, cancellationToken)) ||
            SourcePlacement.RepeatsWithoutTheWork(anchor, race.Statement))
        {
            return null;
        }

        // The timeout's clock starts with the source, unless the code waits before the race or the timeout
        // is not known yet there: then CancelAfter goes where the race started its clock.
        var timeoutStart = SourcePlacement.TimeoutStart(anchor, race, model, cancellationToken);
        if (timeoutStart is null)
        {
            return null;
        }

        var source = CancellationRewriter.SourceName(anchor, model);
        var token = race.CallerToken?.ToString() ?? TokensInScope.Find(anchorOperation, types, includeSourceLocals: false)?.Expression;
        var newLine = Layout.NewLineOf(anchor);
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var cancelAfter = CancellationRewriter.CancelAfter(source, race.Timeout);
        var removedDelay = race.RemovedDelay;
        if (timeoutStart == anchor)
        {
            CancellationRewriter.InsertBefore(editor, anchor, CancellationRewriter.CreateSource(source, token), cancelAfter);
        }
        else
        {
            CancellationRewriter.InsertBefore(editor, anchor, CancellationRewriter.CreateSource(source, token));
            if (timeoutStart == race.RemovedDelay)
            {
                // var delay = Task.Delay(t);  ->  cts.CancelAfter(t);
                editor.ReplaceNode(timeoutStart, cancelAfter.WithTriviaFrom(timeoutStart));
                removedDelay = null;
            }
            else
            {
                CancellationRewriter.InsertBefore(editor, timeoutStart, cancelAfter);
            }
        }

        if (!CancellationRewriter.PassToken(editor, verdict.Acceptors, ParseExpression(source + ".Token"), types) ||
            !TokenThreading.Thread(editor, verdict.Threaded, ParseExpression(source + ".Token"), types, model, cancellationToken))
        {
            return null;
        }

        if (race.DeclaresResult)
        {
            if (TimeoutRaceRewriter.SplitDeclaration(race, model, cancellationToken) is not { } declared)
            {
                return null;
            }

            // When the source or its CancelAfter is inserted right before this statement, its blank lines went above them.
            var leading = race.Statement == anchor || race.Statement == timeoutStart ? CancellationRewriter.WithoutBlankLinesAbove(race.Statement) : race.Statement.GetLeadingTrivia();
            editor.InsertBefore(race.Statement, CancellationRewriter.OnLineOf(declared, race.Statement).WithLeadingTrivia(leading));
        }

        if (race.Hoisted is { } hoisted)
        {
            // T result;  try { result = await X; } ...  <the statement, reading result>
            if (model.GetTypeInfo(hoisted, cancellationToken).Type is not { } type ||
                type.TypeKind == TypeKind.Error || type.IsAnonymousType || type.SpecialType == SpecialType.System_Void)
            {
                return null;
            }

            race.HoistedInto = LocalNames.Unique("result", race.Statement, model);
            var leading = race.Statement == anchor || race.Statement == timeoutStart ? CancellationRewriter.WithoutBlankLinesAbove(race.Statement) : race.Statement.GetLeadingTrivia();
            var declared = ParseStatement($"{type.ToMinimalDisplayString(model, race.Statement.SpanStart)} {race.HoistedInto};");
            editor.InsertBefore(race.Statement, CancellationRewriter.OnLineOf(declared, race.Statement).WithLeadingTrivia(leading));
            editor.InsertAfter(race.Statement, race.Statement
                .ReplaceNode(hoisted, IdentifierName(race.HoistedInto).WithTriviaFrom(hoisted))
                .WithLeadingTrivia(Layout.Indentation(race.Statement)));
        }

        editor.ReplaceNode(waiting, (current, _) => current.WithAdditionalAnnotations(TimeoutRaceRewriter.WaitAnnotation));
        editor.ReplaceNode(race.Statement, (current, _) => TimeoutRaceRewriter.Rewrite((StatementSyntax)current, race, source, token, newLine) ?? current);
        foreach (var removed in new StatementSyntax?[] { race.Removed, removedDelay, race.MovedIntoTry })
        {
            if (removed is not null)
            {
                editor.RemoveNode(removed);
            }
        }

        var changed = editor.GetChangedDocument();
        var imports = CancellationRewriter.MissingImports(
            model,
            anchor.SpanStart,
            "System.Threading.CancellationTokenSource",
            "System.OperationCanceledException",
            race.Kind == TimeoutRaceKind.WaitAsync ? "System.TimeoutException" : "System.OperationCanceledException");
        if (imports.Count == 0)
        {
            return changed;
        }

        var changedRoot = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return changedRoot is null ? null : changed.WithSyntaxRoot(CancellationRewriter.AddImports(changedRoot, imports));
    }

    private static TimeoutRace? Recognise(InvocationExpressionSyntax waiting, IInvocationOperation invocation, IReadOnlyList<IOperation> work, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        var method = invocation.TargetMethod;
        if (method.IsStatic ? types.IsTaskMethod(method, "WaitAll") || types.IsTaskMethod(method, "WaitAny") : types.IsTaskMethod(method, "Wait"))
        {
            return BlockingWaitShape.Recognise(waiting, invocation, work, model, types, cancellationToken);
        }

        if (!method.IsStatic && types.IsTaskMethod(method, "WaitAsync"))
        {
            // await X.WaitAsync(t)  or  await X.WaitAsync(t).ConfigureAwait(false)
            var awaited = waiting.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configured } ? configured : (ExpressionSyntax)waiting;
            return awaited.Parent is AwaitExpressionSyntax awaitExpression
                ? WaitAsyncShape.Recognise(waiting, awaitExpression, method, model, types, cancellationToken)
                : null;
        }

        return method.IsStatic && types.IsTaskMethod(method, "WhenAny") && waiting.Parent is AwaitExpressionSyntax raceAwait
            ? WhenAnyRaceShape.Recognise(waiting, raceAwait, model, types, cancellationToken)
            : null;
    }

    /// <summary>A call on a <c>System.Net.WebSockets.WebSocket</c> (<c>SendAsync</c>, <c>ReceiveAsync</c>, <c>CloseAsync</c>, ...) or a type derived from it.</summary>
    private static bool IsWebSocketOperation(IInvocationOperation call)
    {
        for (var type = call.TargetMethod.ContainingType; type is not null; type = type.BaseType)
        {
            if (type is { Name: "WebSocket", ContainingNamespace: { Name: "WebSockets", ContainingNamespace: { Name: "Net", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } } })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>X.WaitAsync(token)</c>, <c>X.Wait(token)</c>, <c>Task.WaitAll(tasks, token)</c>: a wait bounded
    /// only by a real token the work never sees; the token's argument, or null for any other wait.
    /// </summary>
    private static IArgumentOperation? TokenOnlyBound(IInvocationOperation invocation, CancellationTypes types)
    {
        var method = invocation.TargetMethod;
        var known = method.IsStatic
            ? types.IsTaskMethod(method, "WaitAll")
            : types.IsTaskMethod(method, "WaitAsync") || types.IsTaskMethod(method, "Wait");
        var bounds = invocation.Arguments.Where(argument => argument.Parameter is { } parameter && TimeoutParameters.IsBound(parameter.Type, types)).ToList();
        return known && bounds.Count == 1 && types.IsToken(bounds[0].Parameter!.Type) && TokenArguments.IsRealToken(bounds[0].Value)
            ? bounds[0]
            : null;
    }

    /// <summary>
    /// A wait bounded only by a token: the token is passed to the work too. <c>await X.WaitAsync(token)</c>
    /// becomes <c>await X</c> (cancelling the token still ends the wait with an <c>OperationCanceledException</c>,
    /// and now ends the work too); <c>X.Wait(token)</c> and <c>Task.WaitAll(tasks, token)</c> stay as they are
    /// (they throw that exception, not an <c>AggregateException</c>, when the token also cancelled the work).
    /// </summary>
    private static async Task<Document?> PassWaitTokenToWorkAsync(Document document, SemanticModel model, InvocationExpressionSyntax waiting, ExpressionSyntax token, TokenVerdict verdict, CancellationTypes types, CancellationToken cancellationToken)
    {
        if (verdict.Acceptors.Concat(verdict.Threaded).Any(call => CancellationRewriter.InStaticFunction(call.Syntax, waiting)))
        {
            return null;
        }

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

        if (waiting.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WaitAsync" })
        {
            editor.ReplaceNode(waiting, (current, _) => ((MemberAccessExpressionSyntax)((InvocationExpressionSyntax)current).Expression).Expression.WithTriviaFrom(current));
        }

        return editor.GetChangedDocument();
    }
}
