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
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Rules;

/// <summary>
/// LEAK006: the linked-token rewrite for the timeout shapes whose meaning it keeps. The work
/// gets <c>cts.Token</c> from a linked source that is cancelled after the original timeout, and the
/// race becomes a direct <c>await</c> whose timeout (and only the timeout, not the caller's own
/// cancellation) runs what the original ran on timeout:
/// <list type="bullet">
/// <item><c>if (await Task.WhenAny(work, Task.Delay(t)) != work) { ...; throw/return }</c>, also with the
/// result first stored in a local read only by that <c>if</c> (the same branch, in the <c>catch</c>);</item>
/// <item><c>await X.WaitAsync(timeout);</c> as a statement (<c>TimeoutException</c>, like WaitAsync).</item>
/// </list>
/// Other shapes (a branch that falls through, <c>WaitAny</c>, <c>Wait(t)</c>'s <c>bool</c>,
/// <c>WaitAsync(token)</c>) decide differently on timeout and are left to the developer.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CancelAbandonedWorkCodeFixProvider))]
[Shared]
public sealed class CancelAbandonedWorkCodeFixProvider : RewriteCodeFixProvider
{
    protected override string Title => "Cancel the work when the timeout fires";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.TimeoutAbandonsWork);

    /// <summary>A recognised race: the statements it occupies, its timeout, and what it does on timeout.</summary>
    private sealed class Race
    {
        public Race(StatementSyntax statement, IfStatementSyntax? removed, ExpressionSyntax timeout, string? work, SyntaxList<StatementSyntax> onTimeout)
        {
            Statement = statement;
            Removed = removed;
            Timeout = timeout;
            Work = work;
            OnTimeout = onTimeout;
        }

        /// <summary>The statement the <c>try</c>/<c>catch</c> replaces.</summary>
        public StatementSyntax Statement { get; }

        /// <summary>The <c>if (finished != work)</c> that follows a <c>var finished = await Task.WhenAny(...)</c>, removed with it.</summary>
        public IfStatementSyntax? Removed { get; }

        public ExpressionSyntax Timeout { get; }

        /// <summary>The raced local, or null for <c>WaitAsync</c> (whose receiver is awaited).</summary>
        public string? Work { get; }

        public SyntaxList<StatementSyntax> OnTimeout { get; }
    }

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
            !EvaluableBefore(race.Timeout, anchor, model, cancellationToken))
        {
            return null;
        }

        var source = CancellationRewriter.SourceName(anchor, model);
        var token = TokensInScope.Find(anchorOperation, types, includeSourceLocals: false)?.Expression;
        var newLine = Layout.NewLineOf(anchor);
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        editor.InsertBefore(anchor, new[]
        {
            CancellationRewriter.OnLineOf(CancellationRewriter.CreateSource(source, token), anchor),
            CancellationRewriter.OnLineOf(CancellationRewriter.CancelAfter(source, race.Timeout), anchor),
        });
        if (!CancellationRewriter.PassToken(editor, verdict.Acceptors, ParseExpression(source + ".Token"), types) ||
            !TokenThreading.Thread(editor, verdict.Threaded, ParseExpression(source + ".Token"), types, model, cancellationToken))
        {
            return null;
        }

        editor.ReplaceNode(race.Statement, (current, _) => Rewrite((StatementSyntax)current, race, source, token, newLine) ?? current);
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

    private static Race? Recognise(InvocationExpressionSyntax waiting, IInvocationOperation invocation, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        if (waiting.Parent is not AwaitExpressionSyntax awaitExpression)
        {
            return null;
        }

        var method = invocation.TargetMethod;
        if (!method.IsStatic && types.IsTaskMethod(method, "WaitAsync"))
        {
            // await X.WaitAsync(timeout);
            return method.Parameters.Length == 1 && TimeoutParameters.IsTimeSpan(method.Parameters[0].Type) &&
                   waiting.Expression is MemberAccessExpressionSyntax &&
                   awaitExpression.Parent is ExpressionStatementSyntax { Parent: BlockSyntax } waitStatement
                ? new Race(waitStatement, removed: null, waiting.ArgumentList.Arguments[0].Expression, work: null, SingletonList(ParseStatement("throw new TimeoutException();")))
                : null;
        }

        if (!method.IsStatic || !types.IsTaskMethod(method, "WhenAny") || waiting.ArgumentList.Arguments.Count != 2)
        {
            return null;
        }

        // if (await Task.WhenAny(work, Task.Delay(t)) != work) { ...; throw/return }
        // var finished = await Task.WhenAny(work, Task.Delay(t)); if (finished != work) { ...; throw/return }
        StatementSyntax statement;
        IfStatementSyntax? ifStatement;
        IfStatementSyntax? removed = null;
        if (awaitExpression.Parent is BinaryExpressionSyntax { Parent: IfStatementSyntax inline } comparison && comparison.Left == awaitExpression)
        {
            statement = ifStatement = inline;
        }
        else if (awaitExpression.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } &&
                 declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { Parent: BlockSyntax block } declaration } &&
                 declaration.UsingKeyword.IsKind(SyntaxKind.None) &&
                 block.Statements.IndexOf(declaration) + 1 < block.Statements.Count &&
                 block.Statements[block.Statements.IndexOf(declaration) + 1] is IfStatementSyntax { Condition: BinaryExpressionSyntax { Left: IdentifierNameSyntax finished } } next &&
                 finished.Identifier.ValueText == declarator.Identifier.ValueText &&
                 IsOnlyUse(finished, declarator, block, model, cancellationToken))
        {
            statement = declaration;
            ifStatement = removed = next;
        }
        else
        {
            return null;
        }

        if (ifStatement is not { Else: null, Parent: BlockSyntax, Condition: BinaryExpressionSyntax { Right: IdentifierNameSyntax compared } condition } ||
            !condition.IsKind(SyntaxKind.NotEqualsExpression) ||
            ExitingBody(ifStatement.Statement) is not { } onTimeout ||
            model.GetSymbolInfo(compared, cancellationToken).Symbol is not ILocalSymbol workLocal)
        {
            return null;
        }

        ExpressionSyntax? timeout = null;
        var raced = false;
        foreach (var argument in waiting.ArgumentList.Arguments)
        {
            if (argument.Expression is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(argument.Expression, cancellationToken).Symbol, workLocal))
            {
                raced = true;
            }
            else if (argument.Expression is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } delay &&
                     model.GetOperation(delay, cancellationToken) is IInvocationOperation { TargetMethod.IsStatic: true } delayOperation &&
                     types.IsTaskMethod(delayOperation.TargetMethod, "Delay"))
            {
                timeout = delay.ArgumentList.Arguments[0].Expression;
            }
        }

        return raced && timeout is not null ? new Race(statement, removed, timeout, compared.Identifier.ValueText, onTimeout) : null;
    }

    /// <summary>The statements of a timeout branch that always leaves (ends with <c>throw</c> or <c>return</c>): the branch cannot fall through into code that expects the work done.</summary>
    private static SyntaxList<StatementSyntax>? ExitingBody(StatementSyntax body)
    {
        var statements = body is BlockSyntax block ? block.Statements : SingletonList(body);
        return statements.LastOrDefault() is ThrowStatementSyntax { Expression: not null } or ReturnStatementSyntax ? statements : null;
    }

    /// <summary>The WhenAny result is read only by the <c>if</c> that follows it.</summary>
    private static bool IsOnlyUse(IdentifierNameSyntax use, VariableDeclaratorSyntax declarator, BlockSyntax block, SemanticModel model, CancellationToken cancellationToken)
    {
        var local = model.GetDeclaredSymbol(declarator, cancellationToken);
        return local is not null && block.DescendantNodes().OfType<IdentifierNameSyntax>().All(identifier =>
            identifier == use ||
            identifier.Identifier.ValueText != local.Name ||
            !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local));
    }

    private static StatementSyntax? Rewrite(StatementSyntax current, Race race, string source, string? token, string newLine)
    {
        var awaited = race.Work is not null
            ? IdentifierName(race.Work)
            : current is ExpressionStatementSyntax { Expression: AwaitExpressionSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } } }
                ? access.Expression
                : null;
        if (awaited is null)
        {
            return null;
        }

        var original = race.Removed ?? current;
        var trailing = original.GetTrailingTrivia();
        if (!original.GetLastToken().IsKind(SyntaxKind.CloseBraceToken) && !NextStartsWithBlankLine(race.Removed ?? race.Statement))
        {
            // The new statement ends with a brace: keep the file's blank line after blocks.
            trailing = trailing.Add(EndOfLine(newLine));
        }

        return CancellationRewriter.AwaitOrThrowOnTimeout(awaited, source, token, race.OnTimeout, newLine)
            .WithLeadingTrivia(current.GetLeadingTrivia())
            .WithTrailingTrivia(trailing);
    }

    private static bool NextStartsWithBlankLine(StatementSyntax statement)
    {
        if (statement.Parent is not BlockSyntax block)
        {
            return true;
        }

        var index = block.Statements.IndexOf(statement);
        return index < 0 || index == block.Statements.Count - 1 ||
               block.Statements[index + 1].GetLeadingTrivia().FirstOrDefault().IsKind(SyntaxKind.EndOfLineTrivia);
    }

    /// <summary>The timeout moves up to the source's declaration: it may only read what already exists there.</summary>
    private static bool EvaluableBefore(ExpressionSyntax timeout, StatementSyntax anchor, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetOperation(timeout, cancellationToken) is not { } operation)
        {
            return false;
        }

        foreach (var reference in operation.DescendantsAndSelf().OfType<ILocalReferenceOperation>())
        {
            var declared = reference.Local.DeclaringSyntaxReferences;
            if (declared.Length == 0 || declared[0].Span.Start >= anchor.SpanStart)
            {
                return false;
            }
        }

        return true;
    }
}
