using DmarcSecurity.Core.Posture;

namespace DmarcSecurity.Core.Tests.Posture;

public sealed class SpfRecordParserTests
{
    [Fact]
    public void Mechanisms_and_modifiers_are_read_with_their_qualifiers()
    {
        var record = SpfRecordParser.Parse("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24 include:_spf.google.com ~exists:%{i}.bl.example.com -all exp=explain.example.com");

        Assert.Equal(["ip4", "ip6", "a", "mx", "include", "exists", "all"], record.Mechanisms.Select(m => m.Name));
        Assert.Equal(4, record.Mechanisms.Count(m => m.CountsAsLookup));
        Assert.Equal(('~', "%{i}.bl.example.com"), (record.Mechanisms[5].Qualifier, record.Mechanisms[5].Target));
        Assert.Equal('-', record.All!.Qualifier);
        Assert.Equal("explain.example.com", record.Exp);
        Assert.Empty(record.Findings);
    }

    [Theory]
    [InlineData("v=spf1 +all", FindingSeverity.Error, "spf.pass-all")]
    [InlineData("v=spf1 ?all", FindingSeverity.Warning, "spf.neutral-all")]
    [InlineData("v=spf1 ip4:192.0.2.1", FindingSeverity.Warning, "spf.no-all")]
    [InlineData("v=spf1 ptr -all", FindingSeverity.Warning, "spf.ptr")]
    [InlineData("v=spf1 -all include:late.example.com", FindingSeverity.Warning, "spf.after-all")]
    [InlineData("v=spf1 ip4:300.1.1.1 -all", FindingSeverity.Error, "spf.syntax")]
    [InlineData("v=spf1 ip4:192.0.2.0/33 -all", FindingSeverity.Error, "spf.syntax")]
    [InlineData("v=spf1 ip6:192.0.2.1 -all", FindingSeverity.Error, "spf.syntax")]
    [InlineData("v=spf1 include -all", FindingSeverity.Error, "spf.syntax")]
    [InlineData("v=spf1 allow:all -all", FindingSeverity.Error, "spf.syntax")]
    [InlineData("v=spf1 redirect=a.example.com redirect=b.example.com", FindingSeverity.Error, "spf.duplicate-modifier")]
    public void Risky_and_broken_terms_are_found(string text, FindingSeverity severity, string code)
    {
        var record = SpfRecordParser.Parse(text);

        Assert.Contains(record.Findings, f => f.Severity == severity && f.Code == code);
    }

    [Fact]
    public void A_redirect_stands_in_for_all()
    {
        var record = SpfRecordParser.Parse("v=spf1 ip4:192.0.2.1 redirect=_spf.example.com");

        Assert.Equal("_spf.example.com", record.Redirect);
        Assert.Empty(record.Findings);
    }

    [Theory]
    [InlineData("v=spf1 -all", true)]
    [InlineData("v=spf1", true)]
    [InlineData("V=SPF1 -all", true)]
    [InlineData("v=spf10 -all", false)]
    [InlineData("spf1 -all", false)]
    public void Only_v_spf1_records_are_SPF(string text, bool expected) => Assert.Equal(expected, SpfRecordParser.IsSpf(text));
}
