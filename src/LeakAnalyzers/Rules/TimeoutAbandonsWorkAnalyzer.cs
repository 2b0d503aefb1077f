using System.Collections.Generic;
using System.Collections.Immutable;
using LeakAnalyzers.Cancellation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Rules;

/// <summary>LEAK006: a timeout that stops waiting but never cancels the work leaves it running after the caller has given up.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TimeoutAbandonsWorkAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.TimeoutAbandonsWork,
        title: "Timeout that abandons running work",
        messageFormat: "'{0}' stops waiting on timeout, but the work receives no CancellationToken and keeps running; cancel the work when the timeout fires: pass it the token of a CancellationTokenSource cancelled after the same timeout and await the work directly",
        description: "A timeout race (WhenAny with Task.Delay, WaitAny, WaitAsync, Wait(timeout), WaitAll(tasks, timeout)) answers the caller but leaves the calls it gave up on running, holding their connections and memory. Give the work a token that is cancelled when the timeout fires.");

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
        var work = AbandonedWork(invocation, types);
        if (work is not null && CancellationFlow.Judge(work, types).ShouldReport && !HedgedRaces.WaitsAgainWhenTheDelayWins(invocation, work, types))
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), invocation.TargetMethod.Name));
        }
    }

    /// <summary>The tasks a timeout shape gives up on, or null when the invocation is not a timeout shape.</summary>
    internal static IReadOnlyList<IOperation>? AbandonedWork(IInvocationOperation invocation, CancellationTypes types)
    {
        var method = invocation.TargetMethod;
        if (method.IsStatic)
        {
            if (types.IsTaskMethod(method, "WhenAny") || types.IsTaskMethod(method, "WaitAny"))
            {
                return HasBound(method, types) ? Elements(invocation, types) : WorkRacedAgainstDelay(invocation, types);
            }

            return types.IsTaskMethod(method, "WaitAll") && HasBound(method, types) ? Elements(invocation, types) : null;
        }

        if (invocation.Instance is { } work &&
            !method.Parameters.IsEmpty &&
            (types.IsTaskMethod(method, "WaitAsync") || types.IsTaskMethod(method, "Wait")) &&
            HasBound(method, types))
        {
            return new[] { work };
        }

        return null;
    }

    private static bool HasBound(IMethodSymbol method, CancellationTypes types)
    {
        foreach (var parameter in method.Parameters)
        {
            if (TimeoutParameters.IsBound(parameter.Type, types))
            {
                return true;
            }
        }

        return false;
    }

    private static List<IOperation> Elements(IInvocationOperation invocation, CancellationTypes types)
    {
        var elements = new List<IOperation>();
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter is { } parameter && !TimeoutParameters.IsBound(parameter.Type, types))
            {
                elements.AddRange(TaskOrigins.Elements(argument));
            }
        }

        return elements;
    }

    /// <summary><c>WhenAny(work, Task.Delay(t))</c>: the tasks other than the delays, when there is at least one delay.</summary>
    private static List<IOperation>? WorkRacedAgainstDelay(IInvocationOperation invocation, CancellationTypes types)
    {
        var work = new List<IOperation>();
        var delays = 0;
        foreach (var element in Elements(invocation, types))
        {
            if (IsDelay(element, types))
            {
                delays++;
            }
            else
            {
                work.Add(element);
            }
        }

        return delays > 0 && work.Count > 0 ? work : null;
    }

    internal static bool IsDelay(IOperation task, CancellationTypes types)
    {
        var traced = TaskOrigins.Trace(new[] { task }, types);
        if (!traced.Complete || traced.Calls.IsEmpty)
        {
            return false;
        }

        foreach (var call in traced.Calls)
        {
            if (!call.TargetMethod.IsStatic || !types.IsTaskMethod(call.TargetMethod, "Delay"))
            {
                return false;
            }
        }

        return true;
    }
}
