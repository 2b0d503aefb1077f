using System.Collections.Immutable;
using LeakAnalyzers.Configuration;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Rules;

/// <summary>LEAK002: an HttpClient created per call either leaks its connections or, disposed, leaves its sockets in TIME_WAIT.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HttpClientPerCallAnalyzer : DiagnosticAnalyzer
{
    internal const string DisposedProperty = "Disposed";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.ReuseHttpClient,
        title: "Reuse HttpClient instead of creating one per call",
        messageFormat: "An HttpClient is created per call; {0}: reuse a shared instance or IHttpClientFactory",
        description: "Every HttpClient owns its own connection pool. Created per call and disposed, its sockets linger in TIME_WAIT until the ephemeral port range is exhausted; created per call and not disposed, its connections leak. Keep one long-lived client (with SocketsHttpHandler.PooledConnectionLifetime so DNS changes are seen) or use IHttpClientFactory.");

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
                return context.Types.HttpClient is null ? null : context;
            });

            start.RegisterOperationAction(
                operationContext =>
                {
                    if (state.Value is { } ownership)
                    {
                        AnalyzeCreation(operationContext, ownership);
                    }
                },
                OperationKind.ObjectCreation);
        });
    }

    private static void AnalyzeCreation(OperationAnalysisContext context, OwnershipContext ownership)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        var types = ownership.Types;
        if (!WellKnownTypes.InheritsFrom(creation.Type, types.HttpClient) ||
            !IsPerCall(creation, context.ContainingSymbol, context.Compilation, context.CancellationToken) ||
            SharesItsHandler(creation, types) ||
            (types.IsTestProject && IgnoresTests(context, creation)))
        {
            return;
        }

        var outcome = DisposalAnalysis.Analyze(creation, ownership, context.GetControlFlowGraph).Outcome;
        if (outcome == DisposalOutcome.Escapes)
        {
            // Stored in a field or property, returned from a factory, handed to an owner: not per call.
            return;
        }

        var disposed = outcome == DisposalOutcome.Disposed;
        var properties = ImmutableDictionary<string, string?>.Empty.Add(DisposedProperty, disposed ? "true" : "false");
        context.ReportDiagnostic(Diagnostic.Create(
            Rule,
            creation.Syntax.GetLocation(),
            properties,
            disposed
                ? "disposing it after each call leaves its sockets in TIME_WAIT until the port range runs out"
                : "it is never disposed, so each call leaks its connections"));
    }

    /// <summary>
    /// Method, accessor, lambda and local function bodies run per call; initializers, static
    /// constructors and the body of Main (or top-level statements) run once. Lambdas inside
    /// Main, such as minimal API handlers, run per request again.
    /// </summary>
    private static bool IsPerCall(IOperation creation, ISymbol containingSymbol, Compilation compilation, System.Threading.CancellationToken cancellationToken) =>
        OperationNavigation.Root(creation) is not (IFieldInitializerOperation or IPropertyInitializerOperation or IParameterInitializerOperation) &&
        containingSymbol is not IMethodSymbol { MethodKind: MethodKind.StaticConstructor } &&
        !(OperationNavigation.EnclosingFunction(creation) is null && IsEntryPoint(containingSymbol, compilation, cancellationToken));

    /// <summary>The program's entry point (top-level statements included); only an executable has one.</summary>
    private static bool IsEntryPoint(ISymbol symbol, Compilation compilation, System.Threading.CancellationToken cancellationToken) =>
        symbol is IMethodSymbol { IsStatic: true, Name: "Main" or "<Main>$" } &&
        compilation.Options.OutputKind is not (OutputKind.DynamicallyLinkedLibrary or OutputKind.NetModule) &&
        SymbolEqualityComparer.Default.Equals(compilation.GetEntryPoint(cancellationToken), symbol);

    /// <summary><c>new HttpClient(sharedHandler, disposeHandler: false)</c> reuses the handler's pool: the recommended per-call shape.</summary>
    private static bool SharesItsHandler(IObjectCreationOperation creation, WellKnownTypes types)
    {
        var handlerIsShared = false;
        var keepsHandler = false;
        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter is null)
            {
                continue;
            }

            if (argument.Parameter.Name == "disposeHandler")
            {
                keepsHandler = argument.Value.ConstantValue is { HasValue: true, Value: false };
            }
            else if (WellKnownTypes.InheritsFrom(argument.Parameter.Type, types.HttpMessageHandler))
            {
                handlerIsShared = OperationNavigation.SkipConversions(argument.Value) is IFieldReferenceOperation or IPropertyReferenceOperation or IParameterReferenceOperation;
            }
        }

        return handlerIsShared && keepsHandler;
    }

    private static bool IgnoresTests(OperationAnalysisContext context, IOperation creation) =>
        context.Options.AnalyzerConfigOptionsProvider.GetOptions(creation.Syntax.SyntaxTree).TryGetValue(OptionKeys.HttpClientIgnoreTests, out var value) &&
        bool.TryParse(value, out var ignore) && ignore;
}
