using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>
/// LEAK007 fix 1, the creations: an empty dictionary created for the field (its initializer, or
/// <c>map = new();</c>) becomes an empty weak table. A capacity or concurrency level only sizes the
/// dictionary, and <c>ReferenceEqualityComparer.Instance</c> is how the weak table compares keys
/// anyway, so both are dropped; initial entries, other comparers and collections built elsewhere
/// have no weak counterpart.
/// </summary>
internal sealed class WeakTableCreation
{
    private readonly TypeSyntax _weakTableType;

    public WeakTableCreation(TypeSyntax weakTableType) => _weakTableType = weakTableType;

    /// <summary>Plans the rewrite of <paramref name="creation"/>; false when it is not an empty dictionary.</summary>
    public bool Plan(FieldRewritePlan plan, DocumentId document, ExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        switch (creation)
        {
            case ImplicitObjectCreationExpressionSyntax { Initializer: null } implicitCreation when OnlySizesOrComparesByReference(implicitCreation.ArgumentList, model, cancellationToken):
                if (implicitCreation.ArgumentList.Arguments.Count > 0)
                {
                    plan.Add(document, creation, rewritten => ImplicitObjectCreationExpression().WithTriviaFrom(rewritten));
                }

                return true;
            case ObjectCreationExpressionSyntax { Initializer: null } explicitCreation when OnlySizesOrComparesByReference(explicitCreation.ArgumentList, model, cancellationToken):
                plan.Add(document, creation, rewritten => ObjectCreationExpression(_weakTableType).WithArgumentList(ArgumentList()).WithTriviaFrom(rewritten));
                return true;
            case CollectionExpressionSyntax { Elements.Count: 0 }:
                plan.Add(document, creation, rewritten => ImplicitObjectCreationExpression().WithTriviaFrom(rewritten));
                return true;
            default:
                return false;
        }
    }

    private static bool OnlySizesOrComparesByReference(ArgumentListSyntax? arguments, SemanticModel model, CancellationToken cancellationToken) =>
        arguments is null || arguments.Arguments.All(argument => model.GetOperation(argument.Expression, cancellationToken) is { } value &&
            (value.Type?.SpecialType == SpecialType.System_Int32 ||
             value is IPropertyReferenceOperation { Property: { Name: "Instance", ContainingType: { Name: "ReferenceEqualityComparer", ContainingNamespace: { } ns } } } &&
             ns.ToDisplayString() == "System.Collections.Generic"));
}
