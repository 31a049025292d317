using System.Security.Cryptography;
using DmarcSecurity.Core.Posture;

namespace DmarcSecurity.Core.Tests.Posture;

public sealed class DkimKeyParserTests
{
    private static string Key(int bits)
    {
        using var rsa = RSA.Create(bits);
        return Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
    }

    [Theory]
    [InlineData(2048, FindingSeverity.Ok, "dkim.key")]
    [InlineData(1024, FindingSeverity.Warning, "dkim.key-short")]
    [InlineData(512, FindingSeverity.Error, "dkim.key-weak")]
    public void RSA_keys_are_measured_and_judged_by_size(int bits, FindingSeverity severity, string code)
    {
        var key = DkimKeyParser.Parse($"v=DKIM1; k=rsa; p={Key(bits)}");

        Assert.Equal(("rsa", (int?)bits, false), (key.KeyType, key.KeyBits, key.Revoked));
        Assert.Equal((severity, code), (key.Findings.Single().Severity, key.Findings.Single().Code));
    }

    [Fact]
    public void An_empty_p_is_a_revoked_key()
    {
        var key = DkimKeyParser.Parse("v=DKIM1; p=");

        Assert.True(key.Revoked);
        Assert.Equal("dkim.revoked", key.Findings.Single().Code);
    }

    [Fact]
    public void A_bare_PKCS1_key_is_measured_with_a_warning()
    {
        using var rsa = RSA.Create(2048);
        var key = DkimKeyParser.Parse($"p={Convert.ToBase64String(rsa.ExportRSAPublicKey())}");

        Assert.Equal(2048, key.KeyBits);
        Assert.Contains(key.Findings, f => f.Code == "dkim.key-format" && f.Severity == FindingSeverity.Warning);
    }

    [Theory]
    [InlineData("v=DKIM1; p=!!notbase64", "dkim.key-encoding")]
    [InlineData("v=DKIM1; p=AAAA", "dkim.key-invalid")]
    [InlineData("v=DKIM1; k=dsa; p=AAAA", "dkim.key-type")]
    [InlineData("v=DKIM1; k=rsa", "dkim.no-key")]
    [InlineData("k=rsa; v=DKIM1; p=", "dkim.version")]
    public void Broken_keys_are_errors(string text, string code) =>
        Assert.Contains(DkimKeyParser.Parse(text).Findings, f => f.Code == code && f.Severity == FindingSeverity.Error);

    [Fact]
    public void An_Ed25519_key_is_32_bytes()
    {
        var key = DkimKeyParser.Parse($"v=DKIM1; k=ed25519; p={Convert.ToBase64String(new byte[32])}");

        Assert.Equal(("ed25519", (int?)256), (key.KeyType, key.KeyBits));
        Assert.Equal(FindingSeverity.Ok, key.Findings.Single().Severity);
    }

    [Theory]
    [InlineData("v=STSv1; id=20261207T0000", FindingSeverity.Ok)]
    [InlineData("v=STSv1;", FindingSeverity.Error)]
    [InlineData("v=STSv1; id=has-dash", FindingSeverity.Error)]
    public void MTA_STS_records_need_an_id(string text, FindingSeverity worst) =>
        Assert.Equal(worst, PostureFinding.Worst(SmtpTlsRecordParser.CheckMtaSts(text)));

    [Theory]
    [InlineData("v=TLSRPTv1; rua=mailto:tls@example.com", FindingSeverity.Ok)]
    [InlineData("v=TLSRPTv1; rua=https://reports.example.com/tls", FindingSeverity.Ok)]
    [InlineData("v=TLSRPTv1; rua=ftp://example.com", FindingSeverity.Error)]
    [InlineData("v=TLSRPTv1", FindingSeverity.Error)]
    public void TLS_RPT_records_need_a_mailto_or_https_rua(string text, FindingSeverity worst) =>
        Assert.Equal(worst, PostureFinding.Worst(SmtpTlsRecordParser.CheckTlsRpt(text)));
}
