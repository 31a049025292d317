namespace DmarcSecurity.Core.Reports;

/// <summary>The words a schema allows for one field; matching ignores case and returns a shared instance.</summary>
internal sealed class Vocabulary(string field, params string[] words)
{
    public static readonly Vocabulary Disposition7489 = new("disposition", "none", "quarantine", "reject");
    public static readonly Vocabulary Disposition9990 = new("disposition", "none", "quarantine", "reject", "pass");
    public static readonly Vocabulary PolicyResult = new("policy_evaluated result", "pass", "fail");
    public static readonly Vocabulary DkimResult = new("dkim result", "none", "pass", "fail", "policy", "neutral", "temperror", "permerror");
    public static readonly Vocabulary SpfResult = new("spf result", "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror");
    public static readonly Vocabulary SpfScope = new("spf scope", "mfrom", "helo");
    public static readonly Vocabulary Policy = new("policy", "none", "quarantine", "reject");
    public static readonly Vocabulary Alignment = new("alignment", "r", "s");
    public static readonly Vocabulary Testing = new("testing", "n", "y");
    public static readonly Vocabulary DiscoveryMethod = new("discovery_method", "psl", "treewalk");

    public static readonly Vocabulary Reason7489 = new(
        "reason type", "forwarded", "sampled_out", "trusted_forwarder", "mailing_list", "local_policy", "other");

    public static readonly Vocabulary Reason9990 = new(
        "reason type", "forwarded", "sampled_out", "trusted_forwarder", "mailing_list", "local_policy", "other", "policy_test_mode");

    public string Field { get; } = field;

    /// <summary>Returns the schema's word, or the value lower-cased (and <paramref name="standard"/> false).</summary>
    public string Normalise(ReadOnlySpan<char> value, out bool standard)
    {
        foreach (var word in words)
        {
            if (value.Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                standard = true;
                return word;
            }
        }

        standard = false;
        return value.ToString().ToLowerInvariant();
    }
}
