namespace DmarcSecurity.Core.Posture;

/// <summary>How bad a posture finding is.</summary>
public enum FindingSeverity
{
    /// <summary>As it should be.</summary>
    Ok,

    /// <summary>Works, but weaker or riskier than it should be.</summary>
    Warning,

    /// <summary>Broken: receivers ignore the record, or mail fails because of it.</summary>
    Error,
}

/// <summary>One thing a posture check found about a record, in words an analyst understands.</summary>
/// <param name="Code">Stable short key of the finding (<c>dmarc.p-none</c>, <c>spf.too-many-lookups</c>), for comparing checks.</param>
public sealed record PostureFinding(FindingSeverity Severity, string Code, string Message)
{
    /// <summary>An ok finding.</summary>
    public static PostureFinding Ok(string code, string message) => new(FindingSeverity.Ok, code, message);

    /// <summary>A warning.</summary>
    public static PostureFinding Warning(string code, string message) => new(FindingSeverity.Warning, code, message);

    /// <summary>An error.</summary>
    public static PostureFinding Error(string code, string message) => new(FindingSeverity.Error, code, message);

    /// <summary>The worst severity among <paramref name="findings"/>, <see cref="FindingSeverity.Ok"/> when there are none.</summary>
    public static FindingSeverity Worst(IEnumerable<PostureFinding> findings) =>
        findings.Select(f => f.Severity).DefaultIfEmpty(FindingSeverity.Ok).Max();
}

/// <summary>Splits <c>tag=value; tag=value</c> lists (DMARC, DKIM, MTA-STS and TLS-RPT records).</summary>
public static class TagList
{
    /// <summary>The tags in order, names lower-cased, values trimmed; a part without <c>=</c> is given with a null value.</summary>
    public static IReadOnlyList<(string Name, string? Value)> Split(string text)
    {
        var tags = new List<(string, string?)>();
        foreach (var part in text.Split(';'))
        {
            var item = part.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            var equals = item.IndexOf('=', StringComparison.Ordinal);
            tags.Add(equals < 0 ? (item.ToLowerInvariant(), null) : (item[..equals].Trim().ToLowerInvariant(), item[(equals + 1)..].Trim()));
        }

        return tags;
    }

    /// <summary>A record text shortened for a message.</summary>
    public static string Quote(string text, int max = 80) => text.Length <= max ? text : text[..max] + "…";
}
