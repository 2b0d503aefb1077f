using System;
using System.Collections.Immutable;
using LeakAnalyzers.Configuration;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Rules;

/// <summary>LEAK003: a network client, channel or connection created per call and never disposed keeps its sockets and buffers alive.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PerRequestClientDisposalAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.DisposePerRequestClient,
        title: "Dispose per-request SDK clients",
        messageFormat: "The {0} created by '{1}' is not disposed on every path; dispose it (using) or share one instance",
        description: "SDK clients, channels and connections own sockets, buffers and background work. One created per request and never disposed leaks all of it: the per-request gRPC client behind a saw-tooth memory leak is the incident behind this rule.");

    /// <summary>Client types known by name, beyond the *Client/*Channel/*Connection naming convention.</summary>
    private static readonly string[] KnownClientTypeNames =
    {
        "Grpc.Net.Client.GrpcChannel",
        "System.Net.Sockets.TcpClient",
        "System.Net.Sockets.UdpClient",
        "System.Net.Mail.SmtpClient",
        "System.Net.WebSockets.ClientWebSocket",
        "Azure.Messaging.ServiceBus.ServiceBusClient",
        "Microsoft.Azure.Cosmos.CosmosClient",
        "StackExchange.Redis.ConnectionMultiplexer",
    };

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var (compilation, options) = (start.Compilation, start.Options);
            var state = new DeferredCompilationState<(OwnershipContext Ownership, ClientTypes ClientTypes)>(() =>
            {
                var ownership = new OwnershipContext(compilation, options);
                return (ownership, new ClientTypes(compilation, ownership.Types));
            });
            start.RegisterOperationAction(
                operationContext =>
                {
                    var (ownership, clientTypes) = state.Value;
                    Analyze(operationContext, operationContext.Operation.Type, ((IObjectCreationOperation)operationContext.Operation).Type?.Name, clientTypes, ownership);
                },
                OperationKind.ObjectCreation);
            start.RegisterOperationAction(
                operationContext =>
                {
                    var invocation = (IInvocationOperation)operationContext.Operation;
                    if (IsFactoryName(invocation.TargetMethod.Name))
                    {
                        var (ownership, clientTypes) = state.Value;
                        Analyze(operationContext, ownership.Types.UnwrapTask(invocation.TargetMethod.ReturnType), invocation.TargetMethod.Name, clientTypes, ownership);
                    }
                },
                OperationKind.Invocation);
        });
    }

    private static bool IsFactoryName(string name) =>
        name == "ForAddress" ||
        name.StartsWith("Create", StringComparison.Ordinal) ||
        name.StartsWith("Open", StringComparison.Ordinal) ||
        name.StartsWith("Connect", StringComparison.Ordinal);

    private static void Analyze(OperationAnalysisContext context, ITypeSymbol? createdType, string? creatorName, ClientTypes clientTypes, OwnershipContext ownership)
    {
        if (createdType is null || !clientTypes.IsClient(createdType, context.Options, context.Operation.Syntax.SyntaxTree))
        {
            return;
        }

        var verdict = DisposalAnalysis.Analyze(context.Operation, ownership, context.GetControlFlowGraph);
        if (verdict.IsLeak)
        {
            var creator = context.Operation is IObjectCreationOperation ? "new " + createdType.Name + "(...)" : creatorName;
            context.ReportDiagnostic(DisposalFixHint.CreateDiagnostic(Rule, context.Operation, verdict, createdType.Name, creator));
        }
    }

    /// <summary>Which disposable types count as per-request clients in one compilation.</summary>
    private sealed class ClientTypes
    {
        private readonly WellKnownTypes _types;
        private readonly ImmutableArray<INamedTypeSymbol> _known;
        private readonly TypeNameListCache _configured;

        public ClientTypes(Compilation compilation, WellKnownTypes types)
        {
            _types = types;
            _known = WellKnownTypes.ResolveAll(compilation, KnownClientTypeNames);
            _configured = new TypeNameListCache(compilation);
        }

        public bool IsClient(ITypeSymbol type, AnalyzerOptions options, SyntaxTree tree)
        {
            if (!_types.IsDisposable(type) || WellKnownTypes.InheritsFrom(type, _types.HttpClient) || _types.IsPlainTask(type))
            {
                return false;
            }

            var config = options.AnalyzerConfigOptionsProvider.GetOptions(tree);
            if (config.TryGetValue(OptionKeys.ClientTypesExclude, out var excluded) && _configured.Get(excluded).Contains(type))
            {
                return false;
            }

            if (config.TryGetValue(OptionKeys.ClientTypes, out var included) && _configured.Get(included).Contains(type))
            {
                return true;
            }

            foreach (var known in _known)
            {
                if (WellKnownTypes.InheritsFrom(type, known))
                {
                    return true;
                }
            }

            return WellKnownTypes.InheritsFrom(type, _types.DbConnection) ||
                   type.Name.EndsWith("Client", StringComparison.Ordinal) ||
                   type.Name.EndsWith("Channel", StringComparison.Ordinal) ||
                   type.Name.EndsWith("Connection", StringComparison.Ordinal);
        }
    }
}
