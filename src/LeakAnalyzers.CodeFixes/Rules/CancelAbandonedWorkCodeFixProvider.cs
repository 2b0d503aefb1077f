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
/// LEAK006: the linked-token rewrite for the two timeout shapes whose meaning it keeps. The work
/// gets <c>cts.Token</c> from a linked source that is cancelled after the original timeout, and the
/// race becomes a direct <c>await</c> whose timeout (and only the timeout, not the caller's own
/// cancellation) throws what the original threw:
/// <list type="bullet">
/// <item><c>if (await Task.WhenAny(work, Task.Delay(t)) != work) throw ...;</c> (the same throw);</item>
/// <item><c>await X.WaitAsync(timeout);</c> as a statement (<c>TimeoutException</c>, like WaitAsync).</item>
/// </list>
/// Other shapes (a result used after <c>WhenAny</c>, <c>WaitAny</c>, <c>Wait(t)</c>'s <c>bool</c>,
/// <c>WaitAsync(token)</c>) decide differently on timeout and are left to the developer.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CancelAbandonedWorkCodeFixProvider))]
[Shared]
public sealed class CancelAbandonedWorkCodeFixProvider : CodeFixProvider
{
    private const string Title = "Cancel the work when the timeout fires";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.TimeoutAbandonsWork);

    public override FixAllProvider GetFixAllProvider() => new SequentialFixAllProvider(FixAsync);

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
            if (await FixAsync(context.Document, target, context.CancellationToken).ConfigureAwait(false) is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(Title, cancellationToken => FixOrKeepAsync(context.Document, target, cancellationToken), equivalenceKey: Title),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> FixOrKeepAsync(Document document, SyntaxNode target, CancellationToken cancellationToken) =>
        await FixAsync(document, target, cancellationToken).ConfigureAwait(false) ?? document;

    /// <summary>A recognised race: the statement to replace, the timeout, and how to rebuild the statement.</summary>
    private sealed class Race
    {
        public Race(StatementSyntax statement, ExpressionSyntax timeout, bool waitAsync)
        {
            Statement = statement;
            Timeout = timeout;
            IsWaitAsync = waitAsync;
        }

        public StatementSyntax Statement { get; }

        public ExpressionSyntax Timeout { get; }

        public bool IsWaitAsync { get; }
    }

    private static async Task<Document?> FixAsync(Document document, SyntaxNode target, CancellationToken cancellationToken)
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

        var anchor = CancellationRewriter.FindAnchor(race.Statement, verdict.Acceptors.Select(a => a.Syntax));
        if (anchor is null ||
            model.GetOperation(anchor, cancellationToken) is not { } anchorOperation ||
            !EvaluableBefore(race.Timeout, anchor, model, cancellationToken))
        {
            return null;
        }

        var source = CancellationRewriter.SourceName(anchor, model);
        var token = TokensInScope.Find(anchorOperation, types, includeSourceLocals: false)?.Expression;
        var newLine = CancellationRewriter.NewLine(anchor);
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        editor.InsertBefore(anchor, new[]
        {
            CancellationRewriter.OnLineOf(CancellationRewriter.CreateSource(source, token), anchor),
            CancellationRewriter.OnLineOf(CancellationRewriter.CancelAfter(source, race.Timeout), anchor),
        });
        if (!CancellationRewriter.PassToken(editor, verdict.Acceptors, ParseExpression(source + ".Token"), types))
        {
            return null;
        }

        editor.ReplaceNode(race.Statement, (current, _) => Rewrite((StatementSyntax)current, race.IsWaitAsync, source, token, newLine) ?? current);
        var changed = editor.GetChangedDocument();
        var imports = CancellationRewriter.MissingImports(
            model,
            anchor.SpanStart,
            "System.Threading.CancellationTokenSource",
            "System.OperationCanceledException",
            race.IsWaitAsync ? "System.TimeoutException" : "System.OperationCanceledException");
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
                   awaitExpression.Parent is ExpressionStatementSyntax { Parent: BlockSyntax } statement
                ? new Race(statement, waiting.ArgumentList.Arguments[0].Expression, waitAsync: true)
                : null;
        }

        // if (await Task.WhenAny(work, Task.Delay(t)) != work) throw ...;
        if (!method.IsStatic || !types.IsTaskMethod(method, "WhenAny") ||
            waiting.ArgumentList.Arguments.Count != 2 ||
            awaitExpression.Parent is not BinaryExpressionSyntax { RawKind: (int)SyntaxKind.NotEqualsExpression, Right: IdentifierNameSyntax compared } comparison ||
            comparison.Left != awaitExpression ||
            comparison.Parent is not IfStatementSyntax { Else: null, Parent: BlockSyntax } ifStatement ||
            ifStatement.Condition != comparison ||
            ThrowOf(ifStatement.Statement) is null ||
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

        return raced && timeout is not null ? new Race(ifStatement, timeout, waitAsync: false) : null;
    }

    private static ThrowStatementSyntax? ThrowOf(StatementSyntax statement) => statement switch
    {
        ThrowStatementSyntax { Expression: not null } thrown => thrown,
        BlockSyntax { Statements.Count: 1 } block when block.Statements[0] is ThrowStatementSyntax { Expression: not null } thrown => thrown,
        _ => null,
    };

    private static StatementSyntax? Rewrite(StatementSyntax current, bool waitAsync, string source, string? token, string newLine)
    {
        ExpressionSyntax? awaited;
        StatementSyntax? onTimeout;
        if (waitAsync)
        {
            awaited = current is ExpressionStatementSyntax { Expression: AwaitExpressionSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } } }
                ? access.Expression
                : null;
            onTimeout = ParseStatement("throw new TimeoutException();");
        }
        else
        {
            var ifStatement = current as IfStatementSyntax;
            awaited = (ifStatement?.Condition as BinaryExpressionSyntax)?.Right;
            onTimeout = ifStatement is null ? null : ThrowOf(ifStatement.Statement);
        }

        if (awaited is null || onTimeout is null)
        {
            return null;
        }

        var trailing = current.GetTrailingTrivia();
        if (!current.GetLastToken().IsKind(SyntaxKind.CloseBraceToken) && !NextStartsWithBlankLine(current))
        {
            // The new statement ends with a brace: keep the file's blank line after blocks.
            trailing = trailing.Add(EndOfLine(newLine));
        }

        return CancellationRewriter.AwaitOrThrowOnTimeout(awaited, source, token, onTimeout, newLine)
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
