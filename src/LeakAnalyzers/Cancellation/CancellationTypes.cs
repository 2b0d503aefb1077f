using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LeakAnalyzers.Cancellation;

/// <summary>The types the cancellation rules (LEAK004/005/006) need, resolved once per compilation.</summary>
internal sealed class CancellationTypes
{
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _semanticModels = new();

    private CancellationTypes(Compilation compilation)
    {
        Compilation = compilation;
        CancellationToken = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        CancellationTokenSource = compilation.GetTypeByMetadataName("System.Threading.CancellationTokenSource");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTask = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        TaskFactory = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskFactory");
        Enumerable = compilation.GetTypeByMetadataName("System.Linq.Enumerable");
        EventArgs = compilation.GetTypeByMetadataName("System.EventArgs");
        HttpContext = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Http.HttpContext");
        HostApplicationLifetime = compilation.GetTypeByMetadataName("Microsoft.Extensions.Hosting.IHostApplicationLifetime");
        BackgroundService = compilation.GetTypeByMetadataName("Microsoft.Extensions.Hosting.BackgroundService");
        TaskExtensions = compilation.GetTypeByMetadataName("System.Threading.Tasks.TaskExtensions");
    }

    /// <summary>One instance per compilation, shared by LEAK004/005/006 and their fixes (see <see cref="WellKnownTypes.Create"/>).</summary>
    public static CancellationTypes Create(Compilation compilation) => PerCompilation.GetValue(compilation, c => new CancellationTypes(c));

    private static readonly ConditionalWeakTable<Compilation, CancellationTypes> PerCompilation = new();

    /// <summary>
    /// Registers <paramref name="analyze"/> in every compilation where the cancellation rules can
    /// apply; the types are resolved on the first callback (see <see cref="DeferredCompilationState{T}"/>).
    /// </summary>
    public static void RegisterOperationAction(AnalysisContext context, Action<OperationAnalysisContext, CancellationTypes> analyze, params OperationKind[] kinds) =>
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var state = new DeferredCompilationState<CancellationTypes?>(() =>
            {
                var types = Create(compilation);
                return types.IsUsable ? types : null;
            });

            start.RegisterOperationAction(
                operationContext =>
                {
                    if (state.Value is { } types)
                    {
                        analyze(operationContext, types);
                    }
                },
                kinds);
        });

    public INamedTypeSymbol? CancellationToken { get; }
    public INamedTypeSymbol? CancellationTokenSource { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTask { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? TaskFactory { get; }
    public INamedTypeSymbol? Enumerable { get; }
    public INamedTypeSymbol? EventArgs { get; }
    public INamedTypeSymbol? HttpContext { get; }
    public INamedTypeSymbol? HostApplicationLifetime { get; }
    public INamedTypeSymbol? BackgroundService { get; }
    public INamedTypeSymbol? TaskExtensions { get; }

    public Compilation Compilation { get; }

    /// <summary>The operation of a declaration of this compilation (a callee's body), or null for another compilation's trees.</summary>
    public IOperation? GetOperation(SyntaxNode declaration)
    {
        // In the IDE and dotnet format a referenced project's methods have source declarations in another compilation.
        if (!Compilation.ContainsSyntaxTree(declaration.SyntaxTree))
        {
            return null;
        }

#pragma warning disable RS1030 // Callee bodies may live in other trees; models are cached per tree for the compilation's lifetime.
        var model = _semanticModels.GetOrAdd(declaration.SyntaxTree, tree => Compilation.GetSemanticModel(tree));
#pragma warning restore RS1030
        return model.GetOperation(declaration);
    }

    /// <summary>Without these the rules have nothing to say (a compilation without the task library).</summary>
    public bool IsUsable => CancellationToken is not null && Task is not null;

    public bool IsToken(ITypeSymbol? type) => type is not null && SymbolEqualityComparer.Default.Equals(type, CancellationToken);

    /// <summary>Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
    public bool IsTaskLike(ITypeSymbol? type)
    {
        if (type is not INamedTypeSymbol named)
        {
            return false;
        }

        var definition = named.OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(definition, Task) ||
               SymbolEqualityComparer.Default.Equals(definition, TaskOfT) ||
               SymbolEqualityComparer.Default.Equals(definition, ValueTask) ||
               SymbolEqualityComparer.Default.Equals(definition, ValueTaskOfT);
    }

    /// <summary>A static or instance member of <c>Task</c>/<c>Task&lt;T&gt;</c> with the given name.</summary>
    public bool IsTaskMethod(IMethodSymbol method, string name) =>
        method.Name == name &&
        (SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, Task) ||
         SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, TaskOfT));

    /// <summary><c>Task.Run</c> or <c>TaskFactory.StartNew</c>: the work is the delegate argument.</summary>
    public bool IsTaskStarter(IMethodSymbol method) =>
        (method.IsStatic && method.Name == "Run" && SymbolEqualityComparer.Default.Equals(method.ContainingType, Task)) ||
        (method.Name == "StartNew" && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, TaskFactory));
}
