using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LeakAnalyzers.Configuration;

/// <summary>
/// A <c>leak_analyzers.*</c> line of an <c>.editorconfig</c> or <c>.globalconfig</c> file that
/// reached the analyzers as an additional file, with the location of its value. Roslyn's
/// options do not say which file or line a setting came from; this is how LEAK900 finds it.
/// </summary>
internal sealed class SettingLine
{
    private SettingLine(string key, string value, Location location)
    {
        Key = key;
        Value = value;
        Location = location;
    }

    public string Key { get; }

    public string Value { get; }

    /// <summary>The value's text on its line.</summary>
    public Location Location { get; }

    /// <summary>The same key and value; the compiler cuts a trailing <c># comment</c> or <c>; comment</c> off the value.</summary>
    public bool Matches(string key, string value)
    {
        if (!string.Equals(Key, key, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = DroppedText(value);
        return rest is not null && (rest.Length == 0 || rest[0] is '#' or ';');
    }

    /// <summary>
    /// What follows the value the compiler read, when it cut the line at a <c>;</c>: in a list,
    /// that is entries separated by semicolons, which the compiler reads as a comment.
    /// </summary>
    public string? EntriesAfterSemicolon(string value)
    {
        if (DroppedText(value) is not { Length: > 1 } rest || rest[0] != ';')
        {
            return null;
        }

        var comment = rest.IndexOf('#');
        var entries = (comment < 0 ? rest.Substring(1) : rest.Substring(1, comment - 1)).Trim();
        return entries.Length > 0 ? entries : null;
    }

    private string? DroppedText(string value)
    {
        value = value.Trim();
        return Value.StartsWith(value, StringComparison.Ordinal) ? Value.Substring(value.Length).TrimStart() : null;
    }

    public static bool IsSettingsFile(string path)
    {
        var name = path.Substring(path.LastIndexOfAny(new[] { '/', '\\' }) + 1);
        return name.Equals(".editorconfig", StringComparison.OrdinalIgnoreCase) ||
               name.EndsWith(".globalconfig", StringComparison.OrdinalIgnoreCase);
    }

    public static ImmutableArray<SettingLine> ReadAll(ImmutableArray<AdditionalText> files, CancellationToken cancellationToken)
    {
        var lines = ImmutableArray.CreateBuilder<SettingLine>();
        foreach (var file in files)
        {
            if (!IsSettingsFile(file.Path) || file.GetText(cancellationToken) is not { } text)
            {
                continue;
            }

            foreach (var line in text.Lines)
            {
                if (Parse(file.Path, text, line) is { } setting)
                {
                    lines.Add(setting);
                }
            }
        }

        return lines.ToImmutable();
    }

    /// <summary><c>key = value</c> or <c>key : value</c>, as the compiler reads them; comments and sections are not settings.</summary>
    private static SettingLine? Parse(string path, SourceText text, TextLine line)
    {
        var content = text.ToString(line.Span);
        var trimmed = content.TrimStart();
        if (!trimmed.StartsWith(OptionKeys.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var separator = content.IndexOfAny(new[] { '=', ':' });
        if (separator < 0)
        {
            return null;
        }

        var key = content.Substring(0, separator).Trim();
        var rawValue = content.Substring(separator + 1);
        var value = rawValue.Trim();
        var valueStart = line.Start + separator + 1 + (rawValue.Length - rawValue.TrimStart().Length);
        var span = new TextSpan(valueStart, value.Length);
        return new SettingLine(key, value, Location.Create(path, span, text.Lines.GetLinePositionSpan(span)));
    }
}
