using System.Collections.Generic;
using System.Linq;
using System.Threading;
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
/// Threads a token into methods of the same document that have no token parameter: each gets
/// <c>CancellationToken cancellationToken = default</c> (callers elsewhere keep compiling), forwards
/// it to the token-accepting calls in its body and to the methods it calls the same way (up to
/// <see cref="BackgroundWork.MaxDepth"/> deep), and the given call sites pass the token.
/// </summary>
internal static class TokenThreading
{
    /// <returns>False when some method cannot be given the parameter here (another file, used as a method group); nothing is then registered that matters, the caller gives up.</returns>
    public static bool Thread(SyntaxEditor editor, IEnumerable<IInvocationOperation> calls, ExpressionSyntax token, CancellationTypes types, SemanticModel model, CancellationToken cancellationToken)
    {
        var tree = editor.OriginalRoot.SyntaxTree;
        var parameterNames = new Dictionary<IMethodSymbol, string>(SymbolEqualityComparer.Default);
        var pending = new Stack<(IInvocationOperation Call, ExpressionSyntax Token, int Depth)>();
        foreach (var call in calls)
        {
            pending.Push((call, token, 0));
        }

        var callSites = new List<(IInvocationOperation Call, ExpressionSyntax Token)>();
        while (pending.Count > 0)
        {
            var (call, callToken, depth) = pending.Pop();
            var method = call.TargetMethod.OriginalDefinition;
            callSites.Add((call, callToken));
            if (parameterNames.ContainsKey(method))
            {
                continue;
            }

            if (depth >= BackgroundWork.MaxDepth ||
                method.DeclaringSyntaxReferences.Length != 1 ||
                method.DeclaringSyntaxReferences[0].SyntaxTree != tree ||
                method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax) ||
                UsedAsMethodGroup(method, editor.OriginalRoot, model, cancellationToken))
            {
                return false;
            }

            var declaration = method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            var name = LocalNames.Unique("cancellationToken", declaration.ChildNodes().LastOrDefault() ?? declaration, model);
            parameterNames.Add(method, name);
            var languageVersion = ((CSharpParseOptions)tree.Options).LanguageVersion;
            editor.ReplaceNode(declaration, (current, _) => AddParameter(current, NewParameter(name, languageVersion)));

            var body = BackgroundWork.InMethod(method, types, depth + 1);
            var parameterToken = IdentifierName(name);
            foreach (var acceptor in body.Acceptors)
            {
                if (!InSameTree(acceptor, tree))
                {
                    return false;
                }
            }

            if (!CancellationRewriter.PassToken(editor, body.Acceptors.Select(a => Rebind(a, model, cancellationToken)).OfType<IInvocationOperation>(), parameterToken, types))
            {
                return false;
            }

            foreach (var inner in body.Threaded)
            {
                if (Rebind(inner, model, cancellationToken) is not { } rebound)
                {
                    return false;
                }

                pending.Push((rebound, parameterToken, depth + 1));
            }
        }

        foreach (var (call, callToken) in callSites)
        {
            if (call.Syntax is not InvocationExpressionSyntax node)
            {
                return false;
            }

            var positional = AllPositional(node) && node.ArgumentList.Arguments.Count == call.TargetMethod.Parameters.Length;
            var parameterName = parameterNames[call.TargetMethod.OriginalDefinition];
            editor.ReplaceNode(node, (current, _) => AddArgument((InvocationExpressionSyntax)current, positional ? Argument(callToken) : Argument(NameColon(IdentifierName(parameterName), Token(SyntaxKind.ColonToken).WithTrailingTrivia(Space)), default, callToken)));
        }

        return true;
    }

    /// <summary>The parameter the fix adds: <c>CancellationToken name = default</c> (<c>default(CancellationToken)</c> before C# 7.1).</summary>
    public static ParameterSyntax NewParameter(string name, LanguageVersion languageVersion)
    {
        var defaultValue = languageVersion >= LanguageVersion.CSharp7_1 ? "default" : "default(CancellationToken)";
        return ParseParameterList($"(CancellationToken {name} = {defaultValue})").Parameters[0];
    }

    public static SyntaxNode AddParameter(SyntaxNode function, ParameterSyntax parameter)
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

    /// <summary>Whether the method is named anywhere in the file other than as the callee of an invocation (a delegate's signature is fixed).</summary>
    public static bool UsedAsMethodGroup(IMethodSymbol method, SyntaxNode root, SemanticModel model, CancellationToken cancellationToken)
    {
        foreach (var identifier in root.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (identifier.Identifier.ValueText == method.Name &&
                !IsInvoked(identifier) &&
                SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol?.OriginalDefinition, method))
            {
                return true;
            }
        }

        return false;
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

    private static bool InSameTree(IOperation operation, SyntaxTree tree) => operation.Syntax.SyntaxTree == tree;

    /// <summary>The same call bound by the document's model (callee bodies are read through the compilation's own models).</summary>
    private static IInvocationOperation? Rebind(IInvocationOperation call, SemanticModel model, CancellationToken cancellationToken) =>
        call.Syntax.SyntaxTree == model.SyntaxTree ? model.GetOperation(call.Syntax, cancellationToken) as IInvocationOperation : null;

    private static bool AllPositional(InvocationExpressionSyntax invocation) =>
        invocation.ArgumentList.Arguments.All(argument => argument.NameColon is null);

    private static InvocationExpressionSyntax AddArgument(InvocationExpressionSyntax invocation, ArgumentSyntax argument)
    {
        var arguments = invocation.ArgumentList.Arguments;
        var separators = arguments.GetSeparators().ToList();
        if (arguments.Count > 0)
        {
            separators.Add(Token(SyntaxKind.CommaToken).WithTrailingTrivia(Space));
        }

        return invocation.WithArgumentList(invocation.ArgumentList.WithArguments(SeparatedList(arguments.Append(argument), separators)));
    }
}
