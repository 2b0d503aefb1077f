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
/// LEAK900: a <c>leak_analyzers.*</c> setting, or some entries of one, that the rules cannot use
/// and so ignore, which would otherwise go unnoticed. Says which key, exactly which values are
/// ignored and what applies instead, once per compilation per key. The diagnostic points at the
/// setting's line when the configuration file is among the additional files (the package's
/// build/LeakAnalyzers.targets adds the project's .editorconfig and .globalconfig files);
/// otherwise it has no location and the message says which kind of file the setting came from.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ConfigurationAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptors.Create(
        RuleIdentifiers.InvalidConfiguration,
        title: "Invalid LeakAnalyzers configuration",
        messageFormat: "'{0} = {1}'{2}: {3}",
        description: "A leak_analyzers.* key in .editorconfig or .globalconfig has a value, or list entries, the rules cannot use (not a number, a negative timeout, an unknown type or method name, or an unknown key). The message names each ignored value and what applies instead: the other entries of a list, or the rule's default.");

    private const string TimeoutDefault = "the code fixes write the default, 30 seconds";

    private static readonly ImmutableDictionary<string, Func<string, Compilation, string?>> Validators =
        new Dictionary<string, Func<string, Compilation, string?>>(StringComparer.OrdinalIgnoreCase)
        {
            [OptionKeys.OwnershipTransferMethods] = (value, _) => ValidateMethodNames(value),
            [OptionKeys.DisposingMethods] = (value, _) => ValidateMethodNames(value),
            [OptionKeys.ClientTypes] = ValidateTypeNames,
            [OptionKeys.ClientTypesExclude] = ValidateTypeNames,
            [OptionKeys.RequestTypes] = ValidateTypeNames,
            [OptionKeys.HttpClientIgnoreTests] = (value, _) => bool.TryParse(value, out var _)
                ? null
                : $"'{value}' ignored (expected true or false); LEAK002 uses the default, false (test code is reported)",
            [OptionKeys.DefaultTimeout] = (value, _) =>
                double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && !double.IsInfinity(seconds)
                    ? null
                    : $"'{value}' ignored (expected a positive number of seconds, such as 30); {TimeoutDefault}",
        }.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly ImmutableHashSet<string> ListKeys = ImmutableHashSet.Create(
        StringComparer.OrdinalIgnoreCase,
        OptionKeys.OwnershipTransferMethods,
        OptionKeys.DisposingMethods,
        OptionKeys.ClientTypes,
        OptionKeys.ClientTypesExclude,
        OptionKeys.RequestTypes);

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
            var settingLines = new Lazy<ImmutableArray<SettingLine>>(() => SettingLine.ReadAll(start.Options.AdditionalFiles, start.CancellationToken));
            start.RegisterSyntaxTreeAction(treeContext =>
            {
                var global = provider.GlobalOptions;
                Check(global, source: null);
                Check(provider.GetOptions(treeContext.Tree), source: treeContext.Tree.FilePath);

                void Check(AnalyzerConfigOptions options, string? source)
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
                            : UnknownKey(key);
                        var line = problem is null && !ListKeys.Contains(key) ? null : settingLines.Value.FirstOrDefault(l => l.Matches(key, value));
                        if (ListKeys.Contains(key) && line?.EntriesAfterSemicolon(value) is { } dropped)
                        {
                            problem = (problem is null ? "" : problem + "; ") +
                                      $"'{dropped}' after ';' ignored (.editorconfig and .globalconfig read ';' and '#' as the start of a comment: separate entries with commas)";
                        }

                        if (problem is null || !reportedKeys.TryAdd(key, true))
                        {
                            continue;
                        }

                        // A tree's options include the global ones: a value equal to the global one came from there.
                        var fromGlobal = source is null || (global.TryGetValue(key, out var globalValue) && globalValue == value);
                        var origin = line is not null ? ""
                            : fromGlobal ? " (set in a .globalconfig)"
                            : $" (set in the .editorconfig that applies to {source})";
                        treeContext.ReportDiagnostic(Diagnostic.Create(Rule, line?.Location ?? Location.None, key, value, origin, problem));
                    }
                }
            });
        });
    }

    private static string? ValidateTypeNames(string value, Compilation compilation)
    {
        var list = TypeNameList.Parse(value, compilation);
        return list.Unresolved.IsEmpty
            ? null
            : Ignored(list.Unresolved, "no such type in this compilation; expected metadata names such as Company.Sdk.InventoryClient or Company.Sdk.Pool`1", list.Unresolved.Length < Entries(value).Count());
    }

    private static string? ValidateMethodNames(string value)
    {
        var invalid = Entries(value).Where(name => !name.Split('.').All(IsIdentifier)).ToImmutableArray();
        return invalid.IsEmpty
            ? null
            : Ignored(invalid, "not a method name; expected Method, Type.Method or Namespace.Type.Method", invalid.Length < Entries(value).Count());
    }

    private static string Ignored(ImmutableArray<string> entries, string why, bool othersApply) =>
        string.Join(", ", entries.Select(e => $"'{e}'")) + $" ignored ({why}); " +
        (othersApply ? "the other entries apply" : "no entry applies");

    private static IEnumerable<string> Entries(string value) =>
        value.Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).Where(e => e.Length > 0);

    private static string UnknownKey(string key)
    {
        var closest = Validators.Keys
            .Select(known => (Known: known, Distance: EditDistance(key.ToLowerInvariant(), known.ToLowerInvariant())))
            .OrderBy(c => c.Distance)
            .First();
        var suggestion = closest.Distance <= 3 ? $"did you mean {closest.Known}? " : "";
        return $"ignored: no such setting ({suggestion}known settings: {string.Join(", ", Validators.Keys.OrderBy(k => k, StringComparer.Ordinal))})";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    private static bool IsIdentifier(string part) =>
        part.Length > 0 && (char.IsLetter(part[0]) || part[0] == '_') && part.All(c => char.IsLetterOrDigit(c) || c == '_');
}
