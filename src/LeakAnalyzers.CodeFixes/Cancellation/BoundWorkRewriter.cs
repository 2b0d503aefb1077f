using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LeakAnalyzers.Cancellation;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK004's "bound the work": the background work creates its own source that cancels after
/// <c>leak_analyzers.default_timeout</c> (linked to the host's stopping token when one is in
/// scope) and passes its token to every token-accepting call in the work:
/// <list type="bullet">
/// <item><c>Task.Run</c>/<c>StartNew</c>: the source is declared at the top of the lambda, which
/// becomes <c>async</c> when it returned a task (so the source lives until the work ends);</item>
/// <item>a direct call (<c>_ = SendAsync(x)</c>): it is moved into <c>Task.Run(async () =&gt; { ... })</c>,
/// only when its receiver and arguments read the same values later (locals and parameters never
/// reassigned, read-only fields, constants; nothing of the request's <c>HttpContext</c>).</item>
/// </list>
/// A request's token is never used: a request that ends normally never cancels it.
/// </summary>
internal static class BoundWorkRewriter
{
    private const int MaxOperations = 256;

    public static async Task<Document?> RewriteAsync(Document document, SemanticModel model, IInvocationOperation origin, CancellationTypes types, CancellationToken cancellationToken)
    {
        var tree = origin.Syntax.SyntaxTree;
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var timeout = CancellationRewriter.DefaultTimeout(document, tree);
        var usingDeclarations = CancellationRewriter.UsingDeclarationsAllowed(tree);
        var rewritten = types.IsTaskStarter(origin.TargetMethod)
            ? BoundLambda(editor, origin, timeout, usingDeclarations, types, model, cancellationToken)
            : WrapCall(editor, origin, timeout, usingDeclarations, types, model);
        if (!rewritten)
        {
            return null;
        }

        var changed = editor.GetChangedDocument();
        var imports = CancellationRewriter.MissingImports(model, origin.Syntax.SpanStart, "System.Threading.CancellationTokenSource", "System.TimeSpan", "System.Threading.Tasks.Task");
        if (imports.Count == 0)
        {
            return changed;
        }

        var changedRoot = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return changedRoot is null ? null : changed.WithSyntaxRoot(CancellationRewriter.AddImports(changedRoot, imports));
    }

    /// <summary><c>Task.Run(async () =&gt; { using var cts = ...; ... cts.Token ... })</c>.</summary>
    private static bool BoundLambda(DocumentEditor editor, IInvocationOperation starter, ExpressionSyntax timeout, bool usingDeclarations, CancellationTypes types, SemanticModel model, CancellationToken cancellationToken)
    {
        var lambdas = starter.Arguments
            .Select(argument => TaskOrigins.Unwrap(argument.Value))
            .OfType<IDelegateCreationOperation>()
            .Select(creation => creation.Target)
            .OfType<IAnonymousFunctionOperation>()
            .ToList();
        if (lambdas.Count != 1 || lambdas[0].Syntax is not AnonymousFunctionExpressionSyntax syntax)
        {
            return false;
        }

        var lambda = lambdas[0];
        var returnType = lambda.Symbol.ReturnType;
        var returnsTask = types.IsTaskLike(returnType);
        var makeAsync = !lambda.Symbol.IsAsync && returnsTask;
        if (makeAsync && syntax.Block is not null)
        {
            // A block that returns a task would dispose the source as soon as the task is returned.
            return false;
        }

        var work = BackgroundWork.InDelegates(starter, types);
        if (work.IsEmpty)
        {
            return false;
        }

        var source = LocalNames.UniqueInFunction("cts", syntax, model);
        var token = ParseExpression(source + ".Token");
        if (!CancellationRewriter.PassToken(editor, work.Acceptors, token, types) ||
            !TokenThreading.Thread(editor, work.Threaded, token, types, model, cancellationToken))
        {
            return false;
        }

        var host = lambda.Symbol.IsStatic ? null : HostToken(starter, types, model);
        var returnsValue = returnType is INamedTypeSymbol { IsGenericType: true } && returnsTask
            || (!returnsTask && !lambda.Symbol.ReturnsVoid);
        var layout = new Indentation(syntax);
        editor.ReplaceNode(syntax, (current, _) => WithSource((AnonymousFunctionExpressionSyntax)current, source, host, timeout, usingDeclarations, makeAsync, returnsValue, layout));
        return true;
    }

    /// <summary><c>_ = SendAsync(x)</c> becomes <c>_ = Task.Run(async () =&gt; { using var cts = ...; await SendAsync(x, cts.Token); })</c>.</summary>
    private static bool WrapCall(DocumentEditor editor, IInvocationOperation call, ExpressionSyntax timeout, bool usingDeclarations, CancellationTypes types, SemanticModel model)
    {
        if (call.Syntax is not InvocationExpressionSyntax syntax ||
            !types.IsTaskLike(call.Type) ||
            !KeepsItsType(call, types) ||
            !ReadsTheSameLater(call))
        {
            return false;
        }

        var source = LocalNames.UniqueInFunction("cts", syntax, model);
        if (!CancellationRewriter.PassToken(editor, new[] { call }, ParseExpression(source + ".Token"), types))
        {
            return false;
        }

        var host = HostToken(call, types, model);
        var returnsValue = call.Type is INamedTypeSymbol { IsGenericType: true };
        var isValueTask = SymbolEqualityComparer.Default.Equals(call.Type?.OriginalDefinition, types.ValueTask) ||
                          SymbolEqualityComparer.Default.Equals(call.Type?.OriginalDefinition, types.ValueTaskOfT);
        if (isValueTask && returnsValue)
        {
            return false;
        }

        var layout = new Indentation(syntax);
        editor.ReplaceNode(syntax, (current, _) =>
        {
            var lambda = ParenthesizedLambdaExpression()
                .WithAsyncKeyword(Token(SyntaxKind.AsyncKeyword))
                .WithExpressionBody(((ExpressionSyntax)current).WithoutTrivia());
            var bounded = WithSource(lambda, source, host, timeout, usingDeclarations, makeAsync: true, returnsValue, layout);
            return InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("Task"), IdentifierName("Run")),
                    ArgumentList(SingletonSeparatedList(Argument(bounded))))
                .WithTriviaFrom(current);
        });
        return true;
    }

    /// <summary>
    /// The wrapped call's task is <c>Task</c>/<c>Task&lt;T&gt;</c> after the rewrite: fine where it is
    /// discarded, a statement, a <c>var</c> local or handed to a <c>*Forget</c> helper on <c>Task</c>.
    /// </summary>
    private static bool KeepsItsType(IInvocationOperation call, CancellationTypes types)
    {
        var parent = Ownership.OperationNavigation.SkipTransparentParents(call).Parent;
        return parent switch
        {
            IExpressionStatementOperation => true,
            ISimpleAssignmentOperation { Target: IDiscardOperation } => true,
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Syntax: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type.IsVar: true } } } } => true,
            IArgumentOperation { Parameter: { } parameter, Parent: IInvocationOperation forget } =>
                UnobservedTasks.IsForget(forget.TargetMethod, types) &&
                SymbolEqualityComparer.Default.Equals(parameter.Type.OriginalDefinition, types.Task),
            _ => false,
        };
    }

    /// <summary>
    /// Whether evaluating the call later, on the thread pool, reads the same values: constants,
    /// <c>this</c>, read-only fields, locals and parameters never written after their declaration,
    /// and calls, creations and members of those - none of an ASP.NET Core request's objects, which
    /// are reused once the request ends.
    /// </summary>
    private static bool ReadsTheSameLater(IInvocationOperation call)
    {
        var written = WrittenSymbols(call);
        var count = 0;
        foreach (var operation in call.DescendantsAndSelf())
        {
            if (++count > MaxOperations)
            {
                return false;
            }

            if (operation.Type?.ContainingNamespace?.ToDisplayString().StartsWith("Microsoft.AspNetCore", System.StringComparison.Ordinal) == true)
            {
                return false;
            }

            switch (operation)
            {
                case ILocalReferenceOperation local when local.Local.RefKind != RefKind.None || written.Contains(local.Local):
                case IParameterReferenceOperation parameter when parameter.Parameter.RefKind != RefKind.None || written.Contains(parameter.Parameter):
                case IFieldReferenceOperation field when !field.Field.IsReadOnly && !field.Field.IsConst:
                case IAnonymousFunctionOperation or IDelegateCreationOperation or IAwaitOperation or IAssignmentOperation or IIncrementOrDecrementOperation:
                    return false;
            }
        }

        return true;
    }

    /// <summary>Locals and parameters assigned anywhere in the function around <paramref name="operation"/> (beyond a declaration's initializer).</summary>
    private static HashSet<ISymbol> WrittenSymbols(IOperation operation)
    {
        var written = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var descendant in Ownership.OperationNavigation.Root(operation).Descendants())
        {
            var target = descendant switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                _ => null,
            };
            switch (target)
            {
                case ILocalReferenceOperation local:
                    written.Add(local.Local);
                    break;
                case IParameterReferenceOperation parameter:
                    written.Add(parameter.Parameter);
                    break;
            }
        }

        return written;
    }

    /// <summary>
    /// A token that lives as long as the host: <c>BackgroundService.ExecuteAsync</c>'s stopping token,
    /// a <c>CancellationToken</c> field or property declared in the code, or an
    /// <c>IHostApplicationLifetime</c>'s <c>ApplicationStopping</c>. Request tokens never qualify.
    /// </summary>
    private static string? HostToken(IOperation at, CancellationTypes types, SemanticModel model)
    {
        for (var current = at.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation { Symbol.IsStatic: true } or ILocalFunctionOperation { Symbol.IsStatic: true })
            {
                return null;
            }
        }

        var position = at.Syntax.SpanStart;
        ISymbol? member = model.GetEnclosingSymbol(position);
        while (member is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction } && member.ContainingSymbol is not null)
        {
            member = member.ContainingSymbol;
        }

        if (member is IMethodSymbol { IsOverride: true, Name: "ExecuteAsync", Parameters.Length: 1 } execute &&
            types.IsToken(execute.Parameters[0].Type) &&
            types.BackgroundService is not null &&
            WellKnownTypes.InheritsFrom(execute.ContainingType, types.BackgroundService))
        {
            return new TokenInScope(execute.Parameters[0], null).Expression;
        }

        var instanceAvailable = member is { IsStatic: false };
        string? lifetime = null;
        foreach (var symbol in model.LookupSymbols(position).OrderBy(s => s.Name, System.StringComparer.Ordinal))
        {
            if (symbol is not (IFieldSymbol or IPropertySymbol { IsIndexer: false, GetMethod: not null }) ||
                symbol.DeclaringSyntaxReferences.IsEmpty ||
                !(symbol.IsStatic || instanceAvailable))
            {
                continue;
            }

            var type = symbol is IFieldSymbol field ? field.Type : ((IPropertySymbol)symbol).Type;
            if (types.IsToken(type))
            {
                return new TokenInScope(symbol, null).Expression;
            }

            if (lifetime is null && types.HostApplicationLifetime is not null && WellKnownTypes.Implements(type, types.HostApplicationLifetime))
            {
                lifetime = new TokenInScope(symbol, "ApplicationStopping").Expression;
            }
        }

        return lifetime;
    }

    /// <summary>
    /// The lambda with the source declared first in its body: <c>using var</c> (C# 8) or a <c>using</c>
    /// statement around the body. An expression body becomes a block (<c>[return] [await] expression;</c>)
    /// whose braces line up with the line the lambda starts on.
    /// </summary>
    private static AnonymousFunctionExpressionSyntax WithSource(
        AnonymousFunctionExpressionSyntax lambda, string source, string? host, ExpressionSyntax timeout, bool usingDeclarations, bool makeAsync, bool returnsValue, Indentation layout)
    {
        var creation = host is null
            ? $"new CancellationTokenSource({timeout})"
            : $"CancellationTokenSource.CreateLinkedTokenSource({host})";
        var cancelAfter = host is null ? null : ParseStatement($"{source}.CancelAfter({timeout});");
        var isAsync = makeAsync || !lambda.AsyncKeyword.IsKind(SyntaxKind.None);
        var endOfLine = EndOfLine(layout.NewLine);

        BlockSyntax block;
        string inner;
        if (lambda.Block is { } existing)
        {
            block = existing;
            inner = existing.Statements.Count > 0 ? Layout.Indentation(existing.Statements[0]).ToFullString() : layout.Line + layout.Unit;
        }
        else
        {
            var expression = lambda.ExpressionBody!.WithoutTrivia();
            if (makeAsync)
            {
                expression = AwaitExpression(expression);
            }

            inner = layout.Line + layout.Unit;
            var statement = returnsValue ? (StatementSyntax)ReturnStatement(expression) : ExpressionStatement(expression);
            block = Block(
                Token(TriviaList(Whitespace(layout.Line)), SyntaxKind.OpenBraceToken, TriviaList(endOfLine)),
                SingletonList(statement.WithLeadingTrivia(Whitespace(inner)).WithTrailingTrivia(endOfLine)),
                Token(TriviaList(Whitespace(layout.Line)), SyntaxKind.CloseBraceToken, default));
        }

        StatementSyntax OnLine(StatementSyntax statement, string indentation) =>
            statement.WithLeadingTrivia(Whitespace(indentation)).WithTrailingTrivia(endOfLine);

        if (usingDeclarations)
        {
            var added = new List<StatementSyntax> { OnLine(ParseStatement($"using var {source} = {creation};"), inner) };
            if (cancelAfter is not null)
            {
                added.Add(OnLine(cancelAfter, inner));
            }

            block = block.WithStatements(block.Statements.InsertRange(0, added));
        }
        else
        {
            // using (var cts = ...) { <the body, one level deeper> }
            var deeper = inner + layout.Unit;
            var statements = block.Statements.Select(statement => Indent(statement, layout.Unit)).ToList();
            if (cancelAfter is not null)
            {
                statements.Insert(0, OnLine(cancelAfter, deeper));
            }

            var usingStatement = UsingStatement(
                    ((LocalDeclarationStatementSyntax)ParseStatement($"var {source} = {creation};")).Declaration,
                    null,
                    Block(
                        Token(TriviaList(Whitespace(inner)), SyntaxKind.OpenBraceToken, TriviaList(endOfLine)),
                        List(statements),
                        Token(TriviaList(Whitespace(inner)), SyntaxKind.CloseBraceToken, TriviaList(endOfLine))))
                .WithUsingKeyword(Token(TriviaList(Whitespace(inner)), SyntaxKind.UsingKeyword, TriviaList(Space)))
                .WithCloseParenToken(Token(default, SyntaxKind.CloseParenToken, TriviaList(endOfLine)));
            block = block.WithStatements(SingletonList<StatementSyntax>(usingStatement));
        }

        var result = lambda switch
        {
            ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized
                .WithArrowToken(parenthesized.ArrowToken.WithTrailingTrivia(endOfLine))
                .WithExpressionBody(null)
                .WithBlock(block),
            SimpleLambdaExpressionSyntax simple => simple
                .WithArrowToken(simple.ArrowToken.WithTrailingTrivia(endOfLine))
                .WithExpressionBody(null)
                .WithBlock(block),
            AnonymousMethodExpressionSyntax anonymous => anonymous.WithBlock(block),
            _ => lambda,
        };
        if (isAsync && result.AsyncKeyword.IsKind(SyntaxKind.None))
        {
            result = result.WithAsyncKeyword(Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space));
        }

        return result;
    }

    /// <summary>Moves every line of <paramref name="node"/> one indentation unit to the right.</summary>
    private static T Indent<T>(T node, string unit)
        where T : SyntaxNode
    {
        var lineStarts = new HashSet<SyntaxToken>();
        foreach (var token in node.DescendantTokens())
        {
            var previous = token.GetPreviousToken();
            if (token == node.GetFirstToken() || previous.TrailingTrivia.Any(trivia => trivia.IsKind(SyntaxKind.EndOfLineTrivia)))
            {
                lineStarts.Add(token);
            }
        }

        return node.ReplaceTokens(lineStarts, (original, current) =>
        {
            var leading = current.LeadingTrivia;
            var last = leading.Count - 1;
            return last >= 0 && leading[last].IsKind(SyntaxKind.WhitespaceTrivia)
                ? current.WithLeadingTrivia(leading.Replace(leading[last], Whitespace(leading[last].ToString() + unit)))
                : current.WithLeadingTrivia(leading.Add(Whitespace(unit)));
        });
    }

    /// <summary>How the lines around the lambda are laid out: the indentation of its first line, one level, the line break.</summary>
    private readonly struct Indentation
    {
        public Indentation(SyntaxNode lambda)
        {
            var text = lambda.SyntaxTree.GetText();
            var line = text.Lines.GetLineFromPosition(lambda.SpanStart).ToString();
            Line = line.Substring(0, line.Length - line.TrimStart().Length);
            Unit = Line.Contains("\t") ? "\t" : "    ";
            NewLine = Layout.NewLineOf(lambda);
        }

        public string Line { get; }

        public string Unit { get; }

        public string NewLine { get; }
    }
}
