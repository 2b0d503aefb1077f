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
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK004's second fix, "pass the token in scope", for work that should stop with its caller:
/// the token in scope goes to the fire-and-forget call (and, for <c>Task.Run</c>/<c>StartNew</c>,
/// to the starter and the token-accepting calls in its lambda, threaded into same-file methods that
/// lack a token parameter); with no token in scope, the enclosing method or local function gets an
/// optional <c>CancellationToken cancellationToken = default</c> parameter.
/// </summary>
internal static class PassTokenInScopeRewriter
{
    public static async Task<Document?> RewriteAsync(Document document, SemanticModel model, IInvocationOperation origin, TokenVerdict verdict, CancellationTypes types, CancellationToken cancellationToken)
    {
        var target = origin.Syntax;
        if (verdict.Acceptors.Concat(verdict.Threaded).Any(acceptor => CancellationRewriter.InStaticFunction(acceptor.Syntax, target)))
        {
            // A static lambda cannot see the token in scope; "bound the work" gives it its own.
            return null;
        }

        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var imports = new List<string>();
        string tokenText;
        if (TokensInScope.Find(origin, types) is { } inScope)
        {
            tokenText = inScope.Expression;
            if (!SyntaxFacts.IsValidIdentifier(tokenText) && verdict.Acceptors.Concat(verdict.Threaded).Any(acceptor => RunsLater(acceptor.Syntax, target)))
            {
                // Work that runs later must not read context.RequestAborted (or a field) when it
                // runs: the request's HttpContext is reused once the request ends. Read it now.
                if (target.FirstAncestorOrSelf<StatementSyntax>() is not { Parent: BlockSyntax } statement)
                {
                    return null;
                }

                var local = LocalNames.Unique("cancellationToken", statement, model);
                CancellationRewriter.InsertBefore(editor, statement, (StatementSyntax)ParseStatement($"var {local} = {tokenText};").WithAdditionalAnnotations(Formatter.Annotation));
                tokenText = local;
            }
        }
        else
        {
            var function = FunctionToExtend(target, model, cancellationToken);
            if (function is null)
            {
                return null;
            }

            tokenText = LocalNames.Unique("cancellationToken", target, model);
            var parameter = TokenThreading.NewParameter(tokenText, ((CSharpParseOptions)target.SyntaxTree.Options).LanguageVersion);
            editor.ReplaceNode(function, (current, _) => TokenThreading.AddParameter(current, parameter));
            imports = CancellationRewriter.MissingImports(model, target.SpanStart, "System.Threading.CancellationToken");
        }

        if (!CancellationRewriter.PassToken(editor, verdict.Acceptors, ParseExpression(tokenText), types) ||
            !TokenThreading.Thread(editor, verdict.Threaded, ParseExpression(tokenText), types, model, cancellationToken))
        {
            return null;
        }

        var changed = editor.GetChangedDocument();
        if (imports.Count == 0)
        {
            return changed;
        }

        var changedRoot = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return changedRoot is null ? null : changed.WithSyntaxRoot(CancellationRewriter.AddImports(changedRoot, imports));
    }

    /// <summary>A call inside a lambda or local function of the fire-and-forget call: it runs after the caller moved on.</summary>
    private static bool RunsLater(SyntaxNode acceptor, SyntaxNode fireAndForget) =>
        acceptor.Ancestors().TakeWhile(ancestor => ancestor != fireAndForget).Any(ancestor => ancestor is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax);

    /// <summary>
    /// The method or local function around the call, when an optional parameter can be added without
    /// breaking anything: not a lambda, override, interface implementation or virtual member, no
    /// <c>params</c> at the end, and not used as a method group in this file (a delegate's signature is fixed).
    /// </summary>
    private static SyntaxNode? FunctionToExtend(SyntaxNode target, SemanticModel model, CancellationToken cancellationToken)
    {
        var function = target.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or MemberDeclarationSyntax);
        if (function is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax) ||
            model.GetDeclaredSymbol(function, cancellationToken) is not IMethodSymbol method ||
            method.IsOverride || method.IsVirtual || method.IsAbstract || method.IsExtern || method.PartialDefinitionPart is not null || method.PartialImplementationPart is not null ||
            !method.ExplicitInterfaceImplementations.IsEmpty || ImplementsInterface(method) ||
            method.Parameters.LastOrDefault() is { IsParams: true } ||
            SymbolEqualityComparer.Default.Equals(method, model.Compilation.GetEntryPoint(cancellationToken)))
        {
            return null;
        }

        return TokenThreading.UsedAsMethodGroup(method, target.SyntaxTree.GetRoot(cancellationToken), model, cancellationToken) ? null : function;
    }

    private static bool ImplementsInterface(IMethodSymbol method)
    {
        var type = method.ContainingType;
        if (type is null || method.MethodKind == MethodKind.LocalFunction)
        {
            return false;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(method.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
