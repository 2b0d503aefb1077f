using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>LEAK007 fix 1, the uses, continued: values of a value type held in <c>StrongBox&lt;V&gt;</c>, boxed where stored and unboxed where read.</summary>
internal sealed partial class ConditionalWeakTableUses
{
    /// <summary>
    /// <c>foreach (var pair in map)</c> over boxed values: the loop reads <c>pair.Key</c> and
    /// <c>pair.Value</c> only, and each <c>pair.Value</c> becomes <c>pair.Value.Value</c>.
    /// </summary>
    private bool PlanBoxedLoop(CommonForEachStatementSyntax loop, SemanticModel model, DocumentId document, CancellationToken cancellationToken)
    {
        if (loop is not ForEachStatementSyntax { Type.IsVar: true } typed || model.GetDeclaredSymbol(typed, cancellationToken) is not { } pair)
        {
            return false;
        }

        var reads = new List<MemberAccessExpressionSyntax>();
        foreach (var identifier in loop.Statement.DescendantNodes().OfType<IdentifierNameSyntax>().Where(identifier => identifier.Identifier.ValueText == pair.Name))
        {
            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, pair))
            {
                continue;
            }

            if (identifier.Parent is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Key" or "Value" } member || member.Expression != identifier)
            {
                return false;
            }

            if (member.Name.Identifier.ValueText == "Value")
            {
                reads.Add(member);
            }
        }

        foreach (var read in reads)
        {
            _plan.Add(document, read, rewritten => Unboxed(((ExpressionSyntax)rewritten).WithoutTrivia()).WithTriviaFrom(rewritten));
        }

        return true;
    }

    /// <summary>
    /// <c>map.TryGetValue(key, out var count);</c> (a statement) with boxed values ->
    /// <c>var count = map.TryGetValue(key, out var countBox) ? countBox.Value : default;</c>: <c>count</c>
    /// keeps its type and its value, <c>default</c> when the key is missing.
    /// </summary>
    private bool PlanBoxedTryGetValue(IInvocationOperation tryGet, ExpressionStatementSyntax statement, SemanticModel model, DocumentId document)
    {
        if (tryGet.Syntax is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax, ArgumentList.Arguments: var arguments } ||
            arguments.Any(argument => argument.NameColon is not null) ||
            arguments[1].Expression is not (DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax } or IdentifierNameSyntax) ||
            ((CSharpParseOptions)statement.SyntaxTree.Options).LanguageVersion < LanguageVersion.CSharp7_1)
        {
            return false;
        }

        var variable = arguments[1].Expression is DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax single } ? single.Identifier.ValueText : ((IdentifierNameSyntax)arguments[1].Expression).Identifier.ValueText;
        var box = NewLocal(variable + "Box", statement, model);
        _plan.Add(document, statement, rewritten =>
        {
            var call = (InvocationExpressionSyntax)((ExpressionStatementSyntax)rewritten).Expression;
            var receiver = ((MemberAccessExpressionSyntax)call.Expression).Expression.WithoutTrivia();
            var key = call.ArgumentList.Arguments[0].WithoutTrivia();
            var read = ConditionalExpression(
                Call(receiver, "TryGetValue", SeparatedList(new[] { key, OutVar(box) })),
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(box), IdentifierName("Value")),
                LiteralExpression(SyntaxKind.DefaultLiteralExpression));
            StatementSyntax replacement = call.ArgumentList.Arguments[1].Expression is DeclarationExpressionSyntax declaration
                ? LocalDeclarationStatement(VariableDeclaration(declaration.Type.WithoutTrivia(), SingletonSeparatedList(VariableDeclarator(Identifier(variable)).WithInitializer(EqualsValueClause(read)))))
                : ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(variable), read));
            return replacement.WithTriviaFrom(rewritten).WithAdditionalAnnotations(Formatter.Annotation);
        });
        return HasMethod("TryGetValue", 2);
    }

    /// <summary>
    /// <c>if (map.TryGetValue(key, out var started)) { ... started ... }</c> with boxed values: the box
    /// is the out variable (<c>startedBox</c>), and each read of <c>started</c>, all inside the
    /// <c>if</c>, where the key was found, reads <c>startedBox.Value</c>.
    /// </summary>
    private bool PlanBoxedTryGetCondition(InvocationExpressionSyntax tryGet, IfStatementSyntax condition, SemanticModel model, DocumentId document, CancellationToken cancellationToken)
    {
        if (tryGet.ArgumentList.Arguments.Count != 2 ||
            tryGet.ArgumentList.Arguments[1] is not { Expression: DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax designation } declaration } outArgument ||
            tryGet.ArgumentList.Arguments.Any(argument => argument.NameColon is not null) ||
            model.GetDeclaredSymbol(designation, cancellationToken) is not ILocalSymbol found ||
            condition.Parent is null)
        {
            return false;
        }

        var reads = new List<IdentifierNameSyntax>();
        foreach (var identifier in condition.Parent.DescendantNodes().OfType<IdentifierNameSyntax>().Where(identifier => identifier.Identifier.ValueText == found.Name))
        {
            if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, found))
            {
                continue;
            }

            // Only reads where the key was found: a read after the if would see null instead of default.
            if (!condition.Statement.Span.Contains(identifier.Span) ||
                identifier.Parent is AssignmentExpressionSyntax assignment && assignment.Left == identifier ||
                identifier.Parent is PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax ||
                identifier.Parent is ArgumentSyntax { RefKindKeyword.RawKind: not (int)SyntaxKind.None } ||
                identifier.Parent is RefExpressionSyntax)
            {
                return false;
            }

            reads.Add(identifier);
        }

        var box = NewLocal(found.Name + "Box", condition, model);
        _plan.Add(document, outArgument, rewritten => ((ArgumentSyntax)rewritten).WithExpression(
            DeclarationExpression(IdentifierName(Identifier(declaration.Type.GetLeadingTrivia(), SyntaxKind.VarKeyword, "var", "var", declaration.Type.GetTrailingTrivia())), SingleVariableDesignation(Identifier(box)))));
        foreach (var read in reads)
        {
            _plan.Add(document, read, rewritten => MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(box), IdentifierName("Value")).WithTriviaFrom(rewritten));
        }

        return true;
    }

    /// <summary>A local name free at <paramref name="position"/> and not yet given by this plan in the same member.</summary>
    private string NewLocal(string preferred, SyntaxNode position, SemanticModel model)
    {
        var member = position.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault();
        var name = LocalNames.Unique(preferred, position, model);
        for (var suffix = 2; !_localsGiven.Add((member, name)); suffix++)
        {
            name = LocalNames.Unique(preferred + suffix, position, model);
        }

        return name;
    }

    private static ArgumentSyntax OutVar(string name) =>
        Argument(DeclarationExpression(IdentifierName(Identifier(TriviaList(), SyntaxKind.VarKeyword, "var", "var", TriviaList())), SingleVariableDesignation(Identifier(name))))
            .WithRefKindKeyword(Token(SyntaxKind.OutKeyword));

    /// <summary><c>value</c> -> <c>new StrongBox&lt;V&gt;(value)</c> when values are boxed.</summary>
    private ExpressionSyntax Boxed(ExpressionSyntax value) =>
        _box is null
            ? value
            : ObjectCreationExpression(_box.WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation))
                .WithArgumentList(ArgumentList(SingletonSeparatedList(Argument(value))));

    /// <summary><c>read</c> -> <c>read.Value</c> when values are boxed.</summary>
    private ExpressionSyntax Unboxed(ExpressionSyntax read) =>
        _box is null ? read : MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, read, IdentifierName("Value"));

    private InvocationExpressionSyntax BoxSecondArgument(InvocationExpressionSyntax call)
    {
        var arguments = call.ArgumentList.Arguments;
        return call.WithArgumentList(call.ArgumentList.WithArguments(arguments.Replace(arguments[1], arguments[1].WithExpression(Boxed(arguments[1].Expression)))));
    }
}
