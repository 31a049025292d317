using DmarcSecurity.Core.Posture;

namespace DmarcSecurity.Core.Tests.Posture;

public sealed class DmarcRecordParserTests
{
    private static IEnumerable<string> Codes(DmarcRecord r, FindingSeverity severity) => r.Findings.Where(f => f.Severity == severity).Select(f => f.Code);

    [Fact]
    public void A_complete_record_is_read_tag_by_tag()
    {
        var record = DmarcRecordParser.Parse(
            "v=DMARC1; p=reject; sp=quarantine; np=reject; pct=100; adkim=s; aspf=r; rua=mailto:dmarc@example.com,mailto:agg@reports.example.net!10m; ruf=mailto:ruf@example.com; fo=1:d; ri=86400");

        Assert.Equal(("reject", "quarantine", "reject", 100, "s", "r"), (record.P, record.Sp, record.Np, record.Pct, record.Adkim, record.Aspf));
        Assert.Equal(["example.com", "reports.example.net"], record.Rua.Select(u => u.Domain));
        Assert.Equal("10m", record.Rua[1].SizeLimit);
        Assert.Equal(("1:d", 86400L), (record.Fo, record.Ri));
        Assert.Empty(Codes(record, FindingSeverity.Error).Concat(Codes(record, FindingSeverity.Warning)));
        Assert.Contains("dmarc.p", Codes(record, FindingSeverity.Ok));
    }

    [Theory]
    [InlineData("p=reject; v=DMARC1", "dmarc.version")]
    [InlineData("v=DMARC2; p=reject", "dmarc.version")]
    [InlineData("v=DMARC1; p=block; rua=mailto:a@example.com", "dmarc.p")]
    [InlineData("v=DMARC1; p=reject; sp=maybe; rua=mailto:a@example.com", "dmarc.sp")]
    [InlineData("v=DMARC1; p=reject; pct=150; rua=mailto:a@example.com", "dmarc.pct")]
    [InlineData("v=DMARC1; p=reject; pct=-5; rua=mailto:a@example.com", "dmarc.pct")]
    [InlineData("v=DMARC1; p=reject; adkim=x; rua=mailto:a@example.com", "dmarc.adkim")]
    [InlineData("v=DMARC1; p=reject; rua=dmarc@example.com", "dmarc.rua")]
    [InlineData("v=DMARC1; p=reject; rua=mailto:nobody", "dmarc.rua")]
    [InlineData("v=DMARC1; p=reject; rua=mailto:a@example.com!lots", "dmarc.rua")]
    [InlineData("v=DMARC1; p=reject; fo=2; rua=mailto:a@example.com", "dmarc.fo")]
    [InlineData("v=DMARC1; p=reject; ri=daily; rua=mailto:a@example.com", "dmarc.ri")]
    [InlineData("v=DMARC1; p=reject; p=none; rua=mailto:a@example.com", "dmarc.duplicate-tag")]
    [InlineData("v=DMARC1; p=reject; oops; rua=mailto:a@example.com", "dmarc.syntax")]
    [InlineData("v=DMARC1; rua=mailto:a@example.com", "dmarc.p-missing")]
    public void Syntax_errors_are_reported_with_their_tag(string text, string code)
    {
        var record = DmarcRecordParser.Parse(text);

        Assert.Contains(code, Codes(record, FindingSeverity.Error));
    }

    [Fact]
    public void A_subdomain_record_without_p_is_not_an_error()
    {
        var record = DmarcRecordParser.Parse("v=DMARC1; sp=reject; rua=mailto:a@example.com", organisationalDomain: false);

        Assert.Empty(Codes(record, FindingSeverity.Error));
    }

    [Fact]
    public void Weak_settings_and_unknown_tags_are_warnings()
    {
        var record = DmarcRecordParser.Parse("v=DMARC1; p=none; pct=50; colour=blue");

        Assert.Equal(["dmarc.unknown-tag", "dmarc.p-none", "dmarc.pct", "dmarc.no-rua"], Codes(record, FindingSeverity.Warning));
        Assert.Empty(Codes(record, FindingSeverity.Error));
        Assert.Contains("colour", record.Findings[0].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v=DMARC1; p=none", true)]
    [InlineData("v=DMARC1", true)]
    [InlineData("v=spf1 -all", false)]
    [InlineData("v=dmarc1; p=none", false)]
    [InlineData("p=none; v=DMARC1", false)]
    public void Only_records_starting_with_v_DMARC1_are_DMARC_records(string text, bool expected) =>
        Assert.Equal(expected, DmarcRecordParser.IsDmarc(text));
}
