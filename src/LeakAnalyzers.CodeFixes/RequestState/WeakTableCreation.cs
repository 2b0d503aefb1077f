using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>
/// LEAK007 fix 1, the creations: an empty dictionary created for the field (its initializer, or
/// <c>map = new();</c>) becomes an empty weak table. A capacity or concurrency level only sizes the
/// dictionary, and <c>ReferenceEqualityComparer.Instance</c> is how the weak table compares keys
/// anyway, so both are dropped. Initial entries become the weak table's collection initializer;
/// other comparers and collections built elsewhere have no weak counterpart.
/// </summary>
internal sealed class WeakTableCreation
{
    private readonly TypeSyntax _weakTableType;

    /// <summary>The values are held in <c>StrongBox&lt;T&gt;</c>.</summary>
    private readonly bool _boxed;

    /// <summary>The weak table enumerates its entries (.NET Core 2.0 and later), as collection initializers require.</summary>
    private readonly bool _enumerable;

    public WeakTableCreation(TypeSyntax weakTableType, bool boxed, bool enumerable)
    {
        _weakTableType = weakTableType;
        _boxed = boxed;
        _enumerable = enumerable;
    }

    /// <summary>Plans the rewrite of <paramref name="creation"/>; false when it is not an empty dictionary.</summary>
    public bool Plan(FieldRewritePlan plan, DocumentId document, ExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (creation)
        {
            case ImplicitObjectCreationExpressionSyntax implicitCreation when OnlySizesOrComparesByReference(implicitCreation.ArgumentList, model, cancellationToken) && CanAddEntries(implicitCreation.Initializer):
                if (implicitCreation.ArgumentList.Arguments.Count > 0 || implicitCreation.Initializer is not null)
                {
                    plan.Add(document, creation, rewritten => ImplicitObjectCreationExpression()
                        .WithInitializer(AddedEntries(((ImplicitObjectCreationExpressionSyntax)rewritten).Initializer))
                        .WithTriviaFrom(rewritten));
                }

                return true;
            case ObjectCreationExpressionSyntax explicitCreation when OnlySizesOrComparesByReference(explicitCreation.ArgumentList, model, cancellationToken) && CanAddEntries(explicitCreation.Initializer):
                plan.Add(document, creation, rewritten => ObjectCreationExpression(_weakTableType)
                    .WithArgumentList(ArgumentList())
                    .WithInitializer(AddedEntries(((ObjectCreationExpressionSyntax)rewritten).Initializer))
                    .WithTriviaFrom(rewritten));
                return true;
            case CollectionExpressionSyntax { Elements.Count: 0 }:
                plan.Add(document, creation, rewritten => ImplicitObjectCreationExpression().WithTriviaFrom(rewritten));
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Initial entries the weak table's <c>Add</c> takes in a collection initializer (it enumerates its
    /// entries, which a collection initializer requires): <c>{ key, value }</c> as written, and one
    /// <c>[key] = value</c> (with several, a repeated key would overwrite where <c>Add</c> throws).
    /// </summary>
    private bool CanAddEntries(InitializerExpressionSyntax? initializer) =>
        initializer is null ||
        _boxed is false && _enumerable && initializer.Expressions.Count > 0 &&
        (initializer.IsKind(SyntaxKind.CollectionInitializerExpression) && initializer.Expressions.All(entry => entry is InitializerExpressionSyntax { Expressions.Count: 2 }) ||
         initializer.IsKind(SyntaxKind.ObjectInitializerExpression) && initializer.Expressions.Count == 1 &&
         initializer.Expressions[0] is AssignmentExpressionSyntax { Left: ImplicitElementAccessSyntax { ArgumentList.Arguments.Count: 1 } });

    /// <summary><c>{ [key] = value }</c> -> <c>{ { key, value } }</c>; a collection initializer as written.</summary>
    private static InitializerExpressionSyntax? AddedEntries(InitializerExpressionSyntax? initializer)
    {
        if (initializer is null || initializer.IsKind(SyntaxKind.CollectionInitializerExpression))
        {
            return initializer;
        }

        var entries = initializer.Expressions.Select(entry =>
        {
            var assignment = (AssignmentExpressionSyntax)entry;
            var key = ((ImplicitElementAccessSyntax)assignment.Left).ArgumentList.Arguments[0].Expression.WithoutTrivia();
            return (ExpressionSyntax)InitializerExpression(SyntaxKind.ComplexElementInitializerExpression, SeparatedList(new[] { key, assignment.Right.WithoutTrivia() }))
                .WithTriviaFrom(entry);
        });
        return InitializerExpression(SyntaxKind.CollectionInitializerExpression, SeparatedList(entries, initializer.Expressions.GetSeparators()))
            .WithOpenBraceToken(initializer.OpenBraceToken)
            .WithCloseBraceToken(initializer.CloseBraceToken)
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    private static bool OnlySizesOrComparesByReference(ArgumentListSyntax? arguments, SemanticModel model, CancellationToken cancellationToken) =>
        arguments is null || arguments.Arguments.All(argument => model.GetOperation(argument.Expression, cancellationToken) is { } value &&
            (value.Type?.SpecialType == SpecialType.System_Int32 ||
             value is IPropertyReferenceOperation { Property: { Name: "Instance", ContainingType: { Name: "ReferenceEqualityComparer", ContainingNamespace: { } ns } } } &&
             ns.ToDisplayString() == "System.Collections.Generic"));
}
