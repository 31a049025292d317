using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>Who a source is shows where sources are: the source page's header, and the service column of the top
/// sources (Sources page and the dashboard's figures), from the run's own geolocation databases and dnsmasq.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SourceIdentityPageTests(Platform platform)
{
    [Fact]
    public async Task The_source_page_header_shows_service_reverse_DNS_place_and_network()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);
        await page.GotoAsync("/sources/192.0.2.10");
        await Platform.WaitForInteractiveAsync(page);

        await Expect(page.GetByTestId("identity-service")).ToHaveTextAsync("SendGrid transactional");
        await Expect(page.GetByTestId("identity-ptr")).ToHaveTextAsync("o1.ptr4613.sendgrid.net (sendgrid.net)");
        await Expect(page.GetByTestId("identity-place")).ToHaveTextAsync("Denver, US");
        await Expect(page.GetByTestId("identity-network")).ToHaveTextAsync("AS11377 SENDGRID");
        await Expect(page.GetByTestId("geoip-hint")).ToHaveCountAsync(0);
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "source-identity-1280x720.png") });
    }

    [Fact]
    public async Task The_hostile_senders_header_shows_its_host_and_no_service()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);
        await page.GotoAsync($"/sources/{Reports.SeededHostile}");
        await Platform.WaitForInteractiveAsync(page);

        await Expect(page.GetByTestId("identity-service")).ToHaveTextAsync("no known service");
        await Expect(page.GetByTestId("identity-ptr")).ToHaveTextAsync("198-51-100-66.static.bulk-sender.example (bulk-sender.example)");
        await Expect(page.GetByTestId("identity-place")).ToHaveTextAsync("Moscow, RU");
    }

    [Fact]
    public async Task An_analyst_authorises_a_domains_sending_service_and_sees_the_domain_ready_for_a_stricter_policy()
    {
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync($"/domains/{Reports.SeedDomain}");
        await Platform.WaitForInteractiveAsync(page);

        var sendgrid = page.Locator("[data-testid=sender-row][data-service='SendGrid']");
        await Expect(sendgrid).ToContainTextAsync("192.0.2.10");
        await Expect(page.Locator("[data-kpi=ready-quarantine] .kpi-value")).ToHaveTextAsync("Not yet");
        await Expect(page.GetByTestId("readiness-blocker").First).ToContainTextAsync("No sending service is marked as authorised");
        await Platform.ClickUntilAsync(sendgrid.GetByTestId("sender-authorise"), page.Locator("[data-kpi=ready-quarantine] .kpi-value", new() { HasText = "Ready" }));

        await Expect(sendgrid).ToContainTextAsync("Yes");
        await Expect(page.Locator("[data-kpi=ready-reject] .kpi-value")).ToHaveTextAsync("Ready");
        await Expect(page.Locator("[data-kpi=authorised-pass] .kpi-value")).ToHaveTextAsync("100.0%");
        await Expect(page.Locator("[data-testid=sender-row][data-service='bulk-sender.example']")).ToContainTextAsync("0.0%");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.Locator("[data-testid=domain-senders]").ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "domain-senders-1280x720.png") });
        var history = page.GetByTestId("policy-history-row");
        await Expect(history.First).ToContainTextAsync("reject");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("download-summary").ClickAsync());
        Assert.Equal($"dmarc-summary-{Reports.SeedDomain}.pdf", download.SuggestedFilename);
        var pdf = await File.ReadAllBytesAsync(await download.PathAsync());
        Assert.Equal("%PDF-"u8.ToArray(), pdf[..5]);
        await Platform.ClickUntilAsync(sendgrid.GetByTestId("sender-authorise"), page.Locator("[data-kpi=ready-quarantine] .kpi-value", new() { HasText = "Not yet" }));
    }

    [Fact]
    public async Task Top_sources_have_a_service_column()
    {
        var page = await platform.SignInAsync(Platform.ViewerEmail);
        await page.GotoAsync($"/sources?domain={Reports.SeedDomain}&period=0");
        await Platform.WaitForInteractiveAsync(page);

        var row = page.GetByTestId("source-row").Filter(new() { HasText = "192.0.2.10" });
        await Expect(page.GetByTestId("top-sources").Locator("thead")).ToContainTextAsync("Service");
        await Expect(row.GetByTestId("source-service")).ToContainTextAsync("SendGrid");
        await Expect(row.GetByTestId("source-country")).ToHaveTextAsync("US");
        await Expect(row.GetByTestId("source-service")).ToHaveAttributeAsync("title", "transactional · o1.ptr4613.sendgrid.net · Denver, US · AS11377 SENDGRID");
        var hostile = page.GetByTestId("source-row").Filter(new() { HasText = Reports.SeededHostile });
        await Expect(hostile.GetByTestId("source-service")).ToContainTextAsync("bulk-sender.example");
        await Expect(hostile.GetByTestId("source-country")).ToHaveTextAsync("RU");
    }
}
