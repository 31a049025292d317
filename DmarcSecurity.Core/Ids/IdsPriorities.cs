namespace DmarcSecurity.Core.Ids;

/// <summary>The priority of an IDS entry: the sensor's own when it gives one, else that of its classification in
/// Snort's stock <c>classification.config</c> (by short name or by description), else none.</summary>
public static class IdsPriorities
{
    private static readonly Dictionary<string, int> s_classifications = Build(
        (1, "attempted-admin", "Attempted Administrator Privilege Gain"),
        (1, "attempted-user", "Attempted User Privilege Gain"),
        (1, "inappropriate-content", "Inappropriate Content was Detected"),
        (1, "policy-violation", "Potential Corporate Privacy Violation"),
        (1, "shellcode-detect", "Executable code was detected"),
        (1, "successful-admin", "Successful Administrator Privilege Gain"),
        (1, "successful-user", "Successful User Privilege Gain"),
        (1, "trojan-activity", "A Network Trojan was detected"),
        (1, "unsuccessful-user", "Unsuccessful User Privilege Gain"),
        (1, "web-application-attack", "Web Application Attack"),
        (1, "command-and-control", "Malware Command and Control Activity Detected"),
        (1, "exploit-kit", "Exploit Kit Activity Detected"),
        (1, "credential-theft", "Successful Credential Theft Detected"),
        (1, "targeted-activity", "Targeted Malicious Activity was Detected"),
        (2, "attempted-dos", "Attempted Denial of Service"),
        (2, "attempted-recon", "Attempted Information Leak"),
        (2, "bad-unknown", "Potentially Bad Traffic"),
        (2, "default-login-attempt", "Attempt to login by a default username and password"),
        (2, "denial-of-service", "Detection of a Denial of Service Attack"),
        (2, "misc-attack", "Misc Attack"),
        (2, "non-standard-protocol", "Detection of a non-standard protocol or event"),
        (2, "rpc-portmap-decode", "Decode of an RPC Query"),
        (2, "successful-dos", "Denial of Service"),
        (2, "successful-recon-largescale", "Large Scale Information Leak"),
        (2, "successful-recon-limited", "Information Leak"),
        (2, "suspicious-filename-detect", "A suspicious filename was detected"),
        (2, "suspicious-login", "An attempted login using a suspicious username was detected"),
        (2, "system-call-detect", "A system call was detected"),
        (2, "unusual-client-port-connection", "A client was using an unusual port"),
        (2, "web-application-activity", "Access to a potentially vulnerable web application"),
        (2, "social-engineering", "Possible Social Engineering Attempted"),
        (3, "icmp-event", "Generic ICMP event"),
        (3, "misc-activity", "Misc activity"),
        (3, "network-scan", "Detection of a Network Scan"),
        (3, "not-suspicious", "Not Suspicious Traffic"),
        (3, "protocol-command-decode", "Generic Protocol Command Decode"),
        (3, "string-detect", "A suspicious string was detected"),
        (3, "unknown", "Unknown Traffic"),
        (4, "tcp-connection", "A TCP connection was detected"));

    /// <summary>1 (highest) to 4, or null when neither the entry nor its classification gives one. A priority outside
    /// 1..4 from the sensor is brought into it (Snort 3 writes 0 for rules without one: read as none).</summary>
    public static int? Of(IdsEvent entry) =>
        entry.Priority is > 0 and int p ? Math.Min(p, 4)
        : entry.Classification is { } c && s_classifications.TryGetValue(c.Trim(), out var known) ? known
        : (int?)null;

    private static Dictionary<string, int> Build(params (int Priority, string Name, string Description)[] entries)
    {
        var table = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var (priority, name, description) in entries)
        {
            table[name] = priority;
            table[description] = priority;
        }

        return table;
    }

    /// <summary>How grave a source's IDS findings are by their highest priority: 1, 0.7, 0.4, 0.2 for 1, 2, 3, 4 and
    /// lower, and 0.4 when no finding gave a priority.</summary>
    public static double Gravity(int? topPriority) => topPriority switch { 1 => 1.0, 2 => 0.7, 3 => 0.4, null => 0.4, _ => 0.2 };
}
