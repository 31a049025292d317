using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>The seeded high alert goes from the silo through the outbox to the Slack channel's receiver, and the Admin
/// sees that delivery and sends a test from the Notifications page.</summary>
[Collection(PlatformCollection.Name)]
public sealed class NotificationsPageTests(Platform platform)
{
    [Fact]
    public async Task The_seeded_alert_reached_the_channel_and_the_admin_sends_a_test_from_the_page()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!platform.Chat.Requests.Any(r => Title(r).Contains(Reports.SeededHostile, StringComparison.Ordinal)) && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }

        var alert = Assert.Single(platform.Chat.Requests, r => Title(r).Contains(Reports.SeededHostile, StringComparison.Ordinal));
        Assert.Equal($"High threat from {Reports.SeededHostile}", Title(alert));
        Assert.StartsWith("outbox-", alert.Headers["Idempotency-Key"], StringComparison.Ordinal);

        var page = await platform.SignInAsync(Platform.AdminEmail);
        await page.GotoAsync("/admin/notifications");
        // Other tests add channels of their own for a while: look at the configured one's row.
        var channel = page.GetByTestId("channel-row").Filter(new() { Has = page.GetByTestId("channel-name").GetByText("soc", new() { Exact = true }) });
        await Expect(channel.GetByTestId("channel-name")).ToHaveTextAsync("soc");
        await Expect(channel).ToContainTextAsync("Slack · http://127.0.0.1:");
        await Expect(channel.GetByTestId("channel-severity")).ToHaveTextAsync("High and worse");
        // Other tests' uploads raise alerts too: look at the seeded one's row.
        var seeded = page.GetByTestId("delivery-row").Filter(new() { HasText = $"High threat from {Reports.SeededHostile}" });
        await Expect(seeded.GetByTestId("delivery-status")).ToHaveTextAsync("Delivered");

        await channel.GetByTestId("send-test").ClickAsync();
        await Expect(page.GetByTestId("test-sent")).ToContainTextAsync("Test queued for soc");
        var newest = page.GetByTestId("delivery-row").First;
        // The log shows what was true when it was loaded: refresh until the test is in it, delivered.
        for (var attempt = 0; attempt < 60 && await newest.InnerTextAsync() is var row
             && !(row.Contains("Test notification for soc", StringComparison.Ordinal) && row.Contains("Delivered", StringComparison.OrdinalIgnoreCase)); attempt++)
        {
            await Task.Delay(500);
            await page.GetByTestId("deliveries-refresh").ClickAsync();
        }

        await Expect(newest).ToContainTextAsync("Test notification for soc");
        await Expect(newest.GetByTestId("delivery-status")).ToHaveTextAsync("Delivered");
        Assert.Contains(platform.Chat.Requests, r => Title(r) == "Test notification for soc");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "notifications-sent-1280x720.png"), FullPage = true });
    }

    private static string Title(DmarcSecurity.Testing.HttpReceiver.Received request) =>
        request.Json.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString() ?? "";
}
