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
/// becomes <c>async</c> when it returned a task (so the source lives until the work ends), below the
/// <c>Task.Delay</c>s the work starts with (a delay gets the host token, never the timeout);</item>
/// <item>a direct call (<c>_ = SendAsync(x)</c>): it is moved into <c>Task.Run(async () =&gt; { ... })</c>,
/// with the receiver and arguments that would read other values later read into locals first; a
/// disposable result is disposed there. A call that cannot move (an ordered write, a delay, a task
/// that would change type) keeps its place and gets the host token.</item>
/// </list>
/// A request's token is never used: a request that ends normally never cancels it.
/// The steps live beside it: <see cref="HostToken"/> finds the token to link to,
/// <see cref="DeferredCall"/> decides whether a direct call can run later, <see cref="BoundWorkSource"/>
/// declares the source inside the work, and <see cref="TokenThreading"/> threads the token through
/// same-file methods.
/// </summary>
internal static class BoundWorkRewriter
{
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
        var delays = work.Acceptors.Where(call => IsDelay(call, types)).ToList();
        var acceptors = work.Acceptors.Where(call => !IsDelay(call, types)).ToList();
        var host = lambda.Symbol.IsStatic ? null : HostToken.Find(starter, types, model);
        if (acceptors.Count == 0 && work.Threaded.IsEmpty)
        {
            // The work only waits: the host's token may end the wait, a timeout must not.
            return host is not null && CancellationRewriter.PassToken(editor, delays, ParseExpression(host), types);
        }

        var keepBefore = LeadingDelays(syntax, delays);
        if (keepBefore < 0 || work.Threaded.Any(call => DelaysInside(call, types, BackgroundWork.MaxDepth)))
        {
            // A wait between pieces of work: a timeout started before it would run out while it waits.
            return false;
        }

        var source = LocalNames.UniqueInFunction("cts", syntax, model);
        var token = ParseExpression(source + ".Token");
        if (!CancellationRewriter.PassToken(editor, acceptors, token, types) ||
            !TokenThreading.Thread(editor, work.Threaded, token, types, model, cancellationToken) ||
            (host is not null && !CancellationRewriter.PassToken(editor, delays, ParseExpression(host), types)))
        {
            return false;
        }

        var returnsValue = returnType is INamedTypeSymbol { IsGenericType: true } && returnsTask
            || (!returnsTask && !lambda.Symbol.ReturnsVoid);
        var result = returnType is INamedTypeSymbol { IsGenericType: true } task && returnsTask ? task.TypeArguments[0] : returnType;
        var disposeResultAs = returnsValue && syntax.ExpressionBody is not null && IsDisposable(result, model.Compilation) && DeferredCall.KeepsItsType(starter, types)
            ? LocalNames.UniqueInFunction(LocalNames.For(result), syntax, model)
            : null;
        var layout = new BoundWorkSource.Indentation(syntax);
        var body = new BoundWorkSource.Body(keepBefore, disposeResultAs);
        editor.ReplaceNode(syntax, (current, _) => BoundWorkSource.DeclareIn((AnonymousFunctionExpressionSyntax)current, source, host, timeout, usingDeclarations, makeAsync, returnsValue && disposeResultAs is null, body, layout));
        return true;
    }

    /// <summary><c>Task.Delay</c>: a wait the work means to make, which a timeout must not cut short.</summary>
    private static bool IsDelay(IInvocationOperation call, CancellationTypes types) =>
        call.TargetMethod.IsStatic && types.IsTaskMethod(call.TargetMethod, "Delay");

    /// <summary>
    /// How many statements at the top of the lambda's block are <c>await Task.Delay(...)</c>: the source is
    /// declared after them, so its timeout starts when the work does. -1 when a delay sits anywhere else.
    /// </summary>
    private static int LeadingDelays(AnonymousFunctionExpressionSyntax lambda, IReadOnlyCollection<IInvocationOperation> delays)
    {
        if (delays.Count == 0)
        {
            return 0;
        }

        if (lambda.Block is null)
        {
            return -1;
        }

        var syntaxes = new HashSet<SyntaxNode>(delays.Select(delay => delay.Syntax));
        var leading = 0;
        foreach (var statement in lambda.Block.Statements)
        {
            if (statement is not ExpressionStatementSyntax { Expression: AwaitExpressionSyntax awaited } || !syntaxes.Remove(Awaited(awaited.Expression)))
            {
                break;
            }

            leading++;
        }

        return syntaxes.Count == 0 ? leading : -1;
    }

    /// <summary>The invocation under <c>.ConfigureAwait(...)</c>.</summary>
    private static SyntaxNode Awaited(ExpressionSyntax expression) =>
        expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Expression: var inner } } ? inner : expression;

    /// <summary>Whether a same-file method the token would be threaded into waits on <c>Task.Delay</c>.</summary>
    private static bool DelaysInside(IInvocationOperation threaded, CancellationTypes types, int depth)
    {
        if (depth <= 0)
        {
            return false;
        }

        var calls = BackgroundWork.InMethod(threaded.TargetMethod, types, depth);
        return calls.Acceptors.Any(call => IsDelay(call, types)) || calls.Threaded.Any(call => DelaysInside(call, types, depth - 1));
    }

    private static bool IsDisposable(ITypeSymbol? type, Compilation compilation) =>
        type is not null && compilation.GetSpecialType(SpecialType.System_IDisposable) is { } disposable &&
        (SymbolEqualityComparer.Default.Equals(type, disposable) || type.AllInterfaces.Contains(disposable, SymbolEqualityComparer.Default));

    /// <summary>
    /// <c>_ = SendAsync(x)</c> becomes <c>_ = Task.Run(async () =&gt; { using var cts = ...; await SendAsync(x, cts.Token); })</c>,
    /// with the receiver and arguments that would read other values later read into locals before it.
    /// A write whose order matters (a channel, a stream, a socket) keeps its place and gets the host's token.
    /// </summary>
    private static bool WrapCall(DocumentEditor editor, IInvocationOperation call, ExpressionSyntax timeout, bool usingDeclarations, CancellationTypes types, SemanticModel model)
    {
        if (call.Syntax is not InvocationExpressionSyntax syntax || !types.IsTaskLike(call.Type))
        {
            return false;
        }

        var host = HostToken.Find(call, types, model);
        if (IsDelay(call, types) || OrderedWriter.Receives(call, model.Compilation))
        {
            // A delay is a wait a timeout must not cut short; one Task.Run per write would let writes
            // overtake each other. Both keep their place and stop with the host.
            return host is not null && CancellationRewriter.PassToken(editor, new[] { call }, ParseExpression(host), types);
        }

        var returnsValue = call.Type is INamedTypeSymbol { IsGenericType: true };
        var isValueTask = SymbolEqualityComparer.Default.Equals(call.Type?.OriginalDefinition, types.ValueTask) ||
                          SymbolEqualityComparer.Default.Equals(call.Type?.OriginalDefinition, types.ValueTaskOfT);
        var anchor = syntax.FirstAncestorOrSelf<StatementSyntax>();
        if (!DeferredCall.KeepsItsType(call, types) || (isValueTask && returnsValue) ||
            DeferredCall.PiecesToReadFirst(call) is not { } readFirst ||
            (readFirst.Count > 0 && anchor?.Parent is not (BlockSyntax or SwitchSectionSyntax)))
        {
            // The call cannot move into Task.Run (its task would change type, a request object or a value
            // read in an expression body would be read later): it stays where it is and stops with the host.
            return host is not null && CancellationRewriter.PassToken(editor, new[] { call }, ParseExpression(host), types);
        }

        var declarations = new List<StatementSyntax>();
        var names = new HashSet<string>();
        foreach (var piece in readFirst)
        {
            var name = UniqueName(PreferredName(piece, call), anchor!, model, names);
            declarations.Add(ReadInto(name, piece, model));
            editor.ReplaceNode(piece.Syntax, IdentifierName(name).WithTriviaFrom(piece.Syntax));
        }

        var source = LocalNames.UniqueInFunction("cts", syntax, model);
        if (!CancellationRewriter.PassToken(editor, new[] { call }, ParseExpression(source + ".Token"), types))
        {
            return false;
        }

        if (declarations.Count > 0)
        {
            // The reads are part of the call: its comments and blank lines go above them.
            var lines = declarations.Select(declaration => CancellationRewriter.OnLineOf(declaration, anchor!)).ToArray();
            lines[0] = lines[0].WithLeadingTrivia(anchor!.GetLeadingTrivia());
            var indentation = Layout.Indentation(anchor);
            editor.ReplaceNode(anchor, (current, _) => current.WithLeadingTrivia(indentation));
            editor.InsertBefore(anchor, lines);
        }

        var result = returnsValue ? ((INamedTypeSymbol)call.Type!).TypeArguments[0] : null;
        var disposeResultAs = IsDisposable(result, model.Compilation)
            ? LocalNames.UniqueInFunction(LocalNames.For(result), syntax, model)
            : null;
        var layout = new BoundWorkSource.Indentation(syntax);
        var body = new BoundWorkSource.Body(0, disposeResultAs);
        editor.ReplaceNode(syntax, (current, _) =>
        {
            var lambda = ParenthesizedLambdaExpression()
                .WithAsyncKeyword(Token(SyntaxKind.AsyncKeyword))
                .WithExpressionBody(((ExpressionSyntax)current).WithoutTrivia());
            var bounded = BoundWorkSource.DeclareIn(lambda, source, host, timeout, usingDeclarations, makeAsync: true, returnsValue && disposeResultAs is null, body, layout);
            return InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("Task"), IdentifierName("Run")),
                    ArgumentList(SingletonSeparatedList(Argument(bounded))))
                .WithTriviaFrom(current);
        });
        return true;
    }

    /// <summary>
    /// An argument is named after its parameter (unless that is a placeholder such as <c>arg1</c>), a receiver
    /// or a placeholder argument after its member (<c>_queue.Writer</c>: <c>writer</c>) or its type.
    /// </summary>
    private static string PreferredName(IOperation piece, IInvocationOperation call)
    {
        var isReceiver = piece.Parent is not IArgumentOperation ||
                         (call.TargetMethod.IsExtensionMethod && call.Instance is null && piece.Parent is IArgumentOperation { Parameter.Ordinal: 0 } &&
                          call.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax });
        if (!isReceiver && piece.Parent is IArgumentOperation { Parameter: { } parameter } && !IsPlaceholder(parameter.Name))
        {
            return parameter.Name;
        }

        var value = piece;
        while (value is IConversionOperation { IsImplicit: true } conversion)
        {
            value = conversion.Operand;
        }

        var member = value switch
        {
            IPropertyReferenceOperation property => property.Property.Name,
            IFieldReferenceOperation field => field.Field.Name,
            _ => null,
        };
        member = member?.TrimStart('_');
        return string.IsNullOrEmpty(member) ? LocalNames.For(value.Type) : char.ToLowerInvariant(member![0]) + member.Substring(1);
    }

    /// <summary><c>arg</c>, <c>arg1</c>, <c>obj</c>: names that say nothing of the value.</summary>
    private static bool IsPlaceholder(string name) =>
        name.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') is "arg" or "obj" or "o";

    private static string UniqueName(string preferred, StatementSyntax anchor, SemanticModel model, HashSet<string> taken)
    {
        var name = LocalNames.Unique(preferred, anchor, model);
        for (var suffix = 2; !taken.Add(name); suffix++)
        {
            name = LocalNames.Unique(preferred + suffix, anchor, model);
        }

        return name;
    }

    /// <summary><c>var name = piece;</c>, or the type spelled out when the piece has none of its own (<c>new(...)</c>, <c>[...]</c>).</summary>
    private static StatementSyntax ReadInto(string name, IOperation piece, SemanticModel model)
    {
        var natural = model.GetTypeInfo(piece.Syntax).Type;
        var type = natural is null or IErrorTypeSymbol || piece.Syntax is ImplicitObjectCreationExpressionSyntax or CollectionExpressionSyntax
            ? piece.Type!.ToMinimalDisplayString(model, piece.Syntax.SpanStart)
            : "var";
        return ParseStatement($"{type} {name} = {piece.Syntax.WithoutTrivia().ToFullString()};");
    }
}
