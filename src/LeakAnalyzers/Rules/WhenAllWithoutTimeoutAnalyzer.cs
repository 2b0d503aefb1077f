using System.Collections.Generic;
using System.Collections.Immutable;
using LeakAnalyzers.Cancellation;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Rules;

/// <summary>LEAK005: waiting for all of several token-less calls with no bound hangs the caller forever when one downstream dies.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WhenAllWithoutTimeoutAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.WhenAllWithoutTimeout,
        title: "WhenAll without timeout or cancellation",
        messageFormat: "'{0}' waits without any bound for calls that receive no CancellationToken; one dead downstream hangs the caller forever: link a CancellationTokenSource to the caller's token, cancel it after a timeout and pass its token to every call",
        description: "Task.WhenAll/Task.WaitAll over calls that received no CancellationToken, with no timeout on the wait, waits as long as the slowest call: when one downstream stops answering, every caller hangs with it and requests pile up.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        CancellationTypes.RegisterOperationAction(context, AnalyzeInvocation, OperationKind.Invocation);
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, CancellationTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (IsUnboundedWait(invocation, types) &&
            CancellationFlow.Judge(WaitedTasks(invocation), types).ShouldReport)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), "Task." + invocation.TargetMethod.Name));
        }
    }

    /// <summary>
    /// <c>await Task.WhenAll(...)</c> (also through <c>ConfigureAwait</c>, <c>.Wait()</c>,
    /// <c>.Result</c>, <c>GetAwaiter().GetResult()</c>) or <c>Task.WaitAll(tasks)</c>. Bounded
    /// waits are LEAK006's; a WhenAll kept in a local or returned may be bounded elsewhere.
    /// </summary>
    internal static bool IsUnboundedWait(IInvocationOperation invocation, CancellationTypes types)
    {
        var method = invocation.TargetMethod;
        if (!method.IsStatic)
        {
            return false;
        }

        if (types.IsTaskMethod(method, "WaitAll"))
        {
            foreach (var parameter in method.Parameters)
            {
                if (TimeoutParameters.IsBound(parameter.Type, types))
                {
                    return false;
                }
            }

            return true;
        }

        if (!types.IsTaskMethod(method, "WhenAll"))
        {
            return false;
        }

        var current = OperationNavigation.SkipTransparentParents(invocation);
        if (current.Parent is IInvocationOperation { TargetMethod.Name: "ConfigureAwait" } configureAwait && configureAwait.Instance == current)
        {
            current = OperationNavigation.SkipTransparentParents(configureAwait);
        }

        return current.Parent switch
        {
            IAwaitOperation => true,
            IInvocationOperation { TargetMethod.Name: "Wait", Arguments.IsEmpty: true } wait => wait.Instance == current,
            IPropertyReferenceOperation { Property.Name: "Result" } result => result.Instance == current,
            IInvocationOperation { TargetMethod.Name: "GetAwaiter" } getAwaiter =>
                OperationNavigation.SkipTransparentParents(getAwaiter).Parent is IInvocationOperation { TargetMethod.Name: "GetResult" },
            _ => false,
        };
    }

    internal static IEnumerable<IOperation> WaitedTasks(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            foreach (var element in TaskOrigins.Elements(argument))
            {
                yield return element;
            }
        }
    }
}
