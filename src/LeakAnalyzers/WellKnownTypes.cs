using System;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace LeakAnalyzers;

/// <summary>Types resolved once per compilation; null when the compilation does not reference them.</summary>
internal sealed class WellKnownTypes
{
    private WellKnownTypes(Compilation compilation)
    {
        IDisposable = compilation.GetSpecialType(SpecialType.System_IDisposable);
        IEnumerable = compilation.GetSpecialType(SpecialType.System_Collections_IEnumerable);
        IAsyncDisposable = compilation.GetTypeByMetadataName("System.IAsyncDisposable");
        Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
        Stream = compilation.GetTypeByMetadataName("System.IO.Stream");
        StreamReader = compilation.GetTypeByMetadataName("System.IO.StreamReader");
        StreamWriter = compilation.GetTypeByMetadataName("System.IO.StreamWriter");
        BinaryReader = compilation.GetTypeByMetadataName("System.IO.BinaryReader");
        BinaryWriter = compilation.GetTypeByMetadataName("System.IO.BinaryWriter");
        DbCommand = compilation.GetTypeByMetadataName("System.Data.Common.DbCommand");
        IDbCommand = compilation.GetTypeByMetadataName("System.Data.IDbCommand");
        HttpMessageInvoker = compilation.GetTypeByMetadataName("System.Net.Http.HttpMessageInvoker");
        HttpClient = compilation.GetTypeByMetadataName("System.Net.Http.HttpClient");
        HttpMessageHandler = compilation.GetTypeByMetadataName("System.Net.Http.HttpMessageHandler");
        HttpResponseMessage = compilation.GetTypeByMetadataName("System.Net.Http.HttpResponseMessage");
        HttpContent = compilation.GetTypeByMetadataName("System.Net.Http.HttpContent");
        CancellationTokenSource = compilation.GetTypeByMetadataName("System.Threading.CancellationTokenSource");
        ActionResult = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.IActionResult");
        HttpResult = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Http.IResult");
        DbConnection = compilation.GetTypeByMetadataName("System.Data.Common.DbConnection");
        // Four lookups that fail in most compilations, each visiting every reference: made only when a rule asks.
        _isTestProject = new Lazy<bool>(() =>
            compilation.GetTypeByMetadataName("Xunit.FactAttribute") is not null ||
            compilation.GetTypeByMetadataName("NUnit.Framework.TestAttribute") is not null ||
            compilation.GetTypeByMetadataName("Microsoft.VisualStudio.TestTools.UnitTesting.TestMethodAttribute") is not null ||
            compilation.GetTypeByMetadataName("TUnit.Core.TestAttribute") is not null);
    }

    private readonly Lazy<bool> _isTestProject;

    public INamedTypeSymbol? DbConnection { get; }

    /// <summary>The compilation references a unit test framework (xunit, NUnit, MSTest, TUnit).</summary>
    public bool IsTestProject => _isTestProject.Value;

    /// <summary>
    /// One instance per compilation, shared by every rule: each lookup by metadata name visits every
    /// referenced assembly (a few hundred in an ASP.NET Core project), and in the IDE each edit makes
    /// a new compilation whose rules would otherwise each resolve the same types again.
    /// </summary>
    public static WellKnownTypes Create(Compilation compilation) => PerCompilation.GetValue(compilation, c => new WellKnownTypes(c));

    private static readonly ConditionalWeakTable<Compilation, WellKnownTypes> PerCompilation = new();

    public INamedTypeSymbol IDisposable { get; }
    public INamedTypeSymbol IEnumerable { get; }
    public INamedTypeSymbol? IAsyncDisposable { get; }
    public INamedTypeSymbol? Task { get; }
    public INamedTypeSymbol? TaskOfT { get; }
    public INamedTypeSymbol? ValueTaskOfT { get; }
    public INamedTypeSymbol? Stream { get; }
    public INamedTypeSymbol? StreamReader { get; }
    public INamedTypeSymbol? StreamWriter { get; }
    public INamedTypeSymbol? BinaryReader { get; }
    public INamedTypeSymbol? BinaryWriter { get; }
    public INamedTypeSymbol? DbCommand { get; }
    public INamedTypeSymbol? IDbCommand { get; }
    public INamedTypeSymbol? HttpMessageInvoker { get; }
    public INamedTypeSymbol? HttpClient { get; }
    public INamedTypeSymbol? HttpMessageHandler { get; }
    public INamedTypeSymbol? HttpResponseMessage { get; }
    public INamedTypeSymbol? HttpContent { get; }
    public INamedTypeSymbol? CancellationTokenSource { get; }
    public INamedTypeSymbol? ActionResult { get; }
    public INamedTypeSymbol? HttpResult { get; }

    public bool IsDisposable(ITypeSymbol? type) =>
        type is not null && (Implements(type, IDisposable) || Implements(type, IAsyncDisposable));

    /// <summary>Task or Task&lt;T&gt; (and derived): awaitables, never owners of a caller's resources.</summary>
    public bool IsPlainTask(ITypeSymbol? type) => InheritsFrom(type, Task);

    /// <summary>The T of Task&lt;T&gt;/ValueTask&lt;T&gt;, or the type itself.</summary>
    public ITypeSymbol? UnwrapTask(ITypeSymbol? type)
    {
        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named &&
            (SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, TaskOfT) ||
             SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, ValueTaskOfT)))
        {
            return named.TypeArguments[0];
        }

        return type;
    }

    /// <summary>The types of <paramref name="metadataNames"/> that the compilation knows, in order.</summary>
    public static ImmutableArray<INamedTypeSymbol> ResolveAll(Compilation compilation, params string[] metadataNames)
    {
        var builder = ImmutableArray.CreateBuilder<INamedTypeSymbol>(metadataNames.Length);
        foreach (var name in metadataNames)
        {
            if (compilation.GetTypeByMetadataName(name) is { } type)
            {
                builder.Add(type);
            }
        }

        return builder.ToImmutable();
    }

    public static bool Implements(ITypeSymbol type, INamedTypeSymbol? @interface)
    {
        if (@interface is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(type, @interface))
        {
            return true;
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented, @interface))
            {
                return true;
            }
        }

        return false;
    }

    public static bool InheritsFrom(ITypeSymbol? type, INamedTypeSymbol? baseType)
    {
        if (baseType is null)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseType))
            {
                return true;
            }
        }

        return false;
    }
}
