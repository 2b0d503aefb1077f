using System.Collections.Immutable;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Rules;

/// <summary>LEAK001: an HTTP response (or response body stream) that is never disposed keeps its connection out of the pool.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HttpResponseDisposalAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.DisposeHttpResponse,
        title: "Dispose the HTTP response",
        messageFormat: "The {0} returned by '{1}' is not disposed on every path; dispose it (using) so its connection goes back to the pool",
        description: "An HttpResponseMessage or response body stream that is not disposed keeps its connection out of the pool until the garbage collector finalizes it; under load the service runs out of sockets or memory.");

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
                return context.Types.HttpMessageInvoker is null || context.Types.HttpResponseMessage is null ? null : context;
            });

            start.RegisterOperationAction(
                operationContext =>
                {
                    if (state.Value is { } ownership)
                    {
                        AnalyzeInvocation(operationContext, ownership);
                    }
                },
                OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, OwnershipContext ownership)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var produced = Classify(invocation, ownership.Types);
        if (produced == ProducedObject.None)
        {
            return;
        }

        if (produced == ProducedObject.ContentStream && !ResponseOfContentLeaks(invocation, context, ownership))
        {
            // The response owns its content stream: disposing the response (or its owner doing so) is enough.
            return;
        }

        var verdict = DisposalAnalysis.Analyze(invocation, ownership, context.GetControlFlowGraph);
        if (verdict.IsLeak)
        {
            context.ReportDiagnostic(DisposalFixHint.CreateDiagnostic(
                Rule,
                invocation,
                verdict,
                produced == ProducedObject.Response ? "HttpResponseMessage" : "response stream",
                invocation.TargetMethod.Name));
        }
    }

    private enum ProducedObject
    {
        None,
        Response,
        Stream,
        ContentStream,
    }

    private static ProducedObject Classify(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        var returned = types.UnwrapTask(method.ReturnType);
        if (returned is null || returned.SpecialType != SpecialType.None)
        {
            return ProducedObject.None;
        }

        var isResponse = WellKnownTypes.InheritsFrom(returned, types.HttpResponseMessage);
        var isStream = !isResponse && WellKnownTypes.InheritsFrom(returned, types.Stream);
        if (!isResponse && !isStream)
        {
            return ProducedObject.None;
        }

        var receiver = ReceiverType(method);
        if (WellKnownTypes.InheritsFrom(receiver, types.HttpMessageInvoker))
        {
            return isResponse ? ProducedObject.Response : ProducedObject.Stream;
        }

        if (isResponse && ReceivesResponse(method, receiver, types))
        {
            return ProducedObject.Response;
        }

        return isStream && method.Name.StartsWith("ReadAsStream", System.StringComparison.Ordinal) &&
               WellKnownTypes.InheritsFrom(method.ContainingType, types.HttpContent)
            ? ProducedObject.ContentStream
            : ProducedObject.None;
    }

    /// <summary>
    /// Any other method, local function or delegate that returns a response (or an awaitable of
    /// one) hands it to its caller: a typed client's <c>SendRawAsync</c>, an <c>IApiConnection</c>,
    /// <c>base.SendAsync</c> in a handler. Not a method of the response itself
    /// (<c>EnsureSuccessStatusCode()</c> returns the same object), and not a generic method that
    /// merely passes a <c>T</c> through (<c>Task.FromResult</c>, a retry policy's <c>ExecuteAsync</c>).
    /// </summary>
    private static bool ReceivesResponse(IMethodSymbol method, ITypeSymbol? receiver, WellKnownTypes types)
    {
        if (WellKnownTypes.InheritsFrom(receiver, types.HttpResponseMessage))
        {
            return false;
        }

        return method.MethodKind == MethodKind.DelegateInvoke ||
               WellKnownTypes.InheritsFrom(types.UnwrapTask(method.OriginalDefinition.ReturnType), types.HttpResponseMessage);
    }

    /// <summary>The type a call is made on, also for extension methods (<c>client.PostAsJsonAsync(...)</c>).</summary>
    private static ITypeSymbol? ReceiverType(IMethodSymbol method)
    {
        if (method.ReducedFrom is not null)
        {
            return method.ReceiverType;
        }

        return method.IsExtensionMethod && method.Parameters.Length > 0 ? method.Parameters[0].Type : method.ContainingType;
    }

    /// <summary>
    /// For <c>response.Content.ReadAsStreamAsync()</c>: is <c>response</c> created in this method
    /// by an HTTP call and itself left undisposed? Responses that come from elsewhere belong to
    /// their owner, and disposing a response disposes its stream.
    /// </summary>
    private static bool ResponseOfContentLeaks(IInvocationOperation readAsStream, OperationAnalysisContext context, OwnershipContext ownership)
    {
        if (readAsStream.Instance is null ||
            OperationNavigation.SkipConversions(readAsStream.Instance) is not IPropertyReferenceOperation { Property.Name: "Content", Instance: { } response })
        {
            return false;
        }

        var origin = HttpCallProducing(OperationNavigation.SkipConversions(response), ownership.Types);
        return origin is not null && DisposalAnalysis.Analyze(origin, ownership, context.GetControlFlowGraph).IsLeak;
    }

    private static IInvocationOperation? HttpCallProducing(IOperation response, WellKnownTypes types)
    {
        if (response is ILocalReferenceOperation local)
        {
            response = InitializerOf(local.Local, OperationNavigation.Root(local)) ?? response;
        }

        var current = OperationNavigation.SkipConversions(response);
        if (current is IAwaitOperation awaitOperation)
        {
            current = OperationNavigation.SkipConversions(awaitOperation.Operation);
            if (current is IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } configured })
            {
                current = OperationNavigation.SkipConversions(configured);
            }
        }

        return current is IInvocationOperation invocation && Classify(invocation, types) == ProducedObject.Response ? invocation : null;
    }

    private static IOperation? InitializerOf(ILocalSymbol local, IOperation root)
    {
        foreach (var operation in root.Descendants())
        {
            if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                return declarator.Initializer?.Value;
            }
        }

        return null;
    }
}
