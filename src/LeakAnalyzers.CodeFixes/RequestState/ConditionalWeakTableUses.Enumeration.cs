using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LeakAnalyzers.CodeFixes.Infrastructure;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace LeakAnalyzers.CodeFixes.RequestState;

/// <summary>LEAK007 fix 1, the uses, continued: <c>Count</c>, <c>Keys</c> and <c>Values</c> read by enumerating the weak table.</summary>
internal sealed partial class ConditionalWeakTableUses
{
    /// <summary>
    /// <c>map.Count</c> -> <c>map.Count()</c>; <c>map.Keys</c> / <c>map.Values</c> -> <c>map.Select(pair => pair.Key)</c> /
    /// <c>.Value</c> where a sequence is all the code asks for (a <c>foreach</c>, LINQ, an <c>IEnumerable&lt;T&gt;</c>
    /// parameter, a discard). The weak table counts and lists its entries by enumerating them: there is no
    /// cheaper form, and none that keeps a live view.
    /// </summary>
    private bool PlanEnumeratedProperty(IPropertyReferenceOperation property, SemanticModel model, DocumentId document, CancellationToken cancellationToken)
    {
        if (property.Syntax is not MemberAccessExpressionSyntax access || !EnumeratesPairs() ||
            property.Property.Name == "Values" && _box is not null ||
            property.Property.Name != "Count" && !ReadsOnlyAsSequence(property))
        {
            return false;
        }

        var name = property.Property.Name;
        // The lambda's parameter only has to differ from what is in scope: sibling lambdas may share it.
        var pair = new[] { "pair", "entry" }.Concat(Enumerable.Range(2, 8).Select(suffix => "pair" + suffix))
            .First(candidate => model.LookupSymbols(access.SpanStart, name: candidate).IsEmpty);
        _plan.Add(document, access, rewritten =>
        {
            var receiver = ((MemberAccessExpressionSyntax)rewritten).Expression;
            return (name == "Count"
                    ? Call(receiver, "Count", default)
                    : Call(receiver, "Select", SingletonSeparatedList(Argument(SimpleLambdaExpression(
                        Parameter(Identifier(pair)),
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(pair), IdentifierName(name == "Keys" ? "Key" : "Value")))))))
                .WithTriviaFrom(rewritten)
                .WithAdditionalAnnotations(Formatter.Annotation);
        });
        ImportLinq(model, access, document, cancellationToken);
        return true;
    }

    /// <summary>The property's value is only enumerated: the collection of a <c>foreach</c>, LINQ's source, an <c>IEnumerable&lt;T&gt;</c> argument, or discarded.</summary>
    private static bool ReadsOnlyAsSequence(IOperation value)
    {
        var user = OperationNavigation.SkipTransparentParents(value);
        return user.Parent switch
        {
            IForEachLoopOperation loop => loop.Collection == user || OperationNavigation.SkipConversions(loop.Collection) == value,
            IArgumentOperation { Parameter.Type: INamedTypeSymbol { TypeArguments.Length: 1 } parameterType } =>
                parameterType.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T,
            ISimpleAssignmentOperation { Target: IDiscardOperation } => true,
            _ => false,
        };
    }

    /// <summary>Adds <c>using System.Linq;</c> to the document when the extension methods are not imported at <paramref name="use"/>.</summary>
    private void ImportLinq(SemanticModel model, SyntaxNode use, DocumentId document, CancellationToken cancellationToken)
    {
        if (model.GetImportScopes(use.SpanStart, cancellationToken).Any(scope => scope.Imports.Any(import => import.NamespaceOrType.ToDisplayString() == "System.Linq")) ||
            use.SyntaxTree.GetRoot(cancellationToken) is not CompilationUnitSyntax root)
        {
            return;
        }

        _plan.Add(document, root, rewritten =>
        {
            var unit = (CompilationUnitSyntax)rewritten;
            if (unit.Usings.Any(directive => directive.Alias is null && directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.Name?.ToString() == "System.Linq"))
            {
                return unit;
            }

            // System namespaces first, then alphabetical: where a reviewer would put it.
            static (bool, string) Order(string name) => (!(name == "System" || name.StartsWith("System.", StringComparison.Ordinal)), name);
            var linq = UsingDirective(ParseName("System.Linq")).WithTrailingTrivia(EndOfLine(Layout.NewLineOf(unit)));
            var next = unit.Usings.FirstOrDefault(directive => directive.Alias is null && directive.StaticKeyword.IsKind(SyntaxKind.None) && directive.Name is not null &&
                Comparer<(bool, string)>.Default.Compare(Order(directive.Name.ToString()), Order("System.Linq")) > 0);
            return next is null
                ? unit.AddUsings(linq)
                : unit.WithUsings(unit.Usings.Insert(unit.Usings.IndexOf(next), linq));
        });
    }

    /// <summary>The weak table enumerates <c>KeyValuePair&lt;TKey, TValue&gt;</c> (not on .NET Framework).</summary>
    private bool EnumeratesPairs() => _weakTable.AllInterfaces.Any(candidate => candidate.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T);

    /// <summary>An extension method's receiver type the weak table converts to: <c>IEnumerable&lt;KeyValuePair&lt;TKey, TValue&gt;&gt;</c>.</summary>
    private static bool IsPairSequence(ITypeSymbol? type) =>
        type is INamedTypeSymbol { TypeArguments.Length: 1 } sequence &&
        sequence.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T &&
        sequence.TypeArguments[0] is INamedTypeSymbol { Name: "KeyValuePair", TypeArguments.Length: 2 };
}
