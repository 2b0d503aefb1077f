using System.Collections.Immutable;
using LeakAnalyzers.Configuration;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LeakAnalyzers.Lifetimes;

/// <summary>
/// docs/rules/LEAK007.md "request-scoped value": the framework types that live for one request, their
/// subclasses, and the types listed in <c>leak_analyzers.request_types</c>.
/// </summary>
internal sealed class RequestScopedTypes
{
    private static readonly string[] KnownTypeNames =
    {
        "Microsoft.AspNetCore.Http.HttpContext",
        "Microsoft.AspNetCore.Http.HttpRequest",
        "Microsoft.AspNetCore.Http.HttpResponse",
        "System.Net.Http.HttpRequestMessage",
        "System.Net.Http.HttpResponseMessage",
        "System.Net.HttpListenerContext",
        "System.Net.WebSockets.WebSocket",
        "System.Security.Claims.ClaimsPrincipal",
        "System.Web.HttpContext",
        "System.Web.HttpContextBase",
    };

    private readonly ImmutableHashSet<INamedTypeSymbol> _known;
    private readonly AnalyzerOptions _options;
    private readonly TypeNameListCache _configured;

    public RequestScopedTypes(Compilation compilation, AnalyzerOptions options)
    {
        var known = ImmutableHashSet.CreateBuilder<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var name in KnownTypeNames)
        {
            if (compilation.GetTypeByMetadataName(name) is { } type)
            {
                known.Add(type);
            }
        }

        _known = known.ToImmutable();
        _options = options;
        _configured = new TypeNameListCache(compilation);
    }

    /// <summary>The configured types that apply to code in <paramref name="tree"/>.</summary>
    public TypeNameList ConfiguredFor(SyntaxTree tree) =>
        _options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(OptionKeys.RequestTypes, out var value)
            ? _configured.Get(value)
            : TypeNameList.Empty;

    public bool IsRequestScoped(ITypeSymbol type, TypeNameList configured)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if ((current.OriginalDefinition is INamedTypeSymbol definition && _known.Contains(definition)) || configured.Contains(current))
            {
                return true;
            }
        }

        foreach (var implemented in type.AllInterfaces)
        {
            if (configured.Contains(implemented))
            {
                return true;
            }
        }

        return false;
    }
}
