using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Notifications;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Notifications;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests;

/// <summary>The outbox drained to real HTTP receivers on 127.0.0.1: every channel's format, the webhook signature,
/// retries with one idempotency key, dead letters, the per-channel rate limit and the Admin's test message.</summary>
public sealed class NotificationTests : NotificationApis
{
    private const string Secret = "webhook-secret-for-tests-0123456789abcdef";

    [Theory]
    [InlineData(DbProvider.PostgreSql)]
    [InlineData(DbProvider.Sqlite)]
    public async Task A_high_alert_reaches_every_channel_that_wants_it_in_that_channels_format(DbProvider provider)
    {
        var hook = await Receiver();
        var slack = await Receiver();
        var teams = await Receiver(_ => 202);
        var discord = await Receiver(_ => 204);
        var quiet = await Receiver();
        var api = await ApiAsync(provider, new()
        {
            ["Notifications:PublicBaseUrl"] = "https://dmarc.example/",
            ["Notifications:Channels:hook:Kind"] = "Webhook",
            ["Notifications:Channels:hook:Url"] = hook.Url.ToString(),
            ["Notifications:Channels:hook:Secret"] = Secret,
            ["Notifications:Channels:slack:Kind"] = "Slack",
            ["Notifications:Channels:slack:Url"] = slack.Url.ToString(),
            ["Notifications:Channels:teams:Kind"] = "Teams",
            ["Notifications:Channels:teams:Url"] = teams.Url.ToString(),
            ["Notifications:Channels:discord:Kind"] = "Discord",
            ["Notifications:Channels:discord:Url"] = discord.Url.ToString(),
            ["Notifications:Channels:critical-only:Kind"] = "Slack",
            ["Notifications:Channels:critical-only:Url"] = quiet.Url.ToString(),
            ["Notifications:Channels:critical-only:MinimumSeverity"] = "Critical",
        });

        var outboxId = await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("203.0.113.9", "High"));
        var deliveries = await DeliveredAsync(api, 4);

        Assert.Equal(["discord", "hook", "slack", "teams"], deliveries.Select(d => d.Channel).Order());
        Assert.All(deliveries, d => Assert.Equal((outboxId, 1, $"outbox-{outboxId}-{d.Channel}"), (d.OutboxId, d.Attempts, d.IdempotencyKey)));
        Assert.Equal([200, 200, 202, 204], deliveries.Select(d => d.LastStatusCode ?? 0).Order());
        Assert.Empty(quiet.Requests);

        var webhook = Assert.Single(hook.Requests);
        var timestamp = long.Parse(webhook.Headers[ChannelMessages.TimestampHeader], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(ChannelMessages.Signature(Secret, timestamp, webhook.Body), webhook.Headers[ChannelMessages.SignatureHeader]);
        Assert.Equal($"outbox-{outboxId}-hook", webhook.Headers[ChannelMessages.IdempotencyHeader]);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, 0, 60);
        var body = webhook.Json;
        Assert.Equal(("alert.raised", "High", "High threat from 203.0.113.9", "203.0.113.9"),
            (body.GetProperty("type").GetString(), body.GetProperty("severity").GetString(), body.GetProperty("title").GetString(), body.GetProperty("subject").GetString()));
        Assert.Equal("fp-203.0.113.9", body.GetProperty("alert").GetProperty("fingerprint").GetString());
        Assert.Equal("Review", body.GetProperty("decision").GetProperty("action").GetString());
        Assert.Equal("https://dmarc.example/sources/203.0.113.9", body.GetProperty("link").GetString());

        var blocks = Assert.Single(slack.Requests).Json.GetProperty("blocks");
        Assert.Equal(("header", "High threat from 203.0.113.9"), (blocks[0].GetProperty("type").GetString(), blocks[0].GetProperty("text").GetProperty("text").GetString()));
        Assert.Contains(blocks[2].GetProperty("fields").EnumerateArray(), f => f.GetProperty("text").GetString() == "*Source*\n203.0.113.9");
        Assert.Equal("<https://dmarc.example/sources/203.0.113.9|Open in DmarcSecurity>", blocks[3].GetProperty("elements")[0].GetProperty("text").GetString());

        var attachment = Assert.Single(teams.Requests).Json.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal(("AdaptiveCard", "1.4"), (card.GetProperty("type").GetString(), card.GetProperty("version").GetString()));
        Assert.Contains(card.GetProperty("body")[2].GetProperty("facts").EnumerateArray(),
            f => f.GetProperty("title").GetString() == "Decision" && f.GetProperty("value").GetString() == "Review, score 0.88");

        var embed = Assert.Single(discord.Requests).Json.GetProperty("embeds")[0];
        Assert.Equal(("High threat from 203.0.113.9", 0xE65100), (embed.GetProperty("title").GetString(), embed.GetProperty("color").GetInt32()));

        await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
        Assert.NotNull((await db.Outbox.SingleAsync(o => o.Id == outboxId)).DispatchedAt);
    }

    [Fact]
    public async Task A_failing_receiver_gets_every_retry_with_the_same_key_and_body_until_it_accepts()
    {
        var hook = await Receiver(n => n switch { 1 => 500, 2 => 503, _ => 200 });
        var api = await ApiAsync(DbProvider.Sqlite, Webhook(hook));

        var outboxId = await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("198.51.100.7", "Critical"));
        var delivery = Assert.Single(await DeliveredAsync(api, 1));

        Assert.Equal((DeliveryStatus.Delivered, 3, 200), (delivery.Status, delivery.Attempts, delivery.LastStatusCode));
        var requests = hook.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal($"outbox-{outboxId}-hook", r.Headers[ChannelMessages.IdempotencyHeader]));
        Assert.Single(requests.Select(r => r.Json.GetProperty("id").GetString()).Distinct());
    }

    [Fact]
    public async Task A_receiver_that_never_accepts_is_dead_lettered_after_the_limit_and_a_refusal_at_once()
    {
        var failing = await Receiver(_ => 500);
        var refusing = await Receiver(_ => 404);
        var api = await ApiAsync(DbProvider.Sqlite, new()
        {
            ["Notifications:MaxAttempts"] = "3",
            ["Notifications:Channels:failing:Kind"] = "Discord",
            ["Notifications:Channels:failing:Url"] = failing.Url.ToString(),
            ["Notifications:Channels:gone:Kind"] = "Slack",
            ["Notifications:Channels:gone:Url"] = refusing.Url.ToString(),
        });

        await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("192.0.2.55", "High"));
        var deliveries = await SettledAsync(api, 2);

        var failed = Assert.Single(deliveries, d => d.Channel == "failing");
        Assert.Equal((DeliveryStatus.DeadLettered, 3, 500), (failed.Status, failed.Attempts, failed.LastStatusCode));
        Assert.Equal("Gave up after 3 attempts: The receiver answered 500 Internal Server Error.", failed.LastError);
        Assert.Equal("refused with 500", failed.LastResponse);
        var gone = Assert.Single(deliveries, d => d.Channel == "gone");
        Assert.Equal((DeliveryStatus.DeadLettered, 1, "Refused by the receiver (404); not retried."), (gone.Status, gone.Attempts, gone.LastError));
        Assert.Equal((3, 1), (failing.Requests.Count, refusing.Requests.Count));
    }

    [Fact]
    public async Task A_channel_sends_no_more_than_its_budget_a_minute_and_keeps_the_rest_waiting()
    {
        var hook = await Receiver();
        var api = await ApiAsync(DbProvider.Sqlite, Webhook(hook, ("Notifications:Channels:hook:PermitsPerMinute", "2")));

        foreach (var ip in new[] { "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4" })
        {
            await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert(ip, "High"));
        }

        await DeliveredAsync(api, 2);
        await Task.Delay(1000);
        var all = (await Deliveries(api)).Items;

        Assert.Equal(4, all.Count);
        Assert.Equal(2, all.Count(d => d.Status == DeliveryStatus.Delivered));
        Assert.All(all.Where(d => d.Status == DeliveryStatus.Pending), d => Assert.Equal(0, d.Attempts));
        Assert.Equal(2, hook.Requests.Count);
    }

    [Fact]
    public async Task An_admin_sends_a_test_and_sees_it_delivered_without_the_channels_secret()
    {
        var hook = await Receiver();
        var api = await ApiAsync(DbProvider.Sqlite, Webhook(hook));
        using var admin = await NotificationSeed.AdminAsync(api);

        var channels = await Upload.GetAsync<List<ChannelDto>>(admin, "/api/notifications/channels");
        using var test = await admin.PostAsync("/api/notifications/channels/hook/test", null);
        using var unknown = await admin.PostAsync("/api/notifications/channels/nowhere/test", null);
        var delivery = Assert.Single(await DeliveredAsync(api, 1));

        var channel = Assert.Single(channels);
        Assert.Equal(("hook", ChannelKind.Webhook, $"http://127.0.0.1:{hook.Url.Port}"), (channel.Name, channel.Kind, channel.Target));
        Assert.DoesNotContain(Secret, await admin.GetStringAsync("/api/notifications/channels"));
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.NotFound), (test.StatusCode, unknown.StatusCode));
        Assert.Equal((Notice.TestType, "Test notification for hook"), (delivery.MessageType, delivery.Title));
        Assert.Equal("test", Assert.Single(hook.Requests).Json.GetProperty("type").GetString());
        Assert.Contains(ApiFixture.AdminEmail, Assert.Single(hook.Requests).Json.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("Webhook", "https://hooks.example/x", null, "Secret must be at least 32 characters")]
    [InlineData("Slack", "http://hooks.example/x", null, "Url must be an absolute https address")]
    [InlineData("Teams", "https://hooks.example/x", "0", "PermitsPerMinute must be between 1 and 10000")]
    public async Task A_misconfigured_channel_stops_the_start_naming_the_setting(string kind, string url, string? permits, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Channels:bad:Kind"] = kind,
            ["Notifications:Channels:bad:Url"] = url,
            ["Notifications:Channels:bad:PermitsPerMinute"] = permits,
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await ApiAsync(DbProvider.Sqlite, settings));

        Assert.Contains($"Notifications:Channels:bad:{expected}", error.ToString());
    }

    private async Task<HttpReceiver> Receiver(Func<int, int>? status = null)
    {
        return Own(await HttpReceiver.StartAsync(status));
    }

    private static Dictionary<string, string?> Webhook(HttpReceiver hook, params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Channels:hook:Kind"] = "Webhook",
            ["Notifications:Channels:hook:Url"] = hook.Url.ToString(),
            ["Notifications:Channels:hook:Secret"] = Secret,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<Data.Reports.PagedResult<DeliveryDto>> Deliveries(WebApplicationFactory<Program> api)
    {
        await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
        var rows = await db.NotificationDeliveries.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
        return new([.. rows.Select(DeliveryDto.From)], 1, rows.Count, rows.Count);
    }

    private static Task<List<DeliveryDto>> DeliveredAsync(WebApplicationFactory<Program> api, int count) =>
        WaitAsync(api, count, d => d.Status == DeliveryStatus.Delivered);

    private static Task<List<DeliveryDto>> SettledAsync(WebApplicationFactory<Program> api, int count) =>
        WaitAsync(api, count, d => d.Status != DeliveryStatus.Pending);

    private static async Task<List<DeliveryDto>> WaitAsync(WebApplicationFactory<Program> api, int count, Func<DeliveryDto, bool> done)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var items = (await Deliveries(api)).Items.Where(done).ToList();
            if (items.Count >= count)
            {
                return items;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
                var outbox = await db.Outbox.AsNoTracking().ToListAsync();
                var all = (await Deliveries(api)).Items;
                throw new TimeoutException($"{items.Count} of {count} deliveries settled within 30 s; outbox " +
                    string.Join(", ", outbox.Select(o => $"{o.Id} dispatched {o.DispatchedAt}")) + "; deliveries " +
                    string.Join(", ", all.Select(d => $"{d.Channel} {d.Status} {d.Attempts} {d.LastStatusCode} {d.LastError}")));
            }

            await Task.Delay(50);
        }
    }
}
