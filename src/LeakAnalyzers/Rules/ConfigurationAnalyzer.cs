using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using LeakAnalyzers.Configuration;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace LeakAnalyzers.Rules;

/// <summary>
/// LEAK900: a <c>leak_analyzers.*</c> setting that cannot be used. The rules fall back to their
/// defaults, which would otherwise hide the mistake; this says which key, which value, and what
/// is accepted, once per compilation per key.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ConfigurationAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.InvalidConfiguration,
        title: "Invalid LeakAnalyzers configuration",
        messageFormat: "'{0} = {1}' cannot be used: {2}; the rules use their default instead",
        description: "A leak_analyzers.* key in .editorconfig or .globalconfig has a value the rules cannot use (not a number, a negative timeout, an unknown type or method name, or an unknown key). The rules ignore it and use their defaults.");

    private static readonly ImmutableDictionary<string, Func<string, Compilation, string?>> Validators =
        new Dictionary<string, Func<string, Compilation, string?>>(StringComparer.OrdinalIgnoreCase)
        {
            [OptionKeys.OwnershipTransferMethods] = (value, _) => ValidateMethodNames(value),
            [OptionKeys.DisposingMethods] = (value, _) => ValidateMethodNames(value),
            [OptionKeys.ClientTypes] = ValidateTypeNames,
            [OptionKeys.ClientTypesExclude] = ValidateTypeNames,
            [OptionKeys.RequestTypes] = ValidateTypeNames,
            [OptionKeys.HttpClientIgnoreTests] = (value, _) => bool.TryParse(value, out var _) ? null : "expected true or false",
            [OptionKeys.DefaultTimeout] = (value, _) =>
                double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && !double.IsInfinity(seconds)
                    ? null
                    : "expected a positive number of seconds, such as 30",
        }.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var reportedKeys = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);

            // Every tree sees the global options and usually the same .editorconfig values:
            // validate each key/value pair once (type names cost a lookup each).
            var checkedSettings = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
            var provider = start.Options.AnalyzerConfigOptionsProvider;
            var compilation = start.Compilation;
            start.RegisterSyntaxTreeAction(treeContext =>
            {
                Check(provider.GlobalOptions, compilation, reportedKeys, checkedSettings, treeContext.ReportDiagnostic);
                Check(provider.GetOptions(treeContext.Tree), compilation, reportedKeys, checkedSettings, treeContext.ReportDiagnostic);
            });
        });
    }

    private static void Check(
        AnalyzerConfigOptions options,
        Compilation compilation,
        ConcurrentDictionary<string, bool> reportedKeys,
        ConcurrentDictionary<string, bool> checkedSettings,
        Action<Diagnostic> report)
    {
        foreach (var key in options.Keys)
        {
            if (!key.StartsWith(OptionKeys.Prefix, StringComparison.OrdinalIgnoreCase) ||
                !options.TryGetValue(key, out var value) ||
                reportedKeys.ContainsKey(key) ||
                !checkedSettings.TryAdd(key.ToLowerInvariant() + "=" + value, true))
            {
                continue;
            }

            var problem = Validators.TryGetValue(key, out var validate)
                ? validate(value.Trim(), compilation)
                : "unknown key; known keys are " + string.Join(", ", Validators.Keys.OrderBy(k => k, StringComparer.Ordinal));
            if (problem is not null && reportedKeys.TryAdd(key, true))
            {
                report(Diagnostic.Create(Rule, Location.None, key, value, problem));
            }
        }
    }

    private static string? ValidateTypeNames(string value, Compilation compilation)
    {
        var unknown = TypeNameList.Parse(value, compilation).Unresolved;
        return unknown.IsEmpty
            ? null
            : "no type named " + string.Join(", ", unknown) + " in this compilation (expected comma-separated metadata names such as Company.Sdk.InventoryClient or Company.Sdk.Pool`1)";
    }

    private static string? ValidateMethodNames(string value)
    {
        foreach (var entry in value.Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            var name = entry.Trim();
            if (name.Length > 0 && !name.Split('.').All(IsIdentifier))
            {
                return $"'{name}' is not a method name (expected Method, Type.Method or Namespace.Type.Method, comma-separated)";
            }
        }

        return null;
    }

    private static bool IsIdentifier(string part) =>
        part.Length > 0 && (char.IsLetter(part[0]) || part[0] == '_') && part.All(c => char.IsLetterOrDigit(c) || c == '_');
}
