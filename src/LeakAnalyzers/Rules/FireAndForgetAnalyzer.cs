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
            if (ReceiverDisposedByNextStatement(origin))
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(Rule, origin.Syntax.GetLocation(), origin.TargetMethod.Name));
        }
    }

    /// <summary>The verdict for the task <paramref name="operation"/> leaves unobserved (quiet when it observes every task).</summary>
    internal static TokenVerdict Judge(IOperation operation, CancellationTypes types) =>
        UnobservedTasks.Find(operation, types) is { } task ? CancellationFlow.Judge(new[] { task }, types) : TokenVerdict.Quiet;

    /// <summary>
    /// <c>socket.CloseAsync(..., CancellationToken.None); socket.Dispose();</c>: disposing the
    /// receiver right after starting the call ends its pending work, so nothing outlives the caller.
    /// </summary>
    private static bool ReceiverDisposedByNextStatement(IInvocationOperation call)
    {
        if (call.Instance is null || HeldSymbol(call.Instance) is not { } receiver)
        {
            return false;
        }

        IOperation statement = call;
        for (var depth = 0; depth < MaxStatementDepth && statement.Parent is { } parent && parent is not IBlockOperation; depth++)
        {
            statement = parent;
        }

        if (statement.Parent is not IBlockOperation block)
        {
            return false;
        }

        var index = block.Operations.IndexOf(statement);
        return index >= 0 && index + 1 < block.Operations.Length &&
               block.Operations[index + 1] is IExpressionStatementOperation { Operation: IInvocationOperation { TargetMethod.Name: "Dispose" or "Close" or "Abort", Arguments.Length: 0, Instance: { } disposed } } &&
               SymbolEqualityComparer.Default.Equals(HeldSymbol(disposed), receiver);
    }

    private const int MaxStatementDepth = 16;

    private static ISymbol? HeldSymbol(IOperation value) => OperationNavigation.SkipConversions(value) switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => field.Field,
        _ => null,
    };
}
