using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace LeakAnalyzers.Configuration;

/// <summary>
/// A comma-separated list of methods from <c>.editorconfig</c>. An entry matches a method by
/// its name (<c>CloseQuietly</c>), by type and name (<c>HttpHelpers.CloseQuietly</c>) or by
/// its fully qualified name (<c>MyCompany.Http.HttpHelpers.CloseQuietly</c>).
/// </summary>
internal sealed class MethodNameList
{
    public static readonly MethodNameList Empty = new(ImmutableHashSet<string>.Empty);

    private readonly ImmutableHashSet<string> _entries;

    private MethodNameList(ImmutableHashSet<string> entries) => _entries = entries;

    public bool IsEmpty => _entries.IsEmpty;

    public static MethodNameList Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Empty;
        }

        var builder = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
        foreach (var part in value!.Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var entry = part.Trim();
            if (entry.Length > 0)
            {
                builder.Add(entry);
            }
        }

        return new MethodNameList(builder.ToImmutable());
    }

    public bool Contains(IMethodSymbol method)
    {
        if (_entries.IsEmpty)
        {
            return false;
        }

        var original = method.ReducedFrom ?? method.OriginalDefinition;
        if (_entries.Contains(original.Name))
        {
            return true;
        }

        var type = original.ContainingType;
        if (type is null)
        {
            return false;
        }

        return _entries.Contains(type.Name + "." + original.Name) ||
               _entries.Contains(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", string.Empty) + "." + original.Name);
    }
}

/// <summary>Parses each distinct option text once per compilation.</summary>
internal sealed class MethodNameListCache
{
    private readonly Dictionary<string, MethodNameList> _parsed = new(StringComparer.Ordinal);

    public MethodNameList Get(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return MethodNameList.Empty;
        }

        lock (_parsed)
        {
            if (!_parsed.TryGetValue(value!, out var list))
            {
                list = MethodNameList.Parse(value);
                _parsed[value!] = list;
            }

            return list;
        }
    }
}
