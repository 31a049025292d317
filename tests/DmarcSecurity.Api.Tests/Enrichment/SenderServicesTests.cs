using DmarcSecurity.Api.Enrichment;

namespace DmarcSecurity.Api.Tests.Enrichment;

public sealed class SenderServicesTests
{
    private static readonly SenderServices s_map = SenderServices.Load();

    [Fact]
    public void The_map_covers_at_least_150_services_with_known_kinds_and_no_domain_twice()
    {
        Assert.True(s_map.All.Count >= 150, $"{s_map.All.Count} services");
        Assert.All(s_map.All, s => Assert.Contains(s.Kind, SenderServices.Kinds));
        Assert.Equal(s_map.All.Count, s_map.All.Select(s => s.Name).Distinct().Count());
        Assert.Equal(s_map.All.Sum(s => s.Domains.Count), s_map.All.SelectMany(s => s.Domains).Distinct().Count());
    }

    [Theory]
    [InlineData("mail-wr1-f54.google.com", "Google Workspace", "mailbox-provider")]
    [InlineData("mail-ot1-f41.1e100.net", "Google Workspace", "mailbox-provider")]
    [InlineData("mail-dm6nam12on2071.outbound.protection.outlook.com", "Microsoft 365", "mailbox-provider")]
    [InlineData("mail-oln040092010071.outbound.outlook.com", "Outlook.com", "mailbox-provider")]
    [InlineData("a8-30.smtp-out.amazonses.com", "Amazon SES", "transactional")]
    [InlineData("o1.ptr4613.sendgrid.net", "SendGrid", "transactional")]
    [InlineData("mail180-5.suw21.mcsv.net", "Mailchimp", "marketing")]
    [InlineData("mail132-4.atl131.mandrillapp.com", "Mandrill (Mailchimp Transactional)", "transactional")]
    [InlineData("m42-8.mailgun.net", "Mailgun", "transactional")]
    [InlineData("mta-201-34.mtasv.net", "Postmark", "transactional")]
    [InlineData("mta-72-112.sparkpostmail.com", "SparkPost", "transactional")]
    [InlineData("smtp08-ia4-sp3.mta.salesforce.com", "Salesforce", "crm")]
    [InlineData("out-3.smtp.zdsys.com", "Zendesk", "ticketing")]
    [InlineData("mx-out-1.freshdesk.com", "Freshdesk", "ticketing")]
    [InlineData("mail-12.na1.hubspotemail.net", "HubSpot", "crm")]
    [InlineData("mx0a-00123401.pphosted.com", "Proofpoint", "security-gateway")]
    [InlineData("eu-smtp-delivery-1.mimecast.com", "Mimecast", "security-gateway")]
    [InlineData("outbound-ip1.ess.barracudanetworks.com", "Barracuda Email Protection", "security-gateway")]
    [InlineData("esa1.example.iphmx.com", "Cisco Secure Email (IronPort)", "security-gateway")]
    [InlineData("mail-sor-f69.googlegroups.com", "Google Groups", "forwarder")]
    [InlineData("ec2-54-240-8-30.compute-1.amazonaws.com", "Amazon Web Services", "hosting")]
    public void A_PTR_name_is_named_by_the_longest_listed_domain(string ptr, string service, string kind)
    {
        var match = s_map.Match(ptr, null);

        Assert.Equal((service, kind), (match?.Name, match?.Kind));
    }

    [Fact]
    public void The_ASN_names_a_source_only_when_its_PTR_name_does_not()
    {
        Assert.Equal("Google Workspace", s_map.Match(null, 15169)?.Name);
        Assert.Equal("Microsoft 365", s_map.Match("unknown-host.example.net", 8075)?.Name);
        Assert.Equal("SendGrid", s_map.Match("o1.ptr4613.sendgrid.net", 16509)?.Name);
        Assert.Null(s_map.Match("mail.example.co.uk", 3320));
    }

    [Fact]
    public void A_bad_line_is_refused_with_its_number()
    {
        var error = Assert.Throws<FormatException>(() => SenderServices.Parse(new StringReader("name,kind,domains,asns\nAcme,rocket,acme.example,\n")));

        Assert.Contains("line 2", error.Message);
    }
}
