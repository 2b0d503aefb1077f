using System.Collections.Immutable;
using System.Threading;
using LeakAnalyzers.Ownership;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LeakAnalyzers.Lifetimes;

/// <summary>Why instances of a class live as long as the process.</summary>
internal enum SharedKind
{
    None,
    Singleton,
    Middleware,
}

/// <summary>
/// Which classes of a compilation are instantiated once for the process: ASP.NET Core convention
/// middleware (a constructor taking <c>RequestDelegate</c>: the pipeline builds it once), and
/// classes registered as singletons anywhere in the compilation
/// (<c>AddSingleton</c>, <c>TryAddSingleton</c>, <c>AddKeyedSingleton</c>, <c>TryAddKeyedSingleton</c>,
/// <c>AddHostedService</c> on <c>IServiceCollection</c>, by type argument or <c>typeof</c>), and
/// their base classes.
/// </summary>
/// <remarks>
/// The registrations usually sit in another file than the class, so they need a view of the whole
/// compilation. A compilation-end action would give one but does not run in live IDE analysis;
/// instead the syntax trees are scanned once per compilation, on first need (only when some
/// instance field would otherwise be reported), binding only invocations whose name is a
/// registration method.
/// </remarks>
internal sealed class SharedInstances
{
    private static readonly ImmutableHashSet<string> RegistrationMethods = ImmutableHashSet.Create(
        "AddSingleton", "TryAddSingleton", "AddKeyedSingleton", "TryAddKeyedSingleton", "AddHostedService");

    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol? _serviceCollection;
    private readonly INamedTypeSymbol? _requestDelegate;
    private ImmutableHashSet<INamedTypeSymbol>? _singletons;

    public SharedInstances(Compilation compilation)
    {
        _compilation = compilation;
        _serviceCollection = compilation.GetTypeByMetadataName("Microsoft.Extensions.DependencyInjection.IServiceCollection");
        _requestDelegate = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Http.RequestDelegate");
    }

    public SharedKind Classify(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.TypeKind != TypeKind.Class)
        {
            return SharedKind.None;
        }

        if (_requestDelegate is not null)
        {
            foreach (var constructor in type.InstanceConstructors)
            {
                foreach (var parameter in constructor.Parameters)
                {
                    if (SymbolEqualityComparer.Default.Equals(parameter.Type, _requestDelegate))
                    {
                        return SharedKind.Middleware;
                    }
                }
            }
        }

        var definition = type.OriginalDefinition;
        foreach (var singleton in GetSingletons(cancellationToken))
        {
            for (var current = singleton; current is not null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, definition))
                {
                    return SharedKind.Singleton;
                }
            }
        }

        return SharedKind.None;
    }

    private ImmutableHashSet<INamedTypeSymbol> GetSingletons(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _singletons) is { } known)
        {
            return known;
        }

        var singletons = ImmutableHashSet.CreateBuilder<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        if (_serviceCollection is not null)
        {
            foreach (var tree in _compilation.SyntaxTrees)
            {
                SemanticModel? model = null;
                foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes())
                {
                    if (node is InvocationExpressionSyntax invocation && NameOf(invocation.Expression) is { } name && RegistrationMethods.Contains(name))
                    {
                        // Registrations live in other trees than the fields they make shared, so the context's model cannot be used.
                        model ??= _compilation.GetSemanticModel(tree);
                        if (model.GetOperation(invocation, cancellationToken) is IInvocationOperation operation)
                        {
                            AddRegisteredTypes(operation, singletons);
                        }
                    }
                }
            }
        }

        // Concurrent first callers compute the same set; whichever is published first is kept.
        Interlocked.CompareExchange(ref _singletons, singletons.ToImmutable(), null);
        return _singletons!;
    }

    private void AddRegisteredTypes(IInvocationOperation invocation, ImmutableHashSet<INamedTypeSymbol>.Builder singletons)
    {
        var method = invocation.TargetMethod;
        if (!RegistrationMethods.Contains(method.Name) ||
            method.Parameters.IsEmpty ||
            !SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type, _serviceCollection))
        {
            return;
        }

        foreach (var typeArgument in method.TypeArguments)
        {
            AddClass(typeArgument, singletons);
        }

        foreach (var argument in invocation.Arguments)
        {
            if (OperationNavigation.SkipConversions(argument.Value) is ITypeOfOperation typeOf)
            {
                AddClass(typeOf.TypeOperand, singletons);
            }
        }
    }

    private static void AddClass(ITypeSymbol type, ImmutableHashSet<INamedTypeSymbol>.Builder singletons)
    {
        // Interfaces are service types: the class behind them is what holds the fields.
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Class } named)
        {
            singletons.Add(named.OriginalDefinition);
        }
    }

    private static string? NameOf(ExpressionSyntax expression) => expression switch
    {
        MemberAccessExpressionSyntax memberAccess => memberAccess.Name.Identifier.ValueText,
        SimpleNameSyntax name => name.Identifier.ValueText,
        _ => null,
    };
}
