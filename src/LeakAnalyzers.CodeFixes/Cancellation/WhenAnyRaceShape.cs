using System.Linq;
using System.Threading;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// Recognises an awaited <c>Task.WhenAny(work, delay)</c> race (two tasks, or an array of them: a
/// local and a <c>Task.Delay(t)</c>, inline or in a local the race alone uses) whose outcome the
/// code decides on in a way a <c>try</c>/<c>catch</c> can keep: compared with the work or the delay
/// in an <c>if</c> (with or without <c>else</c>) or a <c>?:</c>, stored and compared by the next
/// <c>if</c>, or discarded.
/// </summary>
internal static class WhenAnyRaceShape
{
    /// <summary>How many receivers and arguments <see cref="AwaitsWorkFirst"/> walks into.</summary>
    private const int MaxEvaluationDepth = 32;

    /// <summary>The raced work local, the timeout, and the delay local when the delay is named.</summary>
    private sealed class RacedTasks
    {
        public RacedTasks(ILocalSymbol work, ExpressionSyntax timeout, ILocalSymbol? delay, IdentifierNameSyntax? delayArgument)
        {
            Work = work;
            Timeout = timeout;
            Delay = delay;
            DelayArgument = delayArgument;
        }

        public ILocalSymbol Work { get; }

        public ExpressionSyntax Timeout { get; }

        public ILocalSymbol? Delay { get; }

        public IdentifierNameSyntax? DelayArgument { get; }
    }

    public static TimeoutRace? Recognise(InvocationExpressionSyntax waiting, AwaitExpressionSyntax awaitExpression, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        if (Raced(waiting, model, types, cancellationToken) is not { } raced)
        {
            return null;
        }

        var result = RaceSyntax.Outermost(awaitExpression);
        switch (result.Parent)
        {
            // await Task.WhenAny(work, Task.Delay(t)); - waits up to t and goes on either way.
            case ExpressionStatementSyntax { Parent: BlockSyntax } discarded:
                return Race(raced, discarded, discarded, removed: null, onTimeout: default, onSuccess: default, compared: null, model, cancellationToken);

            // if (await Task.WhenAny(work, delay) != work) { ... }   /   ... == work ? await work : fallback
            case BinaryExpressionSyntax { Right: IdentifierNameSyntax compared } comparison when comparison.Left == result:
                if (TimeoutWhenTrue(comparison, compared, raced, model, cancellationToken) is not { } timeoutWhenTrue)
                {
                    return null;
                }

                var condition = RaceSyntax.Outermost(comparison);
                return condition.Parent switch
                {
                    IfStatementSyntax { Parent: BlockSyntax } ifStatement when ifStatement.Condition == condition =>
                        FromIf(raced, ifStatement, ifStatement, removed: null, timeoutWhenTrue, compared, model, cancellationToken),
                    ConditionalExpressionSyntax conditional when conditional.Condition == condition =>
                        FromConditional(raced, conditional, timeoutWhenTrue, compared, model, cancellationToken),
                    _ => null,
                };

            // switch (await Task.WhenAny(work, delay)) { case var t when t == work: ...; default: ... }
            case SwitchStatementSyntax { Parent: BlockSyntax } switchStatement when switchStatement.Expression == result:
                return FromSwitch(raced, switchStatement, switchStatement, removed: null, model, cancellationToken);

            // var finished = await Task.WhenAny(work, delay); if (finished != work) { ... }   (or switch (finished) { ... })
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                when declarator.Parent is VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { Parent: BlockSyntax block } declaration } &&
                     declaration.UsingKeyword.IsKind(SyntaxKind.None) &&
                     block.Statements.IndexOf(declaration) + 1 < block.Statements.Count &&
                     model.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol finishedLocal:
                bool OnlyUse(IdentifierNameSyntax finished) =>
                    finished.Identifier.ValueText == finishedLocal.Name && RaceSyntax.OnlyUses(finishedLocal, block, new[] { finished }, model, cancellationToken);

                return block.Statements[block.Statements.IndexOf(declaration) + 1] switch
                {
                    IfStatementSyntax { Condition: BinaryExpressionSyntax { Left: IdentifierNameSyntax finished, Right: IdentifierNameSyntax compared } next } nextIf
                        when OnlyUse(finished) && TimeoutWhenTrue(next, compared, raced, model, cancellationToken) is { } whenTrue =>
                        FromIf(raced, declaration, nextIf, removed: nextIf, whenTrue, compared, model, cancellationToken),
                    SwitchStatementSyntax { Expression: IdentifierNameSyntax finished } nextSwitch when OnlyUse(finished) =>
                        FromSwitch(raced, declaration, nextSwitch, removed: nextSwitch, model, cancellationToken),
                    _ => null,
                };

            default:
                return null;
        }
    }

    /// <summary>Whether the comparison is true on timeout: <c>!= work</c> and <c>== delay</c> are; null for another comparison.</summary>
    private static bool? TimeoutWhenTrue(BinaryExpressionSyntax comparison, IdentifierNameSyntax compared, RacedTasks raced, SemanticModel model, CancellationToken cancellationToken)
    {
        var equals = comparison.IsKind(SyntaxKind.EqualsExpression);
        if (!equals && !comparison.IsKind(SyntaxKind.NotEqualsExpression))
        {
            return null;
        }

        var symbol = model.GetSymbolInfo(compared, cancellationToken).Symbol;
        if (SymbolEqualityComparer.Default.Equals(symbol, raced.Work))
        {
            return !equals;
        }

        return raced.Delay is not null && SymbolEqualityComparer.Default.Equals(symbol, raced.Delay) ? equals : null;
    }

    private static TimeoutRace? FromIf(RacedTasks raced, StatementSyntax statement, IfStatementSyntax ifStatement, StatementSyntax? removed, bool timeoutWhenTrue, IdentifierNameSyntax compared, SemanticModel model, CancellationToken cancellationToken)
    {
        var ifBranch = RaceSyntax.Statements(ifStatement.Statement);
        var elseBranch = ifStatement.Else is { } elseClause ? RaceSyntax.Statements(elseClause.Statement) : default;
        var (onTimeout, onSuccess) = timeoutWhenTrue ? (ifBranch, elseBranch) : (elseBranch, ifBranch);
        return Race(raced, statement, ifStatement, removed, onTimeout, onSuccess, compared, model, cancellationToken);
    }

    /// <summary>
    /// A switch on the race with two sections: <c>case var t when t == work:</c> (or <c>!= work</c>,
    /// <c>== delay</c>, a typed pattern) and <c>default:</c>, each ending in <c>break</c>, <c>return</c> or
    /// <c>throw</c> and not reading <c>t</c>: the sections become the success and timeout statements.
    /// </summary>
    private static TimeoutRace? FromSwitch(RacedTasks raced, StatementSyntax statement, SwitchStatementSyntax switchStatement, StatementSyntax? removed, SemanticModel model, CancellationToken cancellationToken)
    {
        if (switchStatement.Sections.Count != 2)
        {
            return null;
        }

        SyntaxList<StatementSyntax>? whenTrue = null, otherwise = null;
        bool? timeoutWhenTrue = null;
        IdentifierNameSyntax? compared = null;
        foreach (var section in switchStatement.Sections)
        {
            if (section.Labels.Count != 1 || SectionStatements(section) is not { } statements)
            {
                return null;
            }

            switch (section.Labels[0])
            {
                case DefaultSwitchLabelSyntax:
                    otherwise = statements;
                    break;
                case CasePatternSwitchLabelSyntax
                {
                    Pattern: var pattern,
                    WhenClause.Condition: BinaryExpressionSyntax { Left: IdentifierNameSyntax left, Right: IdentifierNameSyntax right } condition,
                } when Designated(pattern) is { } winner && left.Identifier.ValueText == winner &&
                       !section.Statements.SelectMany(s => s.DescendantTokens()).Any(token => token.ValueText == winner):
                    timeoutWhenTrue = TimeoutWhenTrue(condition, right, raced, model, cancellationToken);
                    compared = right;
                    whenTrue = statements;
                    break;
                default:
                    return null;
            }
        }

        if (whenTrue is not { } caseStatements || otherwise is not { } defaultStatements || timeoutWhenTrue is not { } timeoutIsCase)
        {
            return null;
        }

        var (onTimeout, onSuccess) = timeoutIsCase ? (caseStatements, defaultStatements) : (defaultStatements, caseStatements);
        return Race(raced, statement, switchStatement, removed, onTimeout, onSuccess, compared, model, cancellationToken);
    }

    /// <summary>The variable a <c>var t</c> or <c>Task t</c> pattern declares.</summary>
    private static string? Designated(PatternSyntax pattern) => pattern switch
    {
        VarPatternSyntax { Designation: SingleVariableDesignationSyntax variable } => variable.Identifier.ValueText,
        DeclarationPatternSyntax { Designation: SingleVariableDesignationSyntax variable } => variable.Identifier.ValueText,
        _ => null,
    };

    /// <summary>A section's statements without its closing <c>break;</c>; null when another <c>break</c> would lose its switch.</summary>
    private static SyntaxList<StatementSyntax>? SectionStatements(SwitchSectionSyntax section)
    {
        var statements = section.Statements.Count == 1 && section.Statements[0] is BlockSyntax block ? block.Statements : section.Statements;
        if (statements.LastOrDefault() is BreakStatementSyntax)
        {
            statements = statements.RemoveAt(statements.Count - 1);
        }
        else if (!RaceSyntax.Exits(statements))
        {
            return null;
        }

        return statements.Any(s => s.DescendantNodesAndSelf().OfType<BreakStatementSyntax>().Any()) ? null : statements;
    }

    /// <summary>
    /// <c>var r = await Task.WhenAny(work, delay) == work ? await work : fallback;</c> (also <c>return</c>
    /// or <c>x = </c>): the success arm inside the <c>try</c>, the timeout arm in the <c>catch</c>.
    /// </summary>
    private static TimeoutRace? FromConditional(RacedTasks raced, ConditionalExpressionSyntax conditional, bool timeoutWhenTrue, IdentifierNameSyntax compared, SemanticModel model, CancellationToken cancellationToken)
    {
        var (success, timeout) = timeoutWhenTrue ? (conditional.WhenFalse, conditional.WhenTrue) : (conditional.WhenTrue, conditional.WhenFalse);
        if (RaceSyntax.TaskSources(new[] { raced.Work }, model, cancellationToken).Any(local => RaceSyntax.References(timeout, local, model, cancellationToken).Any()))
        {
            // The timeout arm reads the work (or the tasks it came from): it would now read cancelled or faulted tasks.
            return null;
        }

        var results = success.DescendantNodesAndSelf().OfType<MemberAccessExpressionSyntax>()
            .Where(access => access.Name.Identifier.ValueText == "Result" && access.Expression is IdentifierNameSyntax name &&
                             SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, raced.Work))
            .ToList();

        var whole = RaceSyntax.Outermost(conditional);
        StatementSyntax statement;
        System.Func<ExpressionSyntax, StatementSyntax> write;
        var declaresResult = false;
        switch (whole.Parent)
        {
            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { Parent: BlockSyntax } declaration } } declarator }
                when declaration.UsingKeyword.IsKind(SyntaxKind.None) && declaration.Modifiers.Count == 0:
                statement = declaration;
                declaresResult = true;
                write = value => ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(declarator.Identifier.ValueText), value));
                break;
            case ReturnStatementSyntax { Parent: BlockSyntax } returnStatement:
                statement = returnStatement;
                write = value => ReturnStatement(value);
                break;
            case AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax { Parent: BlockSyntax } assignmentStatement } assignment when assignment.Right == whole:
                statement = assignmentStatement;
                write = value => ExpressionStatement(assignment.WithRight(value).WithoutTrivia());
                break;
            default:
                return null;
        }

        StatementSyntax Arm(ExpressionSyntax value) =>
            value is ThrowExpressionSyntax thrown ? ThrowStatement(thrown.Expression.WithoutTrivia()) : write(value.WithoutTrivia());

        // work.Result in the success arm becomes await work when the try can then await the work through it.
        var awaitsFirst = AwaitsWorkFirst(success, raced.Work, model, cancellationToken, resultIsAwaited: true);
        if (awaitsFirst)
        {
            success = success.ReplaceNodes(results, (original, _) => ParenthesizeIfNeeded(original, AwaitExpression(IdentifierName(raced.Work.Name))));
        }

        var race = Race(raced, statement, statement, removed: null, SingletonList(Arm(timeout)), SingletonList(Arm(success)), compared, model, cancellationToken, awaitsFirst);
        if (race is not null)
        {
            race.DeclaresResult = declaresResult;
        }

        return race;
    }

    private static ExpressionSyntax ParenthesizeIfNeeded(ExpressionSyntax replaced, ExpressionSyntax awaited) =>
        replaced.Parent is MemberAccessExpressionSyntax or ElementAccessExpressionSyntax or InvocationExpressionSyntax
            ? ParenthesizedExpression(awaited)
            : awaited;

    /// <summary>The race, unless the code after it still reads the work on timeout or the named delay is used elsewhere.</summary>
    private static TimeoutRace? Race(RacedTasks raced, StatementSyntax statement, StatementSyntax last, StatementSyntax? removed, SyntaxList<StatementSyntax> onTimeout, SyntaxList<StatementSyntax> onSuccess, IdentifierNameSyntax? compared, SemanticModel model, CancellationToken cancellationToken, bool? successAwaitsWork = null)
    {
        // var all = Task.WhenAll(pending); if (await Task.WhenAny(all, delay) != all) { return pending.Where(t => t.IsCompletedSuccessfully)...; }
        var sources = RaceSyntax.TaskSources(new[] { raced.Work }, model, cancellationToken);
        if (RaceSyntax.ReadsAny(onTimeout, sources, model, cancellationToken) ||
            (!RaceSyntax.Exits(onTimeout) && sources.Any(local => RaceSyntax.ReadAfter(local, last, model, cancellationToken))))
        {
            // The timeout path reads the work (or the tasks it came from): it would now meet cancelled or faulted
            // tasks where it met running ones, and awaiting them throws where the code returned what had finished.
            return null;
        }

        StatementSyntax? delayDeclaration = null;
        if (raced.Delay is not null)
        {
            // var delay = Task.Delay(t); raced (and compared) here only: CancelAfter(t) takes its place.
            delayDeclaration = raced.Delay.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken).FirstAncestorOrSelf<LocalDeclarationStatementSyntax>();
            var uses = compared is null ? new SyntaxNode[] { raced.DelayArgument! } : new SyntaxNode[] { raced.DelayArgument!, compared };
            if (delayDeclaration is not LocalDeclarationStatementSyntax { Parent: BlockSyntax delayBlock, Declaration.Variables.Count: 1 } ||
                !RaceSyntax.OnlyUses(raced.Delay, delayBlock, uses, model, cancellationToken))
            {
                return null;
            }
        }

        // if (winner != lookup) { ...; return timedOut; }  return Ok(await lookup);  - the last statement is the success:
        // it moves into the try, which then awaits the work once.
        StatementSyntax? movedIntoTry = null;
        if (onSuccess.Count == 0 && RaceSyntax.Exits(onTimeout) && last.Parent is BlockSyntax block &&
            block.Statements.IndexOf(last) == block.Statements.Count - 2 &&
            RaceSyntax.ValueOf(block.Statements.Last()) is { } following &&
            AwaitsWorkFirst(following, raced.Work, model, cancellationToken))
        {
            movedIntoTry = block.Statements.Last();
            onSuccess = SingletonList(movedIntoTry);
            successAwaitsWork = true;
        }

        return new TimeoutRace(TimeoutRaceKind.WhenAny, statement, raced.Timeout, onTimeout)
        {
            OnSuccess = onSuccess,
            SuccessAwaitsWork = successAwaitsWork ?? (onSuccess.FirstOrDefault() is { } first && RaceSyntax.ValueOf(first) is { } value && AwaitsWorkFirst(value, raced.Work, model, cancellationToken)),
            MovedIntoTry = movedIntoTry,
            Removed = removed,
            RemovedDelay = delayDeclaration,
            Work = raced.Work.Name,
        };
    }

    /// <summary>
    /// Whether <paramref name="value"/> awaits the work (or reads its <c>Result</c>, which becomes that await) before
    /// it does anything that could be seen: <c>await work</c>, <c>(await work).Length</c>, <c>Ok(await work)</c>,
    /// <c>_logger.LogInformation("{Health}", await work)</c>. It can then stand for the <c>await work;</c> the
    /// <c>try</c> starts with. Only locals, parameters, fields, types, <c>this</c> and literals may come before it.
    /// </summary>
    private static bool AwaitsWorkFirst(ExpressionSyntax? value, ILocalSymbol work, SemanticModel model, CancellationToken cancellationToken, bool resultIsAwaited = false)
    {
        // A switch section's statements without their break are copies outside the tree: judged by name there.
        bool IsWork(ExpressionSyntax expression) =>
            expression is IdentifierNameSyntax name && name.Identifier.ValueText == work.Name &&
            (name.SyntaxTree != model.SyntaxTree || SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, work));

        for (var depth = 0; value is not null && depth < MaxEvaluationDepth; depth++)
        {
            switch (value)
            {
                case AwaitExpressionSyntax awaited:
                    return IsWork(awaited.Expression);
                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Result" } access when resultIsAwaited && IsWork(access.Expression):
                    return true;
                case ParenthesizedExpressionSyntax or MemberAccessExpressionSyntax or ElementAccessExpressionSyntax or ConditionalAccessExpressionSyntax or BinaryExpressionSyntax:
                    value = RaceSyntax.OperandEvaluatedFirst(value);
                    break;
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax receiver } when !Unobservable(receiver.Expression, model, cancellationToken):
                    value = receiver.Expression;
                    break;
                case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax or IdentifierNameSyntax } invocation:
                    value = invocation.ArgumentList.Arguments.FirstOrDefault(argument => !Unobservable(argument.Expression, model, cancellationToken))?.Expression;
                    break;
                case ObjectCreationExpressionSyntax { ArgumentList: { } arguments }:
                    value = arguments.Arguments.FirstOrDefault(argument => !Unobservable(argument.Expression, model, cancellationToken))?.Expression;
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>An expression whose evaluation nobody can see: a literal, <c>this</c>, a type, or a local, parameter or field read.</summary>
    private static bool Unobservable(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken) => expression switch
    {
        LiteralExpressionSyntax or ThisExpressionSyntax or PredefinedTypeSyntax => true,
        _ when expression.SyntaxTree != model.SyntaxTree => false,
        IdentifierNameSyntax => model.GetSymbolInfo(expression, cancellationToken).Symbol is ILocalSymbol or IParameterSymbol or IFieldSymbol or INamedTypeSymbol or INamespaceSymbol,
        MemberAccessExpressionSyntax access => model.GetSymbolInfo(access, cancellationToken).Symbol is IFieldSymbol or INamedTypeSymbol or INamespaceSymbol &&
                                               Unobservable(access.Expression, model, cancellationToken),
        _ => false,
    };

    /// <summary>The two raced tasks (arguments, or the elements of one array argument): a work local and a delay.</summary>
    private static RacedTasks? Raced(InvocationExpressionSyntax waiting, SemanticModel model, CancellationTypes types, CancellationToken cancellationToken)
    {
        var arguments = waiting.ArgumentList.Arguments;
        var tasks = arguments.Count == 2
            ? arguments.Select(argument => argument.Expression).ToList()
            : arguments.Count == 1 ? RaceSyntax.ArrayElements(arguments[0].Expression) : null;
        if (tasks is not { Count: 2 })
        {
            return null;
        }

        ILocalSymbol? work = null;
        ILocalSymbol? delay = null;
        IdentifierNameSyntax? delayArgument = null;
        ExpressionSyntax? timeout = null;
        foreach (var task in tasks)
        {
            if (RaceSyntax.DelayTimeout(task, model, types, cancellationToken) is { } inline)
            {
                timeout = inline;
            }
            else if (task is IdentifierNameSyntax name && model.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local)
            {
                if (local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer } &&
                    RaceSyntax.DelayTimeout(initializer, model, types, cancellationToken) is { } named)
                {
                    (delay, delayArgument, timeout) = (local, name, named);
                }
                else
                {
                    work = local;
                }
            }
        }

        return work is not null && timeout is not null ? new RacedTasks(work, timeout, delay, delayArgument) : null;
    }
}
