using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Notifications;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Notifications;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Api.Tests;

/// <summary>E-mail notifications and the weekly digest against a real SMTP server (aiosmtpd) on 127.0.0.1: both
/// bodies, the Message-ID made from the idempotency key, recipients, AUTH over STARTTLS and over TLS from the first
/// byte with a pinned self-signed certificate, 451 retried, 550 dead-lettered with the reply, a server that is down,
/// and the digest's figures against seeded reports, alerts and decisions.</summary>
public sealed class EmailNotificationTests : NotificationApis
{
    private const string User = "notifier@tests.example";
    private const string Password = "smtp-password-never-logged-7c1f";
    private readonly CapturedLogs _logs = new();

    [Theory]
    [InlineData(DbProvider.PostgreSql)]
    [InlineData(DbProvider.Sqlite)]
    public async Task An_alert_arrives_as_an_email_with_both_bodies_a_message_id_from_its_key_and_the_servers_answer_logged(DbProvider provider)
    {
        var smtp = await Smtp();
        var api = await ApiAsync(provider, Email(smtp, SmtpServer.Mode.None));

        var outboxId = await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("203.0.113.9", "High"));
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.Delivered));
        var received = Assert.Single(await smtp.WaitForAsync(1));

        Assert.Equal(("mail", "Email", $"outbox-{outboxId}-mail", 1, 250), (delivery.Channel, delivery.Kind, delivery.IdempotencyKey, delivery.Attempts, delivery.LastStatusCode));
        Assert.Equal("2.0.0 Ok: queued as 0001", delivery.LastResponse);
        var message = received.Message;
        Assert.Equal($"outbox-{outboxId}-mail@dmarc.example", message.MessageId);
        Assert.Equal($"outbox-{outboxId}-mail", message.Headers[EmailMessages.IdempotencyHeader]);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        Assert.Equal("[DmarcSecurity] [High] High threat from 203.0.113.9", message.Subject);
        Assert.Equal("\"DmarcSecurity\" <alerts@dmarc.example>", message.From.ToString());
        Assert.Equal(["soc@tests.example", "oncall@tests.example"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("alerts@dmarc.example", received.MailFrom);
        Assert.Equal(["soc@tests.example", "oncall@tests.example"], received.Recipients);
        Assert.Equal((null, false), (received.Login, received.Tls));

        var text = message.TextBody!.ReplaceLineEndings("\n");
        Assert.StartsWith("High threat from 203.0.113.9\n\nSeverity: High\nSource: 203.0.113.9\nRule: source-threat\nDecision: Review, score 0.88\n", text);
        Assert.Contains("\nReason: High threat score 0.882 = pattern 1.000×0.3 + context 0.600×0.25; 1000 of 1000 messages failed DKIM and SPF alignment.\n", text);
        Assert.EndsWith("\nOpen in DmarcSecurity: https://dmarc.example/sources/203.0.113.9\n", text);
        var html = message.HtmlBody;
        Assert.Contains("<h2 style=\"color:#E65100\">High threat from 203.0.113.9</h2>", html);
        Assert.Contains("<tr><th align=\"left\">Decision</th><td>Review, score 0.88</td></tr>", html);
        Assert.Contains("<a href=\"https://dmarc.example/sources/203.0.113.9\">Open in DmarcSecurity</a>", html);
    }

    [Theory]
    [InlineData(SmtpServer.Mode.StartTls)]
    [InlineData(SmtpServer.Mode.SmtpS)]
    public async Task A_server_asking_for_a_sign_in_over_tls_with_a_pinned_certificate_gets_the_message_and_the_password_is_never_logged(SmtpServer.Mode mode)
    {
        var smtp = await Smtp(mode, (User, Password));
        var api = await ApiAsync(DbProvider.Sqlite, Email(smtp, mode, auth: true));
        using var admin = await NotificationSeed.AdminAsync(api);

        using var test = await admin.PostAsync("/api/notifications/channels/mail/test", null);
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status != DeliveryStatus.Pending));
        Assert.Equal((DeliveryStatus.Delivered, null), (delivery.Status, delivery.LastError));
        var received = Assert.Single(await smtp.WaitForAsync(1));
        var channels = await admin.GetStringAsync("/api/notifications/channels");
        var listed = await admin.GetStringAsync("/api/notifications/deliveries");

        Assert.Equal((HttpStatusCode.Accepted, DeliveryStatus.Delivered, 250, null), (test.StatusCode, delivery.Status, delivery.LastStatusCode, delivery.LastError));
        Assert.Equal((User, true), (received.Login, received.Tls));
        Assert.Equal("[DmarcSecurity] [Info] Test notification for mail", received.Message.Subject);
        Assert.Contains($"\"target\":\"smtp://127.0.0.1:{smtp.Port}\"", channels);
        Assert.DoesNotContain(Password, channels + listed + _logs.All);
    }

    [Fact]
    public async Task A_tls_server_whose_certificate_is_neither_trusted_nor_pinned_is_dead_lettered_without_sending()
    {
        var smtp = await Smtp(SmtpServer.Mode.SmtpS);
        var settings = Email(smtp, SmtpServer.Mode.SmtpS);
        settings.Remove("Notifications:Channels:mail:CertificateFingerprint");
        var api = await ApiAsync(DbProvider.Sqlite, settings);

        await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("192.0.2.77", "High"));
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status != DeliveryStatus.Pending));

        Assert.Equal((DeliveryStatus.DeadLettered, 1), (delivery.Status, delivery.Attempts));
        Assert.StartsWith("TLS with the SMTP server failed", delivery.LastError);
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task A_server_answering_451_is_tried_again_with_the_same_message_id_until_it_accepts()
    {
        var smtp = await Smtp(reply: "451 4.3.0 Try again later", replyCount: 2);
        var api = await ApiAsync(DbProvider.Sqlite, Email(smtp, SmtpServer.Mode.None));

        var outboxId = await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("198.51.100.7", "Critical"));
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status != DeliveryStatus.Pending));

        Assert.Equal((DeliveryStatus.Delivered, 3, 250, null), (delivery.Status, delivery.Attempts, delivery.LastStatusCode, delivery.LastError));
        var received = Assert.Single(smtp.Messages());
        Assert.Equal($"outbox-{outboxId}-mail@dmarc.example", received.Message.MessageId);
    }

    [Fact]
    public async Task A_server_answering_550_dead_letters_the_delivery_at_once_with_its_reply()
    {
        var smtp = await Smtp(reply: "550 5.7.1 Relaying denied", replyCount: 100);
        var api = await ApiAsync(DbProvider.Sqlite, Email(smtp, SmtpServer.Mode.None));

        await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("192.0.2.55", "High"));
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status != DeliveryStatus.Pending));

        Assert.Equal((DeliveryStatus.DeadLettered, 1, 550), (delivery.Status, delivery.Attempts, delivery.LastStatusCode));
        Assert.Equal("550 5.7.1 Relaying denied", delivery.LastResponse);
        Assert.Equal("The SMTP server refused the message (550); not retried.", delivery.LastError);
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task A_server_that_is_down_is_tried_again_until_it_comes_up()
    {
        var smtp = await Smtp(start: false);
        var api = await ApiAsync(DbProvider.Sqlite, Email(smtp, SmtpServer.Mode.None));

        await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("192.0.2.56", "High"));
        var failing = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.Pending && d.Attempts >= 2));
        await smtp.StartAsync();
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.Delivered));

        Assert.StartsWith($"Could not reach the SMTP server 127.0.0.1:{smtp.Port}", failing.LastError);
        Assert.Null(failing.LastStatusCode);
        Assert.True(delivery.Attempts > failing.Attempts);
        Assert.Single(await smtp.WaitForAsync(1));
    }

    [Theory]
    [InlineData("Host", "Notifications:Channels:mail:Host is required for an Email channel")]
    [InlineData("From", "Notifications:Channels:mail:From is required for an Email channel")]
    [InlineData("To", "Notifications:Channels:mail:To is required for an Email channel")]
    public async Task An_email_channel_without_its_server_or_addresses_stops_the_start_naming_the_setting(string missing, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Channels:mail:Kind"] = "Email",
            ["Notifications:Channels:mail:Host"] = "127.0.0.1",
            ["Notifications:Channels:mail:From"] = "alerts@dmarc.example",
            ["Notifications:Channels:mail:To"] = "soc@tests.example",
        };
        settings.Remove($"Notifications:Channels:mail:{missing}");

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await ApiAsync(DbProvider.Sqlite, settings));

        Assert.Contains(expected, error.ToString());
    }

    [Fact]
    public async Task A_digest_channel_that_is_not_an_email_channel_stops_the_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await ApiAsync(DbProvider.Sqlite, new()
        {
            ["Notifications:Channels:hook:Kind"] = "Slack",
            ["Notifications:Channels:hook:Url"] = "https://hooks.example/x",
            ["Notifications:Digest:Channels:0"] = "hook",
        }));

        Assert.Contains("Notifications:Digest:Channels: 'hook' is not a configured Email channel", error.ToString());
    }

    [Theory]
    [InlineData("2026-12-07T07:00:00Z", DayOfWeek.Monday, "2026-11-30", "2026-12-07")]
    [InlineData("2026-12-07T06:59:00Z", DayOfWeek.Monday, "2026-11-30", "2026-12-07")]
    [InlineData("2026-12-13T23:00:00Z", DayOfWeek.Monday, "2026-11-30", "2026-12-07")]
    [InlineData("2026-12-09T12:00:00Z", DayOfWeek.Wednesday, "2026-12-02", "2026-12-09")]
    public void The_digest_covers_the_seven_utc_days_before_its_day(string now, DayOfWeek day, string from, string to)
    {
        var (start, end) = WeeklyDigest.LastWeek(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), day);

        Assert.Equal((from, to), (start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), end.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("2026-12-07T07:00:00Z", "2026-12-07T07:00:00Z")]
    [InlineData("2026-12-07T06:59:59Z", "2026-11-30T07:00:00Z")]
    [InlineData("2026-12-10T10:00:00Z", "2026-12-07T07:00:00Z")]
    public void The_schedule_falls_on_monday_at_seven_utc_by_default(string now, string expected)
    {
        var at = WeeklyDigest.LastOccurrence(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), new DigestSettings());

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), at);
    }

    [Theory]
    [InlineData(DbProvider.PostgreSql)]
    [InlineData(DbProvider.Sqlite)]
    public async Task The_weekly_digest_gives_each_domain_its_figures_and_is_queued_once_per_channel_and_week(DbProvider provider)
    {
        var smtp = await Smtp();
        var settings = Email(smtp, SmtpServer.Mode.None);
        settings["Notifications:Digest:Channels:0"] = "mail";
        var api = await ApiAsync(provider, settings);
        using var admin = await NotificationSeed.AdminAsync(api);
        await SeedWeekAsync(api, admin);

        using var first = await admin.PostAsync("/api/notifications/digest?from=2026-11-23&to=2026-11-29", null);
        using var again = await admin.PostAsync("/api/notifications/digest?from=2026-11-23&to=2026-11-29", null);
        // The schedule may also have queued the current week's digest, depending on today's date: only this one counts.
        const string Key = "digest-mail-2026-11-23-2026-11-30";
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.Delivered && d.IdempotencyKey == Key));
        await smtp.WaitForAsync((await WaitForDeliveriesAsync(api, 0, d => d.Status == DeliveryStatus.Delivered)).Count);
        var received = Assert.Single(smtp.Messages(), m => m.Message.MessageId == Key + "@dmarc.example");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, again.StatusCode));
        var queued = Assert.Single(await first.Content.ReadFromJsonAsync<List<DigestQueued>>(Upload.Json) ?? []);
        var repeated = Assert.Single(await again.Content.ReadFromJsonAsync<List<DigestQueued>>(Upload.Json) ?? []);
        Assert.Equal(("mail", Key, false), (queued.Channel, queued.IdempotencyKey, queued.AlreadyQueued));
        Assert.Equal((queued.DeliveryId, true), (repeated.DeliveryId, repeated.AlreadyQueued));
        Assert.Equal((queued.DeliveryId, Notice.DigestType, 250), (delivery.Id, delivery.MessageType, delivery.LastStatusCode));

        var message = received.Message;
        Assert.Equal("[DmarcSecurity] Weekly digest 2026-11-23 to 2026-11-29", message.Subject);
        Assert.Equal(["soc@tests.example", "oncall@tests.example"], received.Recipients);
        Assert.Single(await WaitForDeliveriesAsync(api, 0, d => d.IdempotencyKey == Key));
        var text = message.TextBody!.ReplaceLineEndings("\n");
        Assert.Equal("""
            Weekly digest 2026-11-23 to 2026-11-29

            DMARC reports, senders, alerts and decisions of 3 domains from 2026-11-23 to 2026-11-29 (UTC), against the 7 days before.

            example.com
            ===========
            Messages: 1,000 (week before: 1,000)
            DMARC pass rate: 80.0 % (week before: 90.0 %)
            New senders: 2
            Open alerts: 2
            Decisions: 2 (Block 1, Review 1)
            New senders:
              - 192.0.2.30 (200 messages)
              - 192.0.2.31 (100 messages)
            Open alerts:
              - [Critical] source.threat on 192.0.2.30 (last seen 2026-11-27 08:00 UTC)
              - [High] domain.failure-spike on example.com (last seen 2026-11-27 08:00 UTC)
            Decisions:
              - 192.0.2.31: Review, Medium, score 0.58, 2026-11-26 12:00 UTC
              - 192.0.2.30: Block (simulated), High, score 0.91, 2026-11-25 10:00 UTC
            Open in DmarcSecurity: https://dmarc.example/domains/example.com

            example.org
            ===========
            Messages: 50 (week before: 0)
            DMARC pass rate: 100.0 % (week before: n/a)
            New senders: 1
            Open alerts: 1
            Decisions: 0
            New senders:
              - 198.51.100.5 (50 messages)
            Open alerts:
              - [Medium] domain.new-source on example.org (last seen 2026-11-27 08:00 UTC)
            Open in DmarcSecurity: https://dmarc.example/domains/example.org

            old.example
            ===========
            Messages: 0 (week before: 10)
            DMARC pass rate: n/a (week before: 0.0 %)
            New senders: 0
            Open alerts: 0
            Decisions: 0
            Open in DmarcSecurity: https://dmarc.example/domains/old.example

            """, text);
        var html = message.HtmlBody;
        Assert.Contains("<h2>example.com</h2><table cellpadding=\"4\"><tr><th align=\"left\">Messages</th><td>1,000 (week before: 1,000)</td></tr>" +
            "<tr><th align=\"left\">DMARC pass rate</th><td>80.0 % (week before: 90.0 %)</td></tr>", html);
        Assert.Contains("<li>192.0.2.30 (200 messages)</li><li>192.0.2.31 (100 messages)</li>", html);
        Assert.Contains("<a href=\"https://dmarc.example/domains/example.org\">Open example.org in DmarcSecurity</a>", html);
    }

    [Fact]
    public async Task The_digest_is_queued_on_its_day_and_time_for_the_seven_days_before()
    {
        var smtp = await Smtp();
        var settings = Email(smtp, SmtpServer.Mode.None);
        settings["Notifications:Digest:Channels:0"] = "mail";
        settings["Notifications:Digest:Day"] = "Sunday";
        settings["Notifications:Digest:Time"] = "18:00";
        var api = await ApiAsync(DbProvider.Sqlite, settings, new ShiftedClock(new DateTimeOffset(2026, 11, 29, 18, 5, 0, TimeSpan.Zero)));

        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.Delivered));
        var received = Assert.Single(await smtp.WaitForAsync(1));

        Assert.Equal(("digest-mail-2026-11-22-2026-11-29", Notice.DigestType, null), (delivery.IdempotencyKey, delivery.MessageType, delivery.OutboxId));
        Assert.Equal("[DmarcSecurity] Weekly digest 2026-11-22 to 2026-11-28", received.Message.Subject);
        Assert.Contains("\nNo reports arrived in this period.\n", received.Message.TextBody!.ReplaceLineEndings("\n"));

        // The schedule's run is in the jobs view, with the next one a week later; run now, it finds last week's queued.
        using var admin = await NotificationSeed.AdminAsync(api);
        var job = (await Upload.GetAsync<List<Jobs.JobDto>>(admin, "/api/jobs")).Single(j => j.Name == "weekly-digest");
        Assert.Equal(("Loop", "schedule", new DateTimeOffset(2026, 12, 6, 18, 0, 0, TimeSpan.Zero)), (job.Kind, job.LastRun!.Trigger, job.NextRunAt));
        Assert.Equal("The digest of 2026-11-22 to 2026-11-28: 1 queued, 0 already queued before, to mail.", job.LastRun.Summary);
        using var now = await admin.PostAsync("/api/jobs/weekly-digest/run", null);
        var run = System.Text.Json.JsonSerializer.Deserialize<Jobs.JobRunDto>(await now.Content.ReadAsStringAsync(), Upload.Json)!;
        Assert.Equal("The digest of 2026-11-22 to 2026-11-28: 0 queued, 1 already queued before, to mail.", run.Summary);
        Assert.StartsWith("manual:", run.Trigger, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_asks_for_one_domains_digest_and_gets_only_that_section()
    {
        var smtp = await Smtp();
        var api = await ApiAsync(DbProvider.Sqlite, Email(smtp, SmtpServer.Mode.None));
        using var admin = await NotificationSeed.AdminAsync(api);
        await SeedWeekAsync(api, admin);

        using var noChannel = await admin.PostAsync("/api/notifications/digest?from=2026-11-23", null);
        using var response = await admin.PostAsync("/api/notifications/digest?from=2026-11-23&domain=Example.ORG&channel=mail", null);
        await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.Delivered);
        var received = Assert.Single(await smtp.WaitForAsync(1));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.Accepted), (noChannel.StatusCode, response.StatusCode));
        var queued = Assert.Single(await response.Content.ReadFromJsonAsync<List<DigestQueued>>(Upload.Json) ?? []);
        Assert.Equal("digest-mail-2026-11-23-2026-11-30-example.org", queued.IdempotencyKey);
        var text = received.Message.TextBody!.ReplaceLineEndings("\n");
        Assert.Contains("DMARC reports, senders, alerts and decisions of example.org from 2026-11-23 to 2026-11-29 (UTC)", text);
        Assert.Contains("\nexample.org\n===========\nMessages: 50 (week before: 0)\n", text);
        Assert.DoesNotContain("example.com", text);
    }

    /// <summary>Two weeks of reports for three domains, alerts open and resolved, decisions inside and outside the week.</summary>
    private static async Task SeedWeekAsync(WebApplicationFactory<Program> api, HttpClient admin)
    {
        static DateTimeOffset Day(int month, int day, int hour = 0) => new(2026, month, day, hour, 0, 0, TimeSpan.Zero);
        await Upload.FilesAsync(admin,
            ("before.xml", ReportXml.Build("w-before", "example.com", begin: Day(11, 17), records:
                [new TestRecord("192.0.2.10", 900), new TestRecord("192.0.2.20", 100, Dkim: "fail", Spf: "fail")])),
            ("old.xml", ReportXml.Build("w-old", "old.example", begin: Day(11, 18), records:
                [new TestRecord("203.0.113.1", 10, Dkim: "fail", Spf: "fail", HeaderFrom: "old.example")])),
            ("mon.xml", ReportXml.Build("w-mon", "example.com", begin: Day(11, 24), records:
                [new TestRecord("192.0.2.10", 700), new TestRecord("192.0.2.30", 200, Dkim: "fail", Spf: "fail")])),
            ("tue.xml", ReportXml.Build("w-tue", "example.com", org: "yahoo.com", begin: Day(11, 25), records:
                [new TestRecord("192.0.2.31", 100, Spf: "fail")])),
            ("org.xml", ReportXml.Build("w-org", "example.org", begin: Day(11, 26), records:
                [new TestRecord("198.51.100.5", 50, HeaderFrom: "example.org")])),
            ("later.xml", ReportXml.Build("w-later", "example.com", begin: Day(11, 30), records:
                [new TestRecord("192.0.2.99", 5000)])));

        var seen = Day(11, 27, 8);
        await using var db = await api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync();
        db.AddRange(
            Seed.Alert("example.com", lastSeen: seen),
            Seed.Alert("example.com", status: AlertStatus.Resolved, lastSeen: seen),
            Seed.Alert("192.0.2.30", "source.threat", "Critical", grainType: Core.Grains.GrainTypes.SourceIp, lastSeen: seen),
            Seed.Alert("example.org", "domain.new-source", "Medium", lastSeen: seen),
            Seed.Alert("203.0.113.99", "source.threat", "High", grainType: Core.Grains.GrainTypes.SourceIp, lastSeen: seen),
            Seed.Decision("192.0.2.30", "Block", ReviewStatus.NotRequired, Day(11, 25, 10), simulated: true, severity: "High", score: 0.91),
            Seed.Decision("192.0.2.31", "Review", issuedAt: Day(11, 26, 12)),
            Seed.Decision("192.0.2.30", "Review", issuedAt: Day(11, 20, 9)),
            Seed.Decision("203.0.113.99", "Block", issuedAt: Day(11, 26, 9)));
        await db.SaveChangesAsync();
    }

    /// <summary>The system clock, moved so that the test starts at a chosen moment; timers run as usual.</summary>
    private sealed class ShiftedClock(DateTimeOffset start) : TimeProvider
    {
        private readonly TimeSpan _shift = start - DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _shift;
    }

    private async Task<SmtpServer> Smtp(
        SmtpServer.Mode mode = SmtpServer.Mode.None, (string, string)? auth = null, string? reply = null, int replyCount = 0, bool start = true)
    {
        return Own(await SmtpServer.StartAsync(mode, auth, reply, replyCount, start));
    }

    private static Dictionary<string, string?> Email(SmtpServer smtp, SmtpServer.Mode mode, bool auth = false) => new()
    {
        ["Notifications:PublicBaseUrl"] = "https://dmarc.example/",
        ["Notifications:Channels:mail:Kind"] = "Email",
        ["Notifications:Channels:mail:Host"] = "127.0.0.1",
        ["Notifications:Channels:mail:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Notifications:Channels:mail:Security"] = mode switch { SmtpServer.Mode.StartTls => "StartTls", SmtpServer.Mode.SmtpS => "SslOnConnect", _ => "None" },
        ["Notifications:Channels:mail:CertificateFingerprint"] = smtp.Fingerprint,
        ["Notifications:Channels:mail:UserName"] = auth ? User : null,
        ["Notifications:Channels:mail:Password"] = auth ? Password : null,
        ["Notifications:Channels:mail:From"] = "DmarcSecurity <alerts@dmarc.example>",
        ["Notifications:Channels:mail:To"] = "soc@tests.example, On call <oncall@tests.example>",
        ["Notifications:Channels:mail:MinimumSeverity"] = "Info",
    };

    private Task<WebApplicationFactory<Program>> ApiAsync(DbProvider provider, Dictionary<string, string?> settings, TimeProvider? clock = null) =>
        ApiAsync(provider, settings, web =>
        {
            web.UseSetting("Notifications:Timeout", "00:00:05");
            web.ConfigureLogging(logging => logging.AddProvider(_logs));
            if (clock is not null)
            {
                web.ConfigureTestServices(services => services.AddSingleton(clock));
            }
        });
}
