using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>LEAK002 per-call settings: the shapes of a call on the client that decide how it can carry them.</summary>
internal static class HttpCallShapes
{
    /// <summary><c>SendAsync(request, ...)</c> or <c>Send(request, ...)</c> with a local or parameter: its URI can be resolved before the call.</summary>
    public static bool SendsRequestLocal(IInvocationOperation operation) =>
        operation.TargetMethod.Name is "SendAsync" or "Send" &&
        operation.Arguments.FirstOrDefault(argument => argument.Parameter?.Ordinal == 0) is { Value: ILocalReferenceOperation or IParameterReferenceOperation } request &&
        request.Parameter!.Type.ToDisplayString() == "System.Net.Http.HttpRequestMessage";

    /// <summary>
    /// <c>return await call;</c>, <c>var x = await call;</c>, <c>x = await call;</c> or <c>await call;</c>, also with
    /// <c>call.ConfigureAwait(...)</c>, whose argument the new awaits repeat.
    /// </summary>
    public static StatementSyntax? StatementAwaiting(InvocationExpressionSyntax call, out ArgumentListSyntax? configureAwait)
    {
        configureAwait = null;
        ExpressionSyntax awaitedExpression = call;
        if (call.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configured } access && access.Expression == call)
        {
            configureAwait = configured.ArgumentList;
            awaitedExpression = configured;
        }

        return awaitedExpression.Parent is AwaitExpressionSyntax awaited
            ? awaited.Parent switch
            {
                ReturnStatementSyntax statement => statement,
                ExpressionStatementSyntax statement => statement,
                EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } } } => statement,
                AssignmentExpressionSyntax { Parent: ExpressionStatementSyntax statement } assignment when assignment.Right == awaited => statement,
                _ => null,
            }
            : null;
    }

    /// <summary>
    /// The call is awaited (also through <c>ConfigureAwait</c>) in the function that declares
    /// <paramref name="declaration"/>: a <c>using</c> source declared there lives until the call ends.
    /// </summary>
    public static bool IsAwaitedBeside(InvocationExpressionSyntax call, StatementSyntax declaration)
    {
        ExpressionSyntax awaitedExpression = call;
        if (call.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait", Parent: InvocationExpressionSyntax configured } access && access.Expression == call)
        {
            awaitedExpression = configured;
        }

        return awaitedExpression.Parent is AwaitExpressionSyntax && EnclosingFunction(call) == EnclosingFunction(declaration);
    }

    /// <summary>
    /// <c>return call;</c> as the only return of a method or local function that is not <c>async</c> and returns
    /// the call's <c>Task&lt;T&gt;</c>/<c>ValueTask&lt;T&gt;</c>: made <c>async</c>, it can await the call
    /// (<c>return await call;</c>) beside what it declares. Null otherwise.
    /// </summary>
    public static SyntaxNode? FunctionToMakeAsync(InvocationExpressionSyntax call, StatementSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var function = EnclosingFunction(call);
        var (modifiers, body) = function switch
        {
            MethodDeclarationSyntax method => (method.Modifiers, method.Body),
            LocalFunctionStatementSyntax local => (local.Modifiers, local.Body),
            _ => (default, null),
        };
        if (call.Parent is not ReturnStatementSyntax || body is null || modifiers.Any(SyntaxKind.AsyncKeyword) || function != EnclosingFunction(declaration) ||
            body.DescendantNodes(node => node is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)).Count(node => node is ReturnStatementSyntax or YieldStatementSyntax) != 1 ||
            model.GetDeclaredSymbol(function!, cancellationToken) is not IMethodSymbol symbol ||
            symbol.Parameters.Any(parameter => parameter.RefKind != RefKind.None) ||
            !SymbolEqualityComparer.Default.Equals(symbol.ReturnType, model.GetTypeInfo(call, cancellationToken).Type) ||
            symbol.ReturnType.OriginalDefinition.ToDisplayString() is not ("System.Threading.Tasks.Task<TResult>" or "System.Threading.Tasks.ValueTask<TResult>"))
        {
            return null;
        }

        return function;
    }

    private static SyntaxNode? EnclosingFunction(SyntaxNode node) =>
        node.Ancestors().FirstOrDefault(ancestor => ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax);

    /// <summary>The call's first parameter is the request URI (string or Uri).</summary>
    public static bool TakesRequestUriFirst(IMethodSymbol method) =>
        (method.IsExtensionMethod ? (method.ReducedFrom ?? method).Parameters.Skip(1) : method.Parameters).FirstOrDefault() is { } first &&
        first.Name.IndexOf("uri", StringComparison.OrdinalIgnoreCase) >= 0 &&
        first.Type.ToDisplayString() is "string" or "string?" or "System.Uri" or "System.Uri?";

    /// <summary><c>default</c>, <c>default(CancellationToken)</c>, <c>CancellationToken.None</c>: nothing to link.</summary>
    public static bool IsNoToken(ExpressionSyntax token, SemanticModel model, CancellationToken cancellationToken) =>
        token is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression } or DefaultExpressionSyntax ||
        (model.GetSymbolInfo(token, cancellationToken).Symbol is IPropertySymbol { Name: "None" } none && none.ContainingType.ToDisplayString() == "System.Threading.CancellationToken");
}
