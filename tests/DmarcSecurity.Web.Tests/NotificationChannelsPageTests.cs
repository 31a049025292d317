using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace DmarcSecurity.Web.Tests;

/// <summary>An Admin adds a signed Webhook channel on the Notifications page, sends it a test that a real receiver gets,
/// changes its minimum severity and deletes it; the configured channel stays read-only beside it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class NotificationChannelsPageTests(Platform platform)
{
    private const string Name = "e2e-hook";
    private const string Secret = "e2e-webhook-signing-secret-0123456789";
    private const string PathToken = "e2e-path-token-5d1c";

    [Fact]
    public async Task An_admin_adds_a_webhook_channel_tests_it_changes_its_severity_and_deletes_it()
    {
        await using var receiver = await HttpReceiver.StartAsync();
        var page = await platform.SignInAsync(Platform.AdminEmail, 1280, 900);
        await page.GotoAsync("/admin/notifications");
        await Platform.WaitForInteractiveAsync(page);
        var form = page.GetByTestId("channel-form");
        await Platform.ClickUntilAsync(page.GetByTestId("new-channel"), form);

        // The form asks for what the kind needs: a Webhook channel has a signing secret, an Email channel an SMTP server.
        await page.SelectOptionAsync("#c-kind", "Email");
        await Expect(page.Locator("#c-host")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("channel-secret")).ToHaveCountAsync(0);
        await page.SelectOptionAsync("#c-kind", "Webhook");
        await Expect(page.GetByTestId("channel-secret")).ToBeVisibleAsync();
        await Expect(page.Locator("#c-host")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("channel-url")).ToHaveAttributeAsync("type", "password");
        await page.FillAsync("#c-name", Name);
        await page.FillAsync("#c-url", $"{receiver.Url}?token={PathToken}");
        await page.FillAsync("#c-secret", Secret);
        await page.SelectOptionAsync("#c-severity", "Medium");
        await page.FillAsync("#c-domains", "example.com");
        await page.FillAsync("#c-rules", "source.threat, domain.*");
        Directory.CreateDirectory(Platform.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "notification-channel-form-1280x900.png"), FullPage = true });
        await page.GetByTestId("save-channel").ClickAsync();

        await Expect(form).ToHaveCountAsync(0);
        var row = Row(page, Name);
        await Expect(row.GetByTestId("channel-source")).ToHaveTextAsync("Stored");
        await Expect(row.GetByTestId("channel-status")).ToHaveTextAsync("Enabled");
        await Expect(row.GetByTestId("channel-severity")).ToHaveTextAsync("Medium and worse");
        await Expect(row.GetByTestId("channel-rules")).ToHaveTextAsync("rules source.threat, domain.*");
        await Expect(row).ToContainTextAsync($"Webhook · http://127.0.0.1:{receiver.Url.Port}");
        var configured = Row(page, "soc");
        await Expect(configured.GetByTestId("channel-source")).ToHaveTextAsync("Configured");
        await Expect(configured.GetByTestId("edit-channel")).ToHaveCountAsync(0);
        await Expect(configured.GetByTestId("delete-channel")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("configured-note")).ToContainTextAsync("Notifications__Channels__<name>__*");
        var html = await page.ContentAsync();
        Assert.DoesNotContain(Secret, html, StringComparison.Ordinal);
        Assert.DoesNotContain(PathToken, html, StringComparison.Ordinal);

        // A test reaches the receiver, signed with the secret, and the log shows it delivered.
        await row.GetByTestId("send-test").ClickAsync();
        await Expect(page.GetByTestId("test-sent")).ToContainTextAsync($"Test queued for {Name}");
        var delivery = page.GetByTestId("delivery-row").Filter(new() { HasText = $"Test notification for {Name}" });
        for (var attempt = 0; attempt < 60 && !(await delivery.CountAsync() == 1
             && (await delivery.InnerTextAsync()).Contains("Delivered", StringComparison.Ordinal)); attempt++)
        {
            await Task.Delay(500);
            await page.GetByTestId("deliveries-refresh").ClickAsync();
        }

        await Expect(delivery.GetByTestId("delivery-status")).ToHaveTextAsync("Delivered");
        var received = Assert.Single(receiver.Requests);
        Assert.Equal("test", received.Json.GetProperty("type").GetString());
        var timestamp = received.Headers["X-DmarcSecurity-Timestamp"];
        var signed = Encoding.UTF8.GetBytes(timestamp + ".").Concat(received.Body).ToArray();
        Assert.Equal("v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), signed)), received.Headers["X-DmarcSecurity-Signature"]);

        // Changing the severity leaves the secrets as they were: blank means keep.
        await row.GetByTestId("edit-channel").ClickAsync();
        await Expect(form.Locator("legend")).ToHaveTextAsync($"Change channel {Name}");
        await Expect(page.GetByTestId("channel-secret")).ToHaveAttributeAsync("placeholder", "set — leave blank to keep");
        await Expect(page.GetByTestId("channel-url")).ToHaveAttributeAsync("placeholder", "set — leave blank to keep");
        await Expect(page.Locator("#c-name")).ToBeDisabledAsync();
        await page.SelectOptionAsync("#c-severity", "Critical");
        await page.GetByTestId("save-channel").ClickAsync();
        await Expect(form).ToHaveCountAsync(0);
        await Expect(row.GetByTestId("channel-severity")).ToHaveTextAsync("Critical and worse");
        var stored = await platform.AdminApi.GetFromJsonAsync<JsonElement>($"/api/notifications/channels/{Name}");
        Assert.Equal(("Critical", true, true), (stored.GetProperty("minimumSeverity").GetString(), stored.GetProperty("hasUrl").GetBoolean(), stored.GetProperty("hasSecret").GetBoolean()));

        // Disabled, then enabled again, from the list.
        await row.GetByTestId("toggle-channel").ClickAsync();
        await Expect(row.GetByTestId("channel-status")).ToHaveTextAsync("Disabled");
        Assert.False((await platform.AdminApi.GetFromJsonAsync<JsonElement>($"/api/notifications/channels/{Name}")).GetProperty("enabled").GetBoolean());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Platform.ScreenshotDirectory, "notification-channels-1280x900.png"), FullPage = true });
        await row.GetByTestId("toggle-channel").ClickAsync();
        await Expect(row.GetByTestId("channel-status")).ToHaveTextAsync("Enabled");

        await row.GetByTestId("delete-channel").ClickAsync();
        await page.Locator(".rz-dialog").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(Row(page, "soc")).ToHaveCountAsync(1);
        var left = await platform.AdminApi.GetFromJsonAsync<JsonElement>("/api/notifications/channels");
        Assert.DoesNotContain(left.EnumerateArray(), c => c.GetProperty("name").GetString() == Name);
    }

    private static ILocator Row(IPage page, string name) =>
        page.GetByTestId("channel-row").Filter(new() { Has = page.GetByTestId("channel-name").GetByText(name, new() { Exact = true }) });
}
