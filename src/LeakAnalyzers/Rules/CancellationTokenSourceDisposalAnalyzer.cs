using System.Collections.Immutable;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Rules;

/// <summary>LEAK008: a CancellationTokenSource that is never disposed keeps its timer and its registration on the parent token.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CancellationTokenSourceDisposalAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.DisposeCancellationTokenSource,
        title: "Dispose the CancellationTokenSource",
        messageFormat: "The CancellationTokenSource from '{0}' is not disposed on every path; dispose it (using) so its timer and its registration on the parent token are released",
        description: "A linked CancellationTokenSource that is never disposed stays registered on its parent token; per-request sources linked to a long-lived token (application stopping, a service-wide source) accumulate forever. Sources with a timeout keep a timer alive.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var (compilation, options) = (start.Compilation, start.Options);
            var state = new DeferredCompilationState<OwnershipContext?>(() =>
            {
                var context = new OwnershipContext(compilation, options);
                return context.Types.CancellationTokenSource is null ? null : context;
            });

            start.RegisterOperationAction(
                operationContext =>
                {
                    var creation = (IObjectCreationOperation)operationContext.Operation;
                    if (state.Value is { } ownership &&
                        SymbolEqualityComparer.Default.Equals(creation.Type, ownership.Types.CancellationTokenSource))
                    {
                        Analyze(operationContext, creation, "new CancellationTokenSource()", ownership);
                    }
                },
                OperationKind.ObjectCreation);

            start.RegisterOperationAction(
                operationContext =>
                {
                    var invocation = (IInvocationOperation)operationContext.Operation;
                    if (invocation.TargetMethod is { IsStatic: true, Name: "CreateLinkedTokenSource" } method &&
                        state.Value is { } ownership &&
                        SymbolEqualityComparer.Default.Equals(method.ContainingType, ownership.Types.CancellationTokenSource))
                    {
                        Analyze(operationContext, invocation, "CreateLinkedTokenSource", ownership);
                    }
                },
                OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, IOperation creation, string creationName, OwnershipContext ownership)
    {
        var verdict = DisposalAnalysis.Analyze(creation, ownership, context.GetControlFlowGraph);
        if (verdict.IsLeak)
        {
            context.ReportDiagnostic(DisposalFixHint.CreateDiagnostic(Rule, creation, verdict, creationName));
        }
    }
}
