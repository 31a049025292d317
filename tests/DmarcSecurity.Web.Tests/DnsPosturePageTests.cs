using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>The domain page's DNS posture, checked now by an analyst against the run's dnsmasq.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DnsPosturePageTests(Platform platform)
{
    [Fact]
    public async Task An_analyst_checks_a_domains_DNS_now_and_sees_each_record_with_its_findings()
    {
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync($"/domains/{Reports.SeedDomain}");
        await Platform.WaitForInteractiveAsync(page);
        var posture = page.GetByTestId("domain-posture");

        await Platform.ClickUntilAsync(posture.GetByTestId("posture-check"), posture.GetByTestId("posture-checked"));

        await Expect(posture.GetByTestId("posture-checked")).ToContainTextAsync("DNS lookups");
        var dmarc = posture.GetByTestId("posture-dmarc");
        await Expect(dmarc).ToContainTextAsync($"v=DMARC1; p=reject; rua=mailto:dmarc@{Reports.SeedDomain},mailto:agg@reports.example.net");
        await Expect(dmarc.Locator("[data-code='dmarc.external-authorised']")).ToContainTextAsync("reports.example.net accepts reports");
        await Expect(posture.GetByTestId("spf-lookups")).ToHaveTextAsync("1 of 10 lookups · 0 void");
        await Expect(posture.Locator($"[data-testid=spf-node][data-domain='_spf.{Reports.SeedDomain}']")).ToContainTextAsync("v=spf1 ip4:192.0.2.10 ?all");
        var tls = posture.GetByTestId("posture-tls");
        await Expect(tls).ToContainTextAsync("v=STSv1; id=20261207");
        await Expect(tls.GetByTestId("mta-sts-policy")).ToContainTextAsync($"https://mta-sts.{Reports.SeedDomain}/.well-known/mta-sts.txt (not fetched)");
        await Expect(tls.Locator("[data-code='mta-sts.policy-unreachable'][data-severity=Error]")).ToContainTextAsync($"mta-sts.{Reports.SeedDomain} has no address");
        await Expect(tls.Locator("[data-code='tls-rpt.record'][data-severity=Ok]")).ToContainTextAsync($"tls@{Reports.SeedDomain}");
        await Expect(posture.GetByTestId("posture-dkim")).ToContainTextAsync("No DKIM selector");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await posture.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "domain-dns-posture-1280x720.png") });
    }

    [Fact]
    public async Task A_viewer_sees_the_posture_without_the_check_now_button()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);
        await page.GotoAsync($"/domains/{Reports.SeedDomain}");
        await Platform.WaitForInteractiveAsync(page);

        await Expect(page.GetByTestId("domain-posture")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("posture-check")).ToHaveCountAsync(0);
    }
}
