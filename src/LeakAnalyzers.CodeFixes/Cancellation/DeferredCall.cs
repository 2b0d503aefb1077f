using System.Collections.Generic;
using System.Linq;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK004 "bound the work", step 2 for a direct call (<c>_ = SendAsync(x)</c>): whether it can move into
/// <c>Task.Run(async () =&gt; ...)</c>, where it runs later and its task changes type, and which of its
/// receiver and arguments must be read into locals first so that they are still read on the caller's thread.
/// </summary>
internal static class DeferredCall
{
    private const int MaxOperations = 256;
    private const int MaxDepth = 32;

    /// <summary>
    /// The wrapped call's task is <c>Task</c>/<c>Task&lt;T&gt;</c> after the rewrite: fine where it is
    /// discarded, a statement, a <c>var</c> local or handed to a <c>*Forget</c> helper on <c>Task</c>.
    /// </summary>
    public static bool KeepsItsType(IOperation call, CancellationTypes types)
    {
        var parent = Ownership.OperationNavigation.SkipTransparentParents(call).Parent;
        return parent switch
        {
            IExpressionStatementOperation => true,
            ISimpleAssignmentOperation { Target: IDiscardOperation } => true,
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Syntax: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type.IsVar: true } } } } => true,
            IArgumentOperation { Parameter: { } parameter, Parent: IInvocationOperation forget } =>
                UnobservedTasks.IsForget(forget.TargetMethod, types) &&
                SymbolEqualityComparer.Default.Equals(parameter.Type.OriginalDefinition, types.Task),
            _ => false,
        };
    }

    /// <summary>
    /// The receiver and arguments to evaluate into locals before the <c>Task.Run</c>, in evaluation order,
    /// or null when the call cannot move. What stays in place reads the same value later: constants,
    /// <c>this</c>, read-only fields of those, locals and parameters never written after their declaration,
    /// and built-in operators (<c>+</c>, <c>?:</c>, <c>??</c>, interpolation) over those.
    /// Anything else (a property such as <c>User</c>, a creation, a call, an element) would be read on the
    /// thread pool, possibly after the request ended, so it is read first. The call cannot move when it
    /// hands over an ASP.NET Core request object itself (reused once its request ends), a <c>ref</c>
    /// argument, a ref struct or a lambda.
    /// </summary>
    public static IReadOnlyList<IOperation>? PiecesToReadFirst(IInvocationOperation call)
    {
        if (call.Descendants().Take(MaxOperations + 1).Count() > MaxOperations)
        {
            return null;
        }

        var pieces = new List<IOperation>();
        if (call.Instance is { IsImplicit: false } instance)
        {
            pieces.Add(instance);
        }

        foreach (var argument in call.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue)
            {
                continue;
            }

            if (argument.Parameter?.RefKind is not (null or RefKind.None))
            {
                return null;
            }

            if (argument.ArgumentKind == ArgumentKind.ParamArray && argument.Value.IsImplicit)
            {
                // Expanded params: each element is a piece of its own (the array is created in the work).
                pieces.AddRange(argument.Value is IArrayCreationOperation { Initializer: { } elements } ? elements.ElementValues : Enumerable.Empty<IOperation>());
                continue;
            }

            pieces.Add(argument.Value);
        }

        var written = WrittenSymbols(call);
        var readFirst = new List<IOperation>();
        foreach (var piece in pieces.OrderBy(piece => piece.Syntax.SpanStart))
        {
            var value = Unconverted(piece);
            if (value is IAnonymousFunctionOperation or IDelegateCreationOperation ||
                piece.Type is { IsRefLikeType: true } ||
                IsRequestObject(value.Type))
            {
                return null;
            }

            if (!ReadsTheSameLater(value, written))
            {
                readFirst.Add(piece);
            }
        }

        return readFirst;
    }

    private static IOperation Unconverted(IOperation operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>
    /// A reference type of ASP.NET Core (<c>HttpContext</c>, <c>HttpRequest</c>, headers, an action's context):
    /// pooled and reused once the request ends. SignalR's proxies and hub contexts live as long as their
    /// connection or the application, so they may be used later.
    /// </summary>
    private static bool IsRequestObject(ITypeSymbol? type)
    {
        var ns = type is { IsReferenceType: true } ? type.ContainingNamespace?.ToDisplayString() : null;
        return ns is not null &&
               ns.StartsWith("Microsoft.AspNetCore", System.StringComparison.Ordinal) &&
               !ns.StartsWith("Microsoft.AspNetCore.SignalR", System.StringComparison.Ordinal);
    }

    private static bool ReadsTheSameLater(IOperation value, HashSet<ISymbol> written, int depth = 0)
    {
        if (value.ConstantValue.HasValue)
        {
            return true;
        }

        if (depth > MaxDepth)
        {
            return false;
        }

        bool Same(IOperation? operand) => operand is null || ReadsTheSameLater(operand, written, depth + 1);

        return value switch
        {
            IInstanceReferenceOperation or IDefaultValueOperation or ITypeOfOperation or INameOfOperation => true,
            ILocalReferenceOperation local => local.Local.RefKind == RefKind.None && !written.Contains(local.Local),
            IParameterReferenceOperation parameter => parameter.Parameter.RefKind == RefKind.None && !written.Contains(parameter.Parameter),
            IFieldReferenceOperation field => (field.Field.IsReadOnly || field.Field.IsConst) && Same(field.Instance),

            // Built-in operators compute the same result from the same operands.
            IConversionOperation { OperatorMethod: null } conversion => Same(conversion.Operand),
            IBinaryOperation { OperatorMethod: null } binary => Same(binary.LeftOperand) && Same(binary.RightOperand),
            IUnaryOperation { OperatorMethod: null } unary => Same(unary.Operand),
            IConditionalOperation conditional => Same(conditional.Condition) && Same(conditional.WhenTrue) && Same(conditional.WhenFalse),
            ICoalesceOperation coalesce => Same(coalesce.Value) && Same(coalesce.WhenNull),
            IInterpolatedStringOperation interpolated => interpolated.Parts.All(part => part switch
            {
                IInterpolatedStringTextOperation => true,
                IInterpolationOperation interpolation => Same(interpolation.Expression) && Same(interpolation.Alignment) && Same(interpolation.FormatString),
                _ => false,
            }),
            _ => false,
        };
    }

    /// <summary>Locals and parameters assigned anywhere in the function around <paramref name="operation"/> (beyond a declaration's initializer).</summary>
    private static HashSet<ISymbol> WrittenSymbols(IOperation operation)
    {
        var written = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var descendant in Ownership.OperationNavigation.Root(operation).Descendants())
        {
            var target = descendant switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                _ => null,
            };
            switch (target)
            {
                case ILocalReferenceOperation local:
                    written.Add(local.Local);
                    break;
                case IParameterReferenceOperation parameter:
                    written.Add(parameter.Parameter);
                    break;
            }
        }

        return written;
    }
}
