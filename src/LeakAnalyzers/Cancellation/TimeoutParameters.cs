using Microsoft.CodeAnalysis;

namespace LeakAnalyzers.Cancellation;

/// <summary>Parameters that bound a wait: a timeout (milliseconds or <c>TimeSpan</c>) or a token.</summary>
internal static class TimeoutParameters
{
    public static bool IsBound(ITypeSymbol type, CancellationTypes types) =>
        type.SpecialType == SpecialType.System_Int32 || IsTimeSpan(type) || types.IsToken(type);

    public static bool IsTimeSpan(ITypeSymbol type) =>
        type is INamedTypeSymbol { Name: "TimeSpan", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };
}
