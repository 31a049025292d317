using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>An analyst blocks a seeded sender from its source page; the silo makes the enforced block decision; the
/// analyst lifts it again.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ManualDecisionTests(Platform platform)
{
    private const string Address = "192.0.2.10";

    [Fact]
    public async Task Analyst_blocks_an_address_by_hand_and_lifts_the_block()
    {
        var page = await platform.SignInAsync(Platform.AnalystEmail);
        await page.GotoAsync($"/sources/{Address}");
        await Platform.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("decision-row").Or(page.Locator(".grid-empty"))).Not.ToHaveCountAsync(0);
        await page.GetByTestId("block-reason").FillAsync("Compromised relay, ticket 4711");
        await page.GetByTestId("block").ClickAsync();
        await Expect(page.GetByTestId("by-hand-result")).ToContainTextAsync("Block for 4 hours sent to the address's grain");

        var decisions = await platform.WaitForApiAsync($"/api/decisions?ip={Address}&action=Block",
            json => json.GetProperty("items").GetArrayLength() > 0);
        var decision = decisions.GetProperty("items")[0];
        Assert.Equal(("manual", false), (decision.GetProperty("origin").GetString(), decision.GetProperty("simulated").GetBoolean()));
        Assert.Equal($"Blocked by {Platform.AnalystEmail}: Compromised relay, ticket 4711", decision.GetProperty("reason").GetString());

        await page.ReloadAsync();
        await Platform.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("decision-row").First).ToContainTextAsync("Block");
        await page.GetByTestId("block-reason").FillAsync("Relay cleaned up");
        await page.GetByTestId("lift").ClickAsync();
        await Expect(page.GetByTestId("by-hand-result")).ToContainTextAsync("Lifted 1 block(s)");
        await Expect(page.GetByTestId("decision-row").First).ToContainTextAsync("dismissed");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "source-lifted-1280x720.png"), FullPage = true });
    }
}
