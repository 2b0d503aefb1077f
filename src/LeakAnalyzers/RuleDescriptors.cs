using Microsoft.CodeAnalysis;

namespace LeakAnalyzers;

/// <summary>Builds descriptors so every rule gets the same category, severity policy and help link shape.</summary>
internal static class RuleDescriptors
{
    public static DiagnosticDescriptor Create(string id, string title, string messageFormat, string description) =>
        new(
            id,
            title,
            messageFormat,
            RuleIdentifiers.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: RuleIdentifiers.GetHelpUri(id));
}
