using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Cancellation;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Disposal;

/// <summary>
/// LEAK002 shared-client fix: a <c>Timeout</c> computed per call cannot go onto the shared client; a
/// <c>CancellationTokenSource</c> with that timeout bounds the call instead (the shared client's own
/// timeout becomes infinite, see <see cref="HttpClientSettings.FieldSettings"/>).
/// </summary>
internal static class PerCallTimeout
{
    /// <summary>
    /// A per-call timeout: a client that makes one call has its declaration replaced by
    /// <c>using var cts = new CancellationTokenSource(timeout);</c> (linked to the token the call receives, or to
    /// one in scope), and the call gets <c>cts.Token</c>. The client's timeout bounded each call on its own, so a
    /// client that makes several calls gets one source per call, right before the statement that awaits it.
    /// </summary>
    public static bool Plan(ExpressionSyntax timeout, HttpClientSettings settings, LocalDeclarationStatementSyntax? declaration, SharedHttpClientEdits edits, SemanticModel model, CancellationToken cancellationToken)
    {
        if (declaration is null || edits.Requests.Count == 0 || !CancellationRewriter.UsingDeclarationsAllowed(declaration.SyntaxTree))
        {
            return false;
        }

        var sourceType = TypeNames.AsSeenAt(model, declaration.SpanStart, "System.Threading.CancellationTokenSource");
        // A task returned (or stored) without being awaited would outlive the source, whose disposal stops its timer:
        // a method that only returns it becomes async and awaits it.
        var madeAsync = edits.Requests.Count == 1 && !HttpCallShapes.IsAwaitedBeside(edits.Requests[0].Call, declaration)
            ? HttpCallShapes.FunctionToMakeAsync(edits.Requests[0].Call, declaration, model, cancellationToken)
            : null;
        if (edits.Requests.Count == 1 && (madeAsync is not null || HttpCallShapes.IsAwaitedBeside(edits.Requests[0].Call, declaration)))
        {
            var request = edits.Requests[0];
            request.AwaitReturnedTask = madeAsync is not null;
            edits.MakeAsync = madeAsync;
            var source = DeclareSource(request, declaration, sourceType, timeout, edits, model, cancellationToken);
            var newLine = Layout.NewLineOf(declaration);
            var indentation = Layout.Indentation(declaration);
            edits.TimeoutSource = (declaration, source.Select(text => (StatementSyntax)ParseStatement(text)
                .WithLeadingTrivia(indentation)
                .WithTrailingTrivia(EndOfLine(newLine))
                .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation, Simplifier.AddImportsAnnotation)).ToList());
            return true;
        }

        // Each call starts its own timer where it is awaited, so the timeout is read there: it must read the same.
        if (!settings.IsReadTwiceSafely(timeout) ||
            edits.Requests.Any(request => request.AwaitingStatement is null) ||
            edits.Requests.Select(request => request.AwaitingStatement).Distinct().Count() != edits.Requests.Count)
        {
            return false;
        }

        foreach (var request in edits.Requests)
        {
            request.TimeoutSource = DeclareSource(request, request.AwaitingStatement!, sourceType, timeout, edits, model, cancellationToken);
        }

        edits.Remove.Add(declaration);
        return true;
    }

    /// <summary><c>using var cts = new CancellationTokenSource(timeout);</c>, or linked to the call's token or one in scope; the call gets <c>cts.Token</c>.</summary>
    private static string[] DeclareSource(PerCallRequest request, StatementSyntax position, string sourceType, ExpressionSyntax timeout, SharedHttpClientEdits edits, SemanticModel model, CancellationToken cancellationToken)
    {
        var name = PerCallRequest.Unique("cts", position, edits.TakenNames, model);
        request.TimeoutToken = name + ".Token";
        var linked = request.PassedToken?.ToString() ?? TokenParameterInScope(position, model, cancellationToken);
        return linked is null
            ? new[] { $"using var {name} = new {sourceType}({timeout});" }
            : new[] { $"using var {name} = {sourceType}.CreateLinkedTokenSource({linked});", $"{name}.CancelAfter({timeout});" };
    }

    /// <summary>A <c>CancellationToken</c> parameter of the function that creates the client, or of one around it that it can capture.</summary>
    private static string? TokenParameterInScope(SyntaxNode position, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var ancestor in position.Ancestors())
        {
            var function = ancestor switch
            {
                AnonymousFunctionExpressionSyntax lambda => model.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol,
                LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax => model.GetDeclaredSymbol(ancestor, cancellationToken) as IMethodSymbol,
                _ => null,
            };
            if (function?.Parameters.FirstOrDefault(parameter => parameter.Type.ToDisplayString() == "System.Threading.CancellationToken") is { } token)
            {
                return token.Name;
            }

            if (function is { IsStatic: true } || ancestor is MemberDeclarationSyntax)
            {
                // A static function captures nothing from outside; a member is as far as parameters reach.
                return null;
            }
        }

        return null;
    }
}
