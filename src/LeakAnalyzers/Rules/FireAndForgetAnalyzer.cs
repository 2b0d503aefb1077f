using System.Collections.Immutable;
using LeakAnalyzers.Cancellation;
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
        messageFormat: "The task started by '{0}' is never observed and receives no CancellationToken, so nothing stops it after the caller has returned; bound the work: a CancellationTokenSource created in the work cancels after a timeout (and with the host's stopping token when one is in scope) and its token goes to every call in the work",
        description: "A task that is started and not awaited, stored or returned outlives its caller. Without a CancellationToken nothing can stop it when the downstream hangs, the request is aborted or the application shuts down, and the work (with its connections and memory) keeps running. The fix bounds the work with its own timeout, linked to the host's stopping token when one is in scope; a second fix passes the token in scope instead.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        CancellationTypes.RegisterOperationAction(
            context,
            Analyze,
            OperationKind.ExpressionStatement,
            OperationKind.VariableDeclarator,
            OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, CancellationTypes types)
    {
        var verdict = Judge(context.Operation, types);
        foreach (var origin in verdict.Origins)
        {
            if (UnobservedTasks.EndedByDisposingReceiver(origin))
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(Rule, origin.Syntax.GetLocation(), origin.TargetMethod.Name));
        }
    }

    /// <summary>The verdict for the task <paramref name="operation"/> leaves unobserved (quiet when it observes every task).</summary>
    internal static TokenVerdict Judge(IOperation operation, CancellationTypes types) =>
        UnobservedTasks.Find(operation, types) is { } task ? CancellationFlow.Judge(new[] { task }, types) : TokenVerdict.Quiet;
}
