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

namespace LeakAnalyzers.CodeFixes.Rules;

/// <summary>
/// LEAK004: pass the token in scope to the fire-and-forget call (and, for <c>Task.Run</c>/<c>StartNew</c>,
/// to the token-accepting calls in its lambda); with no token in scope, add an optional
/// <c>CancellationToken cancellationToken = default</c> parameter to the enclosing method or local function.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PassCancellationTokenCodeFixProvider))]
[Shared]
public sealed class PassCancellationTokenCodeFixProvider : RewriteCodeFixProvider
{
    protected override string Title => "Pass a CancellationToken";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.FireAndForgetWithoutCancellation);

    protected override async Task<Document?> FixAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null || target is not InvocationExpressionSyntax ||
            model.GetOperation(target, cancellationToken) is not IInvocationOperation invocation)
        {
            return null;
        }

        // Re-judged on the current document: under Fix All an earlier fix may already have passed a token.
        var types = CancellationTypes.Create(model.Compilation);
        var verdict = CancellationFlow.JudgeCalls(ImmutableArray.Create(invocation), types);
        if (!types.IsUsable || !FireAndForgetAnalyzer.IsUnobservedTask(invocation, types) || !verdict.ShouldReport)
        {
            return null;
        }

        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        var imports = new List<string>();
        string tokenText;
        if (TokensInScope.Find(invocation, types) is { } inScope)
        {
            tokenText = inScope.Expression;
            if (!SyntaxFacts.IsValidIdentifier(tokenText) && verdict.Acceptors.Any(acceptor => RunsLater(acceptor.Syntax, target)))
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
            var parameter = NewParameter(tokenText, ((CSharpParseOptions)target.SyntaxTree.Options).LanguageVersion);
            editor.ReplaceNode(function, (current, _) => AddParameter(current, parameter));
            imports = CancellationRewriter.MissingImports(model, target.SpanStart, "System.Threading.CancellationToken");
        }

        if (!CancellationRewriter.PassToken(editor, verdict.Acceptors, ParseExpression(tokenText), types))
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

        foreach (var identifier in target.SyntaxTree.GetRoot(cancellationToken).DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText == method.Name &&
                !IsInvoked(identifier) &&
                SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol?.OriginalDefinition, method))
            {
                return null;
            }
        }

        return function;
    }

    private static bool IsInvoked(IdentifierNameSyntax identifier)
    {
        SyntaxNode expression = identifier;
        if (identifier.Parent is MemberAccessExpressionSyntax access && access.Name == identifier)
        {
            expression = access;
        }

        return expression.Parent is InvocationExpressionSyntax invocation && invocation.Expression == expression;
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

    private static ParameterSyntax NewParameter(string name, LanguageVersion languageVersion)
    {
        var defaultValue = languageVersion >= LanguageVersion.CSharp7_1 ? "default" : "default(CancellationToken)";
        return ParseParameterList($"(CancellationToken {name} = {defaultValue})").Parameters[0];
    }

    private static SyntaxNode AddParameter(SyntaxNode function, ParameterSyntax parameter)
    {
        var list = function switch
        {
            MethodDeclarationSyntax method => method.ParameterList,
            LocalFunctionStatementSyntax local => local.ParameterList,
            _ => null,
        };
        if (list is null)
        {
            return function;
        }

        var updated = list.WithParameters(list.Parameters.Count == 0
            ? SingletonSeparatedList(parameter)
            : SeparatedList(list.Parameters.Append(parameter), list.Parameters.GetSeparators().Append(Token(SyntaxKind.CommaToken).WithTrailingTrivia(Space))));
        return function switch
        {
            MethodDeclarationSyntax method => method.WithParameterList(updated),
            LocalFunctionStatementSyntax local => local.WithParameterList(updated),
            _ => function,
        };
    }
}
