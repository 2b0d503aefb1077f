using System.Collections.Generic;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.CodeFixes.Cancellation;

/// <summary>
/// LEAK004 "bound the work", step 2 for a direct call (<c>_ = SendAsync(x)</c>): whether it can move into
/// <c>Task.Run(async () =&gt; ...)</c>, where it runs later and its task changes type.
/// </summary>
internal static class DeferredCall
{
    private const int MaxOperations = 256;

    /// <summary>
    /// The wrapped call's task is <c>Task</c>/<c>Task&lt;T&gt;</c> after the rewrite: fine where it is
    /// discarded, a statement, a <c>var</c> local or handed to a <c>*Forget</c> helper on <c>Task</c>.
    /// </summary>
    public static bool KeepsItsType(IInvocationOperation call, CancellationTypes types)
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
    /// Whether evaluating the call later, on the thread pool, reads the same values: constants,
    /// <c>this</c>, read-only fields, locals and parameters never written after their declaration,
    /// and calls, creations and members of those - none of an ASP.NET Core request's objects, which
    /// are reused once the request ends.
    /// </summary>
    public static bool ReadsTheSameLater(IInvocationOperation call)
    {
        var written = WrittenSymbols(call);
        var count = 0;
        foreach (var operation in call.DescendantsAndSelf())
        {
            if (++count > MaxOperations)
            {
                return false;
            }

            if (operation.Type?.ContainingNamespace?.ToDisplayString().StartsWith("Microsoft.AspNetCore", System.StringComparison.Ordinal) == true)
            {
                return false;
            }

            switch (operation)
            {
                case ILocalReferenceOperation local when local.Local.RefKind != RefKind.None || written.Contains(local.Local):
                case IParameterReferenceOperation parameter when parameter.Parameter.RefKind != RefKind.None || written.Contains(parameter.Parameter):
                case IFieldReferenceOperation field when !field.Field.IsReadOnly && !field.Field.IsConst:
                case IAnonymousFunctionOperation or IDelegateCreationOperation or IAwaitOperation or IAssignmentOperation or IIncrementOrDecrementOperation:
                    return false;
            }
        }

        return true;
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
