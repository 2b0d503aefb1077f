using System;
using System.Linq;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>LEAK007 fix 1, the uses, continued: reads and stores whose value the weak table does not return in one call (<c>GetValueOrDefault</c>, a store whose value is used).</summary>
internal sealed partial class ConditionalWeakTableUses
{
    /// <summary>
    /// <c>map.GetValueOrDefault(key)</c> -> <c>(map.TryGetValue(key, out var found) ? found : default)</c>
    /// (or the default given): the weak table has no such method, and <c>GetValue</c> would add the entry.
    /// </summary>
    private bool PlanGetValueOrDefault(IInvocationOperation call, SemanticModel model, DocumentId document)
    {
        if (call.Syntax is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax, ArgumentList.Arguments: var arguments } syntax ||
            arguments.Any(argument => argument.NameColon is not null) ||
            IsIncomplete(syntax) ||
            ((CSharpParseOptions)syntax.SyntaxTree.Options).LanguageVersion < LanguageVersion.CSharp7_1)
        {
            return false;
        }

        var name = NewLocal(_valueName, syntax, model);
        _plan.Add(document, syntax, rewritten =>
        {
            var invocation = (InvocationExpressionSyntax)rewritten;
            var receiver = ((MemberAccessExpressionSyntax)invocation.Expression).Expression.WithoutTrivia();
            var key = invocation.ArgumentList.Arguments[0].WithoutTrivia();
            var fallback = invocation.ArgumentList.Arguments.Count > 1
                ? invocation.ArgumentList.Arguments[1].Expression.WithoutTrivia()
                : LiteralExpression(SyntaxKind.DefaultLiteralExpression);
            var tryGet = Call(receiver, "TryGetValue", SeparatedList(new[] { key, OutVar(name) }));
            return ParenthesizedExpression(ConditionalExpression(tryGet, IdentifierName(name), fallback))
                .WithTriviaFrom(invocation)
                .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
        });
        return HasMethod("TryGetValue", 2);
    }

    /// <summary>
    /// A store whose value is used, where the weak table's <c>AddOrUpdate</c> returns nothing: the store
    /// becomes a statement and the value (a local, parameter or constant: reading it again gives the
    /// same) is used after it. <c>_ = store;</c> -> <c>store;</c>; <c>return store;</c> -> <c>store; return value;</c>;
    /// <c>T M(...) => store;</c> -> <c>{ store; return value; }</c>.
    /// </summary>
    private bool PlanStoreWhoseValueIsUsed(IOperation store, ExpressionSyntax use, IOperation storedValue, Func<SyntaxNode, ExpressionSyntax> asStatement, DocumentId document)
    {
        if (storedValue.Syntax is not ExpressionSyntax value)
        {
            return false;
        }

        var marker = new SyntaxAnnotation();
        ExpressionSyntax Store(SyntaxNode rewritten) => asStatement(rewritten.GetAnnotatedNodes(marker).Single());

        switch (store.Parent)
        {
            case ISimpleAssignmentOperation { Target: IDiscardOperation, Parent: IExpressionStatementOperation { Syntax: ExpressionStatementSyntax discard } }:
                _plan.Add(document, use, rewritten => rewritten.WithAdditionalAnnotations(marker));
                _plan.Add(document, discard, rewritten => ExpressionStatement(Store(rewritten)).WithTriviaFrom(rewritten));
                return true;

            case IReturnOperation { Syntax: ReturnStatementSyntax { Parent: BlockSyntax block } returned } when IsSameOnEveryRead(storedValue):
                var returnMarker = new SyntaxAnnotation();
                _plan.Add(document, use, rewritten => rewritten.WithAdditionalAnnotations(marker));
                _plan.Add(document, returned, rewritten => rewritten.WithAdditionalAnnotations(returnMarker));
                _plan.Add(document, block, rewritten =>
                {
                    // Found by annotation: another field's fix may have moved the return into a try.
                    var current = (BlockSyntax)rewritten;
                    if (current.GetAnnotatedNodes(returnMarker).FirstOrDefault() is not StatementSyntax { Parent: BlockSyntax enclosing } returning)
                    {
                        return current;
                    }

                    var split = new StatementSyntax[]
                    {
                        ExpressionStatement(Store(returning)).WithLeadingTrivia(returning.GetLeadingTrivia()).WithTrailingTrivia(EndOfLine(Layout.NewLineOf(returning))),
                        ReturnStatement(value.WithoutTrivia()).WithLeadingTrivia(Layout.Indentation(returning)).WithTrailingTrivia(returning.GetTrailingTrivia()),
                    };
                    var splitBlock = enclosing.WithStatements(enclosing.Statements.ReplaceRange(returning, split));
                    return enclosing == current ? splitBlock : current.ReplaceNode(enclosing, splitBlock);
                });
                return true;

            case IReturnOperation { IsImplicit: true } when IsSameOnEveryRead(storedValue) &&
                use.Parent is ArrowExpressionClauseSyntax { Parent: BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax } arrow:
                _plan.Add(document, use, rewritten => rewritten.WithAdditionalAnnotations(marker));
                _plan.Add(document, arrow.Parent!, rewritten =>
                {
                    var body = Block(ExpressionStatement(Store(rewritten)), ReturnStatement(value.WithoutTrivia()));
                    SyntaxNode withBody = rewritten switch
                    {
                        BaseMethodDeclarationSyntax method => method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body),
                        LocalFunctionStatementSyntax function => function.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body),
                        _ => ((AccessorDeclarationSyntax)rewritten).WithExpressionBody(null).WithSemicolonToken(default).WithBody(body),
                    };
                    return withBody.WithTrailingTrivia(rewritten.GetTrailingTrivia()).WithAdditionalAnnotations(Formatter.Annotation);
                });
                return true;

            default:
                return false;
        }
    }

    /// <summary><c>map[key] = value</c> -> <c>map.AddOrUpdate(key, value)</c>.</summary>
    private ExpressionSyntax AddOrUpdateFor(AssignmentExpressionSyntax write)
    {
        var writtenAccess = (ElementAccessExpressionSyntax)write.Left;
        return Call(writtenAccess.Expression.WithoutTrivia(), "AddOrUpdate", writtenAccess.ArgumentList.Arguments.Add(Argument(Boxed(write.Right.WithoutTrivia()))));
    }

    private InvocationExpressionSyntax TwoArgumentAddOrUpdate(InvocationExpressionSyntax call) =>
        BoxSecondArgument(Rename(call, "AddOrUpdate", argumentList => argumentList.WithArguments(argumentList.Arguments.RemoveAt(2))));

    /// <summary>A value read again gives the same: a constant, a local or a parameter (not a property such as <c>DateTime.UtcNow</c>).</summary>
    private static bool IsSameOnEveryRead(IOperation value) => OperationNavigation.SkipConversions(value) switch
    {
        { ConstantValue.HasValue: true } => true,
        ILocalReferenceOperation { Local.IsRef: false } => true,
        IParameterReferenceOperation { Parameter.RefKind: RefKind.None } => true,
        _ => false,
    };

    /// <summary><c>s_users</c>, <c>_users</c>, <c>Users</c> -> <c>users</c>: the value found in the field.</summary>
    private static string ValueNameFor(string fieldName)
    {
        var trimmed = fieldName.StartsWith("s_", StringComparison.Ordinal) || fieldName.StartsWith("m_", StringComparison.Ordinal) ? fieldName.Substring(2) : fieldName.TrimStart('_');
        return trimmed.Length == 0 ? "found" : char.ToLowerInvariant(trimmed[0]) + trimmed.Substring(1) + "Value";
    }
}
