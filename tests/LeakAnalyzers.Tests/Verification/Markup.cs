using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace LeakAnalyzers.Tests.Verification;

/// <summary>An expected diagnostic written in test markup: <c>[|...|]</c> (the rule under test) or <c>{|LEAK001:...|}</c>.</summary>
public sealed record ExpectedDiagnostic(string FilePath, TextSpan Span, string? Id);

/// <summary>Parses the markup conventions of the Roslyn SDK testing libraries.</summary>
public static class Markup
{
    public static (string Text, List<(TextSpan Span, string? Id)> Spans) Parse(string markup)
    {
        var text = new StringBuilder(markup.Length);
        var spans = new List<(TextSpan, string?)>();
        var open = new Stack<(int Start, string? Id, int MarkupPosition)>();
        var i = 0;
        while (i < markup.Length)
        {
            if (Matches(markup, i, "[|"))
            {
                open.Push((text.Length, null, i));
                i += 2;
            }
            else if (Matches(markup, i, "{|") && TryReadId(markup, i + 2, out var id, out var afterId))
            {
                open.Push((text.Length, id, i));
                i = afterId;
            }
            else if (Matches(markup, i, "|]") || Matches(markup, i, "|}"))
            {
                var closesId = markup[i + 1] == '}';
                if (open.Count == 0)
                {
                    throw new FormatException($"Markup closes '{markup.Substring(i, 2)}' at {i} without an opening.");
                }

                var (start, openId, position) = open.Pop();
                if ((openId is null) == closesId)
                {
                    throw new FormatException($"Markup opened at {position} is closed by the wrong bracket at {i}.");
                }

                spans.Add((TextSpan.FromBounds(start, text.Length), openId));
                i += 2;
            }
            else
            {
                text.Append(markup[i]);
                i++;
            }
        }

        if (open.Count > 0)
        {
            throw new FormatException($"Markup opened at {open.Peek().MarkupPosition} is never closed.");
        }

        return (text.ToString(), spans);
    }

    private static bool Matches(string text, int index, string token) =>
        string.CompareOrdinal(text, index, token, 0, token.Length) == 0;

    private static bool TryReadId(string markup, int start, out string id, out int afterId)
    {
        var end = start;
        while (end < markup.Length && char.IsLetterOrDigit(markup[end]))
        {
            end++;
        }

        if (end > start && end < markup.Length && markup[end] == ':')
        {
            id = markup.Substring(start, end - start);
            afterId = end + 1;
            return true;
        }

        id = string.Empty;
        afterId = start;
        return false;
    }
}
