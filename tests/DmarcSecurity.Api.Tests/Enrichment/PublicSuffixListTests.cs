using DmarcSecurity.Api.Enrichment;

namespace DmarcSecurity.Api.Tests.Enrichment;

public sealed class PublicSuffixListTests
{
    private static readonly Lazy<PublicSuffixList> s_debian = new(() => PublicSuffixList.Load(Api.Enrichment.EnrichmentOptions.DebianPublicSuffixList));

    [Theory]
    [InlineData("mail-wr1-f54.google.com", "google.com")]
    [InlineData("mail-wr1-f54.google.com.", "google.com")]
    [InlineData("MAIL.Example.CO.UK", "example.co.uk")]
    [InlineData("mx0a-00123401.pphosted.com", "pphosted.com")]
    [InlineData("mail-dm6nam12on2071.outbound.protection.outlook.com", "outlook.com")]
    [InlineData("a8-30.smtp-out.amazonses.com", "amazonses.com")]
    [InlineData("smtp.city.kawasaki.jp", "city.kawasaki.jp")]
    [InlineData("host.foo.kawasaki.jp", "host.foo.kawasaki.jp")]
    [InlineData("mail.example.unknowntld", "example.unknowntld")]
    public void The_registrable_domain_follows_Debians_list(string name, string expected) =>
        Assert.Equal(expected, s_debian.Value.RegistrableDomain(name));

    [Theory]
    [InlineData("co.uk")]
    [InlineData("com")]
    [InlineData("")]
    [InlineData("a..b.com")]
    public void A_public_suffix_or_a_broken_name_has_no_registrable_domain(string name) =>
        Assert.Null(s_debian.Value.RegistrableDomain(name));

    [Fact]
    public void Wildcards_exceptions_and_internationalised_rules_are_applied()
    {
        var list = PublicSuffixList.Parse(new StringReader("""
            // a comment
            com
            *.ck
            !www.ck
            xn--p1ai
            рф.example
            """));

        Assert.Equal("b.a.ck", list.RegistrableDomain("mail.b.a.ck"));
        Assert.Equal("www.ck", list.RegistrableDomain("mail.www.ck"));
        Assert.Equal("sender.xn--p1ai", list.RegistrableDomain("mx.sender.xn--p1ai"));
        Assert.Equal("b.xn--p1ai.example", list.RegistrableDomain("a.b.рф.example"));
        Assert.Equal(5, list.RuleCount);
    }
}
