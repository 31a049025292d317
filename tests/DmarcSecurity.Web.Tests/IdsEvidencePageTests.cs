using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>A Suricata EVE log uploaded to the Api reaches the address's grain; its source page shows the IDS evidence
/// beside the DMARC evidence: alerts, priority, protected hits, signatures, targets, and the alerts themselves.</summary>
[Collection(PlatformCollection.Name)]
public sealed class IdsEvidencePageTests(Platform platform)
{
    private const string Address = "203.0.113.199";

    [Fact]
    public async Task An_EVE_log_shows_on_the_source_page_of_its_address()
    {
        var time = DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff+0000", CultureInfo.InvariantCulture);
        var eve = string.Join('\n', Enumerable.Range(0, 12).Select(i =>
            $$$"""{"timestamp":"{{{time}}}","event_type":"alert","src_ip":"{{{Address}}}","src_port":5{{{i:D4}}},"dest_ip":"198.51.100.{{{i % 3 + 1}}}","dest_port":22,"proto":"TCP","alert":{"action":"blocked","gid":1,"signature_id":{{{2001219 + i % 2}}},"rev":20,"signature":"{{{(i % 2 == 0 ? "ET SCAN Potential SSH Scan" : "ET EXPLOIT libssh auth bypass")}}}","category":"Attempted Administrator Privilege Gain","severity":{{{1 + i % 2}}}}}"""));
        using var content = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(eve));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Add(file, "files", "eve.json");
        using (var response = await platform.AdminApi.PostAsync("/api/ingest/ids", content))
        {
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        await platform.WaitForApiAsync($"/api/sources/{Address}",
            json => json.GetProperty("state").ValueKind == System.Text.Json.JsonValueKind.Object
                && json.GetProperty("state").GetProperty("idsDays").GetArrayLength() > 0);
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync($"/sources/{Address}");
        await Platform.WaitForInteractiveAsync(page);

        await Expect(page.GetByTestId("ids-alerts")).ToHaveTextAsync("12");
        await Expect(page.GetByTestId("ids-top-priority")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("ids-protected")).ToHaveTextAsync("12 / 12");
        await Expect(page.GetByTestId("ids-signatures").Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("ids-targets").Locator("tbody tr")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("ids-alert-rows").Locator("tbody tr")).ToHaveCountAsync(12);
        await Expect(page.GetByTestId("ids-alert-rows")).ToContainTextAsync("ET EXPLOIT libssh auth bypass");
        await Expect(page.GetByTestId("score-pattern-value")).Not.ToHaveTextAsync("0");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "source-ids-1280x720.png"), FullPage = true });
        // The page scrolls inside its layout, not the window: bring the section into view and take the window.
        await page.EvaluateAsync("() => document.querySelector('[data-testid=ids-evidence]').scrollIntoView()");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "source-ids-evidence-1280x720.png") });
    }
}
