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

        var host = lambda.Symbol.IsStatic ? null : HostToken.Find(starter, types, model);
        var returnsValue = returnType is INamedTypeSymbol { IsGenericType: true } && returnsTask
            || (!returnsTask && !lambda.Symbol.ReturnsVoid);
        var layout = new BoundWorkSource.Indentation(syntax);
        editor.ReplaceNode(syntax, (current, _) => BoundWorkSource.DeclareIn((AnonymousFunctionExpressionSyntax)current, source, host, timeout, usingDeclarations, makeAsync, returnsValue, layout));
        return true;
    }

    /// <summary><c>_ = SendAsync(x)</c> becomes <c>_ = Task.Run(async () =&gt; { using var cts = ...; await SendAsync(x, cts.Token); })</c>.</summary>
    private static bool WrapCall(DocumentEditor editor, IInvocationOperation call, ExpressionSyntax timeout, bool usingDeclarations, CancellationTypes types, SemanticModel model)
    {
        if (call.Syntax is not InvocationExpressionSyntax syntax ||
            !types.IsTaskLike(call.Type) ||
            !DeferredCall.KeepsItsType(call, types) ||
            !DeferredCall.ReadsTheSameLater(call))
        {
            return false;
        }

        var source = LocalNames.UniqueInFunction("cts", syntax, model);
        if (!CancellationRewriter.PassToken(editor, new[] { call }, ParseExpression(source + ".Token"), types))
        {
            return false;
        }

        var host = HostToken.Find(call, types, model);
        var returnsValue = call.Type is INamedTypeSymbol { IsGenericType: true };
        var isValueTask = SymbolEqualityComparer.Default.Equals(call.Type?.OriginalDefinition, types.ValueTask) ||
                          SymbolEqualityComparer.Default.Equals(call.Type?.OriginalDefinition, types.ValueTaskOfT);
        if (isValueTask && returnsValue)
        {
            return false;
        }

        var layout = new BoundWorkSource.Indentation(syntax);
        editor.ReplaceNode(syntax, (current, _) =>
        {
            var lambda = ParenthesizedLambdaExpression()
                .WithAsyncKeyword(Token(SyntaxKind.AsyncKeyword))
                .WithExpressionBody(((ExpressionSyntax)current).WithoutTrivia());
            var bounded = BoundWorkSource.DeclareIn(lambda, source, host, timeout, usingDeclarations, makeAsync: true, returnsValue, layout);
            return InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("Task"), IdentifierName("Run")),
                    ArgumentList(SingletonSeparatedList(Argument(bounded))))
                .WithTriviaFrom(current);
        });
        return true;
    }
}
