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
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK006: the linked-token rewrite for the timeout shapes whose meaning it keeps. The work
/// gets <c>cts.Token</c> from a linked source that is cancelled after the original timeout, and the
/// race becomes a direct <c>await</c> whose timeout (and only the timeout, not the caller's own
/// cancellation) runs what the original ran on timeout: <c>WhenAny</c> races branched on with
/// <c>==</c>/<c>!=</c> (with or without <c>else</c>, a timeout branch that returns, throws, or logs
/// and goes on), <c>WaitAsync(timeout[, token])</c> with or without a <c>catch (TimeoutException)</c>,
/// <c>WaitAsync(token)</c>, <c>WhenAll(...).WaitAsync(timeout)</c>. Shapes that decide differently on
/// timeout (<c>WaitAny</c>'s index, <c>Wait(t)</c>'s <c>bool</c>, a race used in <c>?:</c> or
/// <c>switch</c>) are left to the developer; docs/rules/LEAK006.md lists them.
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
        public Race(StatementSyntax statement, IfStatementSyntax? removed, ExpressionSyntax timeout, string? work, SyntaxList<StatementSyntax> onTimeout, RaceKind kind = RaceKind.WhenAny, ExpressionSyntax? callerToken = null)
        {
            Statement = statement;
            Removed = removed;
            Timeout = timeout;
            Work = work;
            OnTimeout = onTimeout;
            Kind = kind;
            CallerToken = callerToken;
        }

        public RaceKind Kind { get; }

        /// <summary>What a <c>WhenAny</c> race did when the work won (its success branch), run after the work is awaited.</summary>
        public SyntaxList<StatementSyntax> OnSuccess { get; set; }

        /// <summary><c>WaitAsync(timeout, token)</c>'s token: the new source is linked to it.</summary>
        public ExpressionSyntax? CallerToken { get; }

        /// <summary>The statement the <c>try</c>/<c>catch</c> replaces.</summary>
        public StatementSyntax Statement { get; }

        /// <summary>The <c>if (finished != work)</c> that follows a <c>var finished = await Task.WhenAny(...)</c>, removed with it.</summary>
        public IfStatementSyntax? Removed { get; }

        public ExpressionSyntax Timeout { get; }

        /// <summary>The raced local, or null for <c>WaitAsync</c> (whose receiver is awaited).</summary>
        public string? Work { get; }

        public SyntaxList<StatementSyntax> OnTimeout { get; }
    }

    /// <summary>How the race is written, and so how it is rewritten.</summary>
    private enum RaceKind
    {
        /// <summary><c>if (await Task.WhenAny(work, Task.Delay(t)) != work) { ...; exit }</c>.</summary>
        WhenAny,

        /// <summary><c>await X.WaitAsync(t);</c>, <c>return await X.WaitAsync(t);</c> or <c>var v = await X.WaitAsync(t);</c>: a <c>try</c> that throws <c>TimeoutException</c> as before.</summary>
        WaitAsync,

        /// <summary><c>try { ... await X.WaitAsync(t) ... } catch (TimeoutException) { ... }</c>: the catch now catches the timeout's cancellation.</summary>
        WaitAsyncCaught,
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
        if (verdict.ShouldReport && IsTokenOnlyWait(invocation, types))
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
            !EvaluableBefore(race.Timeout, anchor, model, cancellationToken))
        {
            return null;
        }

        if ((race.CallerToken is not null && !EvaluableBefore(race.CallerToken, anchor, model, cancellationToken)) ||
            (race.Kind != RaceKind.WhenAny && WaitsBetween(anchor, race.Statement)))
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

        if (race.Kind == RaceKind.WaitAsync && race.Statement is LocalDeclarationStatementSyntax)
        {
            if (SplitDeclaration(race, model, cancellationToken) is not { } declared)
            {
                return null;
            }

            // When the source is created right before this statement, its blank lines went above the source.
            var leading = race.Statement == anchor ? CancellationRewriter.WithoutBlankLinesAbove(race.Statement) : race.Statement.GetLeadingTrivia();
            editor.InsertBefore(race.Statement, CancellationRewriter.OnLineOf(declared, race.Statement).WithLeadingTrivia(leading));
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
            return RecogniseWaitAsync(waiting, awaitExpression, method, model, types, cancellationToken);
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

        if (ifStatement is not { Parent: BlockSyntax, Condition: BinaryExpressionSyntax { Right: IdentifierNameSyntax compared } condition } ||
            !condition.IsKind(SyntaxKind.NotEqualsExpression) && !condition.IsKind(SyntaxKind.EqualsExpression) ||
            model.GetSymbolInfo(compared, cancellationToken).Symbol is not ILocalSymbol workLocal)
        {
            return null;
        }

        // `!= work`: the if branch is the timeout; `== work`: the else branch is (and may be absent).
        var ifBranch = Statements(ifStatement.Statement);
        var elseBranch = ifStatement.Else is { } elseClause ? Statements(elseClause.Statement) : default;
        var (onTimeout, onSuccess) = condition.IsKind(SyntaxKind.NotEqualsExpression) ? (ifBranch, elseBranch) : (elseBranch, ifBranch);
        if (!Exits(onTimeout) && ReadAfter(workLocal, ifStatement, model, cancellationToken))
        {
            // The code after the race reads the work: it would now meet a cancelled task where it met a running one.
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

        return raced && timeout is not null ? new Race(statement, removed, timeout, compared.Identifier.ValueText, onTimeout) { OnSuccess = onSuccess } : null;
    }

    /// <summary><c>X.WaitAsync(token)</c>: a wait bounded only by a token the work never sees.</summary>
    private static bool IsTokenOnlyWait(IInvocationOperation invocation, CancellationTypes types) =>
        !invocation.TargetMethod.IsStatic &&
        types.IsTaskMethod(invocation.TargetMethod, "WaitAsync") &&
        invocation.TargetMethod.Parameters.Length == 1 &&
        types.IsToken(invocation.TargetMethod.Parameters[0].Type) &&
        invocation.Arguments.Length == 1 &&
        TokenArguments.IsRealToken(invocation.Arguments[0].Value);

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
        if (anchor is null || !EvaluableBefore(token, anchor, model, cancellationToken))
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

    /// <summary>
    /// <c>X.WaitAsync(timeout)</c> or <c>X.WaitAsync(timeout, token)</c> (a named <c>TimeSpan</c>
    /// argument, written in order), awaited in one of three places: inside a <c>try</c> whose
    /// <c>catch (TimeoutException)</c> handles it (the only wait there), or as the whole of
    /// <c>await ...;</c>, <c>return await ...;</c> or a one-variable <c>var v = await ...;</c>.
    /// </summary>
    private static Race? RecogniseWaitAsync(InvocationExpressionSyntax waiting, AwaitExpressionSyntax awaitExpression, IMethodSymbol method, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        if (waiting.Expression is not MemberAccessExpressionSyntax ||
            method.Parameters.Length is not (1 or 2) ||
            !TimeoutParameters.IsTimeSpan(method.Parameters[0].Type) ||
            (method.Parameters.Length == 2 && !types.IsToken(method.Parameters[1].Type)) ||
            waiting.ArgumentList.Arguments.Count != method.Parameters.Length ||
            waiting.ArgumentList.Arguments.Any(argument => argument.NameColon is not null))
        {
            return null;
        }

        var timeout = waiting.ArgumentList.Arguments[0].Expression;
        var callerToken = method.Parameters.Length == 2 ? waiting.ArgumentList.Arguments[1].Expression : null;
        if (callerToken is not null && model.GetOperation(callerToken, cancellationToken) is { } tokenOperation && !TokenArguments.IsRealToken(tokenOperation))
        {
            callerToken = null;
        }

        var rethrow = SingletonList(ParseStatement("throw new TimeoutException();"));
        var statement = awaitExpression.FirstAncestorOrSelf<StatementSyntax>();
        if (statement?.FirstAncestorOrSelf<TryStatementSyntax>() is { } tryStatement &&
            tryStatement.Block.Span.Contains(waiting.Span) &&
            tryStatement.Parent is BlockSyntax &&
            !waiting.Ancestors().TakeWhile(a => a != tryStatement).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax) &&
            TimeoutCatch(tryStatement, model, cancellationToken) is not null &&
            tryStatement.Block.DescendantNodes().OfType<MemberAccessExpressionSyntax>().Count(access => access.Name.Identifier.ValueText is "WaitAsync" or "Wait") == 1)
        {
            return new Race(tryStatement, removed: null, timeout, work: null, rethrow, RaceKind.WaitAsyncCaught, callerToken);
        }

        var whole = awaitExpression.Parent switch
        {
            ExpressionStatementSyntax expressionStatement => expressionStatement,
            ReturnStatementSyntax returnStatement => returnStatement,
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax declaration } } }
                when declaration.UsingKeyword.IsKind(SyntaxKind.None) && declaration.Modifiers.Count == 0 => (StatementSyntax)declaration,
            _ => null,
        };
        return whole is { Parent: BlockSyntax }
            ? new Race(whole, removed: null, timeout, work: null, rethrow, RaceKind.WaitAsync, callerToken)
            : null;
    }

    /// <summary>The <c>catch (TimeoutException)</c> of a <c>try</c> (no filter; its variable, if any, unused).</summary>
    private static CatchClauseSyntax? TimeoutCatch(TryStatementSyntax tryStatement, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var clause in tryStatement.Catches)
        {
            if (clause.Declaration is { } declaration &&
                clause.Filter is null &&
                model.GetTypeInfo(declaration.Type, cancellationToken).Type is INamedTypeSymbol { Name: "TimeoutException", ContainingNamespace.Name: "System" } &&
                (declaration.Identifier.IsKind(SyntaxKind.None) ||
                 !clause.Block.DescendantTokens().Any(token => token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == declaration.Identifier.ValueText)))
            {
                return clause;
            }
        }

        return null;
    }

    private static SyntaxList<StatementSyntax> Statements(StatementSyntax body) =>
        body is BlockSyntax block ? block.Statements : SingletonList(body);

    /// <summary>A branch that always leaves (ends with <c>throw</c> or <c>return</c>).</summary>
    private static bool Exits(SyntaxList<StatementSyntax> statements) =>
        statements.LastOrDefault() is ThrowStatementSyntax { Expression: not null } or ReturnStatementSyntax;

    /// <summary>Whether the local is named in the statements after <paramref name="statement"/> in its block.</summary>
    private static bool ReadAfter(ILocalSymbol local, StatementSyntax statement, SemanticModel model, CancellationToken cancellationToken)
    {
        var block = (BlockSyntax)statement.Parent!;
        return block.Statements.Skip(block.Statements.IndexOf(statement) + 1)
            .SelectMany(following => following.DescendantNodes().OfType<IdentifierNameSyntax>())
            .Any(identifier => identifier.Identifier.ValueText == local.Name &&
                               SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, local));
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
        if (race.Kind != RaceKind.WhenAny)
        {
            return RewriteWaitAsync(current, race, source, token, newLine);
        }

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

        return CancellationRewriter.AwaitOrThrowOnTimeout(awaited, source, token, race.OnTimeout, newLine, race.OnSuccess)
            .WithLeadingTrivia(current.GetLeadingTrivia())
            .WithTrailingTrivia(trailing);
    }

    /// <summary>The awaited <c>X.WaitAsync(...)</c> becomes <c>X</c>; then the catch or a new <c>try</c> turns the timeout's cancellation into what the code handled before.</summary>
    private static StatementSyntax? RewriteWaitAsync(StatementSyntax current, Race race, string source, string? token, string newLine)
    {
        var waits = current.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(i => i.Parent is AwaitExpressionSyntax && i.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WaitAsync" })
            .ToList();
        if (waits.Count != 1)
        {
            return null;
        }

        var work = ((MemberAccessExpressionSyntax)waits[0].Expression).Expression.WithTriviaFrom(waits[0]);
        var unwrapped = current.ReplaceNode(waits[0], work);
        var condition = ParseExpression(token is null
            ? $"{source}.IsCancellationRequested"
            : $"{source}.IsCancellationRequested && !{token}.IsCancellationRequested");

        if (race.Kind == RaceKind.WaitAsyncCaught)
        {
            var tryStatement = (TryStatementSyntax)unwrapped;
            var clause = tryStatement.Catches.First(c => c.Declaration?.Type is { } type && type.ToString().EndsWith("TimeoutException", System.StringComparison.Ordinal));
            var rewritten = clause
                .WithDeclaration(CatchDeclaration(IdentifierName("OperationCanceledException")).WithLeadingTrivia(clause.Declaration!.GetLeadingTrivia()).WithTrailingTrivia(Space))
                .WithFilter(CatchFilterClause(condition).WithTrailingTrivia(clause.Declaration!.GetTrailingTrivia()));
            return tryStatement.ReplaceNode(clause, rewritten);
        }

        StatementSyntax body = unwrapped.WithoutLeadingTrivia().WithoutTrailingTrivia();
        if (unwrapped is LocalDeclarationStatementSyntax declaration)
        {
            // var v = await X;  ->  (T v; declared before)  try { v = await X; } ...
            var variable = declaration.Declaration.Variables[0];
            body = ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(variable.Identifier.ValueText), variable.Initializer!.Value.WithoutTrivia()));
        }

        var tryCatch = TryStatement(
                Block(body),
                SingletonList(CatchClause(CatchDeclaration(IdentifierName("OperationCanceledException")), CatchFilterClause(condition), Block(race.OnTimeout))),
                @finally: null)
            .NormalizeWhitespace(eol: newLine)
            .WithAdditionalAnnotations(Formatter.Annotation);
        var trailing = current.GetTrailingTrivia();
        if (!NextStartsWithBlankLine(race.Statement))
        {
            trailing = trailing.Add(EndOfLine(newLine));
        }

        return tryCatch
            .WithLeadingTrivia(unwrapped is LocalDeclarationStatementSyntax ? Layout.Indentation(race.Statement) : current.GetLeadingTrivia())
            .WithTrailingTrivia(trailing);
    }

    /// <summary><c>T v;</c> for a <c>var v = await X.WaitAsync(t);</c> whose assignment moves into the <c>try</c>.</summary>
    private static StatementSyntax? SplitDeclaration(Race race, SemanticModel model, CancellationToken cancellationToken)
    {
        if (race.Statement is not LocalDeclarationStatementSyntax declaration)
        {
            return null;
        }

        var variable = declaration.Declaration.Variables[0];
        // The awaited value's type as written by a person (`string`, not the `string?` a var local gets).
        if (model.GetDeclaredSymbol(variable, cancellationToken) is not ILocalSymbol local ||
            variable.Initializer is null ||
            model.GetTypeInfo(variable.Initializer.Value, cancellationToken).Type is not { } type ||
            type.TypeKind == TypeKind.Error || type.IsAnonymousType)
        {
            return null;
        }

        var typeText = declaration.Declaration.Type.IsVar ? type.ToMinimalDisplayString(model, declaration.SpanStart) : declaration.Declaration.Type.ToString();
        return ParseStatement($"{typeText} {local.Name};");
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

    /// <summary>
    /// Whether the code between the source's declaration and the wait itself waits (an <c>await</c>, a
    /// blocking <c>Wait</c>/<c>Result</c>): the timeout, which started at the wait, would then start earlier.
    /// </summary>
    private static bool WaitsBetween(StatementSyntax anchor, StatementSyntax wait)
    {
        if (anchor.Parent is not BlockSyntax block || anchor == wait)
        {
            return false;
        }

        var start = block.Statements.IndexOf(anchor);
        foreach (var statement in block.Statements.Skip(start))
        {
            if (statement.Span.Contains(wait.Span))
            {
                return false;
            }

            // Lambdas and local functions run later (or are awaited by the wait itself).
            if (statement.DescendantNodes(node => node is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).Any(node =>
                    node is AwaitExpressionSyntax ||
                    node is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Wait" or "WaitAny" or "WaitAll" or "Result" or "GetResult" }))
            {
                return true;
            }
        }

        return false;
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
