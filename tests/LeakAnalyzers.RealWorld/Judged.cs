namespace LeakAnalyzers.RealWorld;

/// <summary>One judged line of judged.tsv: TP/FP for a reported diagnostic, FN for a real leak found by reading that was not reported.</summary>
internal sealed record Judged(string Repository, string Commit, string File, int Line, string Rule, string Verdict, string Reason)
{
    /// <summary>The entries of one repository; '#' starts a comment line, the first line is the header.</summary>
    public static IReadOnlyList<Judged> Load(string path, string repository)
    {
        if (!System.IO.File.Exists(path))
        {
            return Array.Empty<Judged>();
        }

        return System.IO.File.ReadLines(path)
            .Skip(1)
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('\t'))
            .Where(fields => fields.Length >= 7 && string.Equals(fields[0], repository, StringComparison.OrdinalIgnoreCase))
            .Select(fields => new Judged(fields[0], fields[1], fields[2], int.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture), fields[4], fields[5], fields[6]))
            .ToList();
    }
}
