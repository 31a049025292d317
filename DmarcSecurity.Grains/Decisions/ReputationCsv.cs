using System.Globalization;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Decisions;

public sealed record ReputationParseResult(IReadOnlyList<ReputationEntry> Entries, IReadOnlyList<string> Errors);

/// <summary>
/// Reads a reputation list as CSV lines <c>network,score,source</c>: network an address or CIDR block, score a
/// number from 0 to 1 (invariant culture), source free text (may hold commas; surrounding quotes are removed).
/// An optional header line, blank lines and lines starting with '#' are skipped. A bad line is reported with its
/// line number and skipped; the rest of the list still loads.
/// </summary>
public static class ReputationCsv
{
    public static ReputationParseResult Parse(string text)
    {
        var entries = new List<ReputationEntry>();
        var errors = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')
                || (entries.Count == 0 && errors.Count == 0 && line.StartsWith("network,", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var fields = line.Split(',', 3);
            var number = i + 1;
            if (fields.Length < 2)
            {
                errors.Add($"line {number}: expected network,score,source");
            }
            else if (!Networks.TryParse(Unquote(fields[0]), out var network))
            {
                errors.Add($"line {number}: '{Unquote(fields[0])}' is neither an IP address nor a CIDR block");
            }
            else if (!double.TryParse(Unquote(fields[1]), NumberStyles.Float, CultureInfo.InvariantCulture, out var score)
                     || !double.IsFinite(score) || score < 0 || score > 1)
            {
                errors.Add($"line {number}: score '{Unquote(fields[1])}' is not a number from 0 to 1");
            }
            else
            {
                entries.Add(new ReputationEntry(network, score, fields.Length > 2 ? Unquote(fields[2]) : ""));
            }
        }

        return new ReputationParseResult(entries, errors);
    }

    private static string Unquote(string field)
    {
        var trimmed = field.Trim();
        return trimmed.Length >= 2 && trimmed[0] == '"' && trimmed[^1] == '"' ? trimmed[1..^1].Replace("\"\"", "\"").Trim() : trimmed;
    }
}
