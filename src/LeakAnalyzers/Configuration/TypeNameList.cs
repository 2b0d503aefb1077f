using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace LeakAnalyzers.Configuration;

/// <summary>
/// A comma-separated list of metadata type names from <c>.editorconfig</c>
/// (<c>Company.Sdk.InventoryClient, Company.Sdk.Pool`1</c>), resolved against one compilation.
/// Names the compilation does not know are kept in <see cref="Unresolved"/>.
/// </summary>
internal sealed class TypeNameList
{
    public static readonly TypeNameList Empty = new(ImmutableHashSet<INamedTypeSymbol>.Empty, ImmutableArray<string>.Empty);

    private readonly ImmutableHashSet<INamedTypeSymbol> _types;

    private TypeNameList(ImmutableHashSet<INamedTypeSymbol> types, ImmutableArray<string> unresolved)
    {
        _types = types;
        Unresolved = unresolved;
    }

    public ImmutableArray<string> Unresolved { get; }

    public bool Contains(ITypeSymbol type) =>
        !_types.IsEmpty && type is INamedTypeSymbol named && _types.Contains(named.OriginalDefinition);

    public static TypeNameList Parse(string? value, Compilation compilation)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Empty;
        }

        var types = ImmutableHashSet.CreateBuilder<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        var unresolved = ImmutableArray.CreateBuilder<string>();
        foreach (var part in value!.Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.Trim();
            if (name.Length == 0)
            {
                continue;
            }

            if (compilation.GetTypeByMetadataName(name) is { } type)
            {
                types.Add(type);
            }
            else
            {
                unresolved.Add(name);
            }
        }

        return new TypeNameList(types.ToImmutable(), unresolved.ToImmutable());
    }
}

/// <summary>Resolves each distinct option text once per compilation.</summary>
internal sealed class TypeNameListCache
{
    private readonly Compilation _compilation;
    private readonly Dictionary<string, TypeNameList> _parsed = new(StringComparer.Ordinal);

    public TypeNameListCache(Compilation compilation) => _compilation = compilation;

    public TypeNameList Get(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return TypeNameList.Empty;
        }

        lock (_parsed)
        {
            if (!_parsed.TryGetValue(value!, out var list))
            {
                list = TypeNameList.Parse(value, _compilation);
                _parsed[value!] = list;
            }

            return list;
        }
    }
}
