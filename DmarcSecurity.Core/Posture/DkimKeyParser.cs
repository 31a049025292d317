using System.Security.Cryptography;

namespace DmarcSecurity.Core.Posture;

/// <summary>A DKIM key record (RFC 6376 section 3.6.1, ed25519 from RFC 8463).</summary>
/// <param name="KeyType">k=, <c>rsa</c> when not given.</param>
/// <param name="KeyBits">The RSA modulus size, or 256 for ed25519; null when the key could not be read.</param>
/// <param name="Revoked">p= is empty: the key was withdrawn.</param>
public sealed record DkimKey(string Text, string KeyType, int? KeyBits, bool Revoked, bool Testing, IReadOnlyList<PostureFinding> Findings);

/// <summary>Parses a DKIM key record and measures its key with System.Security.Cryptography.</summary>
public static class DkimKeyParser
{
    private static readonly HashSet<string> s_known = ["v", "h", "k", "n", "p", "s", "t", "g"];

    public static DkimKey Parse(string text)
    {
        var findings = new List<PostureFinding>();
        var tags = TagList.Split(text);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in tags)
        {
            if (value is null)
            {
                findings.Add(PostureFinding.Error("dkim.syntax", $"'{TagList.Quote(name, 40)}' is not a tag=value pair."));
            }
            else if (!values.TryAdd(name, value))
            {
                findings.Add(PostureFinding.Error("dkim.duplicate-tag", $"The tag {name} appears more than once."));
            }
            else if (!s_known.Contains(name))
            {
                findings.Add(PostureFinding.Warning("dkim.unknown-tag", $"Unknown tag '{TagList.Quote(name, 40)}'."));
            }
        }

        if (values.TryGetValue("v", out var version) && (version != "DKIM1" || tags[0].Name != "v"))
        {
            findings.Add(PostureFinding.Error("dkim.version", $"v={TagList.Quote(version, 20)}: a DKIM key record has v=DKIM1, first, or no v= at all."));
        }

        var keyType = values.TryGetValue("k", out var k) ? k.ToLowerInvariant() : "rsa";
        var testing = values.TryGetValue("t", out var flags) && flags.Split(':').Any(f => f.Trim() == "y");
        if (testing)
        {
            findings.Add(PostureFinding.Warning("dkim.testing", "t=y: the domain says it is testing DKIM; receivers may treat signatures as unsigned."));
        }

        if (!values.TryGetValue("p", out var p))
        {
            findings.Add(PostureFinding.Error("dkim.no-key", "The record has no p= tag (the public key)."));
            return new DkimKey(text, keyType, null, false, testing, findings);
        }

        var base64 = string.Concat(p.Where(c => !char.IsWhiteSpace(c)));
        if (base64.Length == 0)
        {
            findings.Add(PostureFinding.Warning("dkim.revoked", "p= is empty: this key was revoked; mail signed with it fails DKIM."));
            return new DkimKey(text, keyType, null, true, testing, findings);
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            findings.Add(PostureFinding.Error("dkim.key-encoding", "p= is not valid base64."));
            return new DkimKey(text, keyType, null, false, testing, findings);
        }

        int? bits = keyType switch
        {
            "rsa" => RsaBits(key, findings),
            "ed25519" when key.Length == 32 => 256,
            "ed25519" => null,
            _ => null,
        };
        switch (keyType, bits)
        {
            case ("rsa", < 1024):
                findings.Add(PostureFinding.Error("dkim.key-weak", $"RSA key of {bits} bits: receivers ignore keys under 1024 bits, and they can be broken."));
                break;
            case ("rsa", < 2048):
                findings.Add(PostureFinding.Warning("dkim.key-short", $"RSA key of {bits} bits: 1024-bit keys are the minimum; 2048 bits are recommended."));
                break;
            case ("rsa", { } size):
                findings.Add(PostureFinding.Ok("dkim.key", $"RSA key of {size} bits."));
                break;
            case ("ed25519", 256):
                findings.Add(PostureFinding.Ok("dkim.key", "Ed25519 key (many receivers verify only RSA: sign with both)."));
                break;
            case ("ed25519", null):
                findings.Add(PostureFinding.Error("dkim.key-invalid", $"An Ed25519 key is 32 bytes; this one is {key.Length}."));
                break;
            default:
                findings.Add(PostureFinding.Error("dkim.key-type", $"k={TagList.Quote(keyType, 20)} is not a key type receivers know (rsa, ed25519)."));
                break;
        }

        return new DkimKey(text, keyType, bits, false, testing, findings);
    }

    private static int? RsaBits(byte[] key, List<PostureFinding> findings)
    {
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(key, out _);
            return rsa.KeySize;
        }
        catch (CryptographicException)
        {
        }

        try
        {
            // Some publish the bare RSAPublicKey (PKCS#1) instead of the SubjectPublicKeyInfo RFC 6376 asks for.
            rsa.ImportRSAPublicKey(key, out _);
            findings.Add(PostureFinding.Warning("dkim.key-format", "p= holds a bare PKCS#1 RSA key, not the SubjectPublicKeyInfo RFC 6376 asks for; some receivers refuse it."));
            return rsa.KeySize;
        }
        catch (CryptographicException)
        {
            findings.Add(PostureFinding.Error("dkim.key-invalid", "p= does not hold an RSA public key."));
            return null;
        }
    }
}

/// <summary>The MTA-STS TXT record (RFC 8461 section 3.1) and the TLS-RPT record (RFC 8460 section 3).</summary>
public static class SmtpTlsRecordParser
{
    /// <summary>True when the text is meant as an MTA-STS record.</summary>
    public static bool IsMtaSts(string text) => TagList.Split(text) is [("v", "STSv1"), ..];

    /// <summary>True when the text is meant as a TLS-RPT record.</summary>
    public static bool IsTlsRpt(string text) => TagList.Split(text) is [("v", "TLSRPTv1"), ..];

    public static IReadOnlyList<PostureFinding> CheckMtaSts(string text)
    {
        var findings = new List<PostureFinding>();
        var tags = TagList.Split(text);
        if (tags is not [("v", "STSv1"), ..])
        {
            findings.Add(PostureFinding.Error("mta-sts.version", "The record does not start with v=STSv1."));
        }

        var id = tags.Where(t => t.Name == "id").Select(t => t.Value).ToList();
        if (id.Count == 0)
        {
            findings.Add(PostureFinding.Error("mta-sts.id", "The record has no id= (the policy's version, which senders use to notice a change)."));
        }
        else if (id.Count > 1 || id[0] is not { Length: >= 1 and <= 32 } value || !value.All(char.IsAsciiLetterOrDigit))
        {
            findings.Add(PostureFinding.Error("mta-sts.id", "id= must appear once and be 1 to 32 letters and digits."));
        }

        foreach (var (name, _) in tags.Where(t => t.Value is null))
        {
            findings.Add(PostureFinding.Error("mta-sts.syntax", $"'{TagList.Quote(name, 40)}' is not a tag=value pair."));
        }

        if (findings.Count == 0)
        {
            findings.Add(PostureFinding.Ok("mta-sts.record", $"MTA-STS is announced (id={id[0]})."));
        }

        return findings;
    }

    public static IReadOnlyList<PostureFinding> CheckTlsRpt(string text)
    {
        var findings = new List<PostureFinding>();
        var tags = TagList.Split(text);
        if (tags is not [("v", "TLSRPTv1"), ..])
        {
            findings.Add(PostureFinding.Error("tls-rpt.version", "The record does not start with v=TLSRPTv1."));
        }

        var rua = tags.Where(t => t.Name == "rua").Select(t => t.Value).ToList();
        if (rua.Count != 1 || string.IsNullOrWhiteSpace(rua[0]))
        {
            findings.Add(PostureFinding.Error("tls-rpt.rua", "The record needs exactly one rua= with where to send the reports."));
        }
        else
        {
            foreach (var uri in rua[0]!.Split(',', StringSplitOptions.TrimEntries))
            {
                var ok = (uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) && uri.Contains('@', StringComparison.Ordinal))
                    || (uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(uri, UriKind.Absolute, out _));
                if (!ok)
                {
                    findings.Add(PostureFinding.Error("tls-rpt.rua", $"rua: '{TagList.Quote(uri, 60)}' is neither a mailto: address nor an https: URL."));
                }
            }
        }

        if (findings.Count == 0)
        {
            findings.Add(PostureFinding.Ok("tls-rpt.record", $"TLS reports go to {rua[0]}."));
        }

        return findings;
    }
}
