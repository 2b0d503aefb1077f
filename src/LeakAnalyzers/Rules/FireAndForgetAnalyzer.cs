using System.Collections.Immutable;
using LeakAnalyzers.Cancellation;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Rules;

/// <summary>LEAK004: a task started and never observed that has no token can never be stopped once its caller has returned.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FireAndForgetAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.FireAndForgetWithoutCancellation,
        title: "Fire-and-forget task without cancellation",
        messageFormat: "The task started by '{0}' is never observed and receives no CancellationToken; pass one so the work can be stopped after the caller has returned",
        description: "A task that is started and not awaited, stored or returned outlives its caller. Without a CancellationToken nothing can stop it when the request is aborted or the application shuts down, and the work (with its connections and memory) keeps running.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var state = new DeferredCompilationState<CancellationTypes?>(() =>
            {
                var types = CancellationTypes.Create(compilation);
                return types.IsUsable ? types : null;
            });

            start.RegisterOperationAction(
                operationContext =>
                {
                    if (state.Value is { } types)
                    {
                        AnalyzeInvocation(operationContext, types);
                    }
                },
                OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, CancellationTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (IsUnobservedTask(invocation, types) &&
            !IsInAsyncVoidEventHandler(invocation, context.ContainingSymbol, types) &&
            CancellationFlow.JudgeCalls(ImmutableArray.Create(invocation), types).ShouldReport)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), invocation.TargetMethod.Name));
        }
    }

    /// <summary><c>FooAsync();</c> or <c>_ = FooAsync();</c>: a task nobody awaits, stores or returns.</summary>
    internal static bool IsUnobservedTask(IInvocationOperation invocation, CancellationTypes types)
    {
        if (!types.IsTaskLike(invocation.Type))
        {
            return false;
        }

        var parent = OperationNavigation.SkipTransparentParents(invocation).Parent;
        return parent is IExpressionStatementOperation ||
               (parent is ISimpleAssignmentOperation { Target: IDiscardOperation, Parent: IExpressionStatementOperation } assignment &&
                OperationNavigation.SkipConversions(assignment.Value) == invocation);
    }

    /// <summary>
    /// An <c>async void</c> handler (<c>(object sender, EventArgs e)</c>) is itself fire-and-forget and
    /// cannot take a token: a different problem, and nothing here could fix it.
    /// </summary>
    private static bool IsInAsyncVoidEventHandler(IOperation operation, ISymbol containingSymbol, CancellationTypes types)
    {
        var function = OperationNavigation.EnclosingFunction(operation) switch
        {
            IAnonymousFunctionOperation lambda => lambda.Symbol,
            ILocalFunctionOperation local => local.Symbol,
            _ => containingSymbol as IMethodSymbol,
        };
        return function is { IsAsync: true, ReturnsVoid: true, Parameters.Length: 2 } &&
               WellKnownTypes.InheritsFrom(function.Parameters[1].Type, types.EventArgs);
    }
}
