using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Notifications;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Notifications;
using DmarcSecurity.Testing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Api.Tests;

/// <summary>Channels an Admin adds, changes and deletes through the API beside the configured ones: their secrets
/// protected with Data Protection keys kept in the database (never shown, never stored in clear, kept when a change
/// leaves them out, read by a second Api), routing by severity, domain and rule, disabling, and the refusals.</summary>
public sealed class NotificationChannelsTests : NotificationApis
{
    private const string Secret = "stored-channel-secret-0123456789abcdef";
    private const string PathToken = "T0KEN-in-the-webhook-path-8f2a";

    [Theory]
    [InlineData(DbProvider.PostgreSql)]
    [InlineData(DbProvider.Sqlite)]
    public async Task An_admin_adds_changes_and_deletes_a_channel_whose_secrets_are_never_shown_nor_stored_in_clear(DbProvider provider)
    {
        var hook = Own(await HttpReceiver.StartAsync());
        var api = await ApiAsync(provider, new()
        {
            ["Notifications:Channels:soc:Kind"] = "Slack",
            ["Notifications:Channels:soc:Url"] = $"https://hooks.slack.example/services/{PathToken}",
        });
        using var admin = await NotificationSeed.AdminAsync(api);

        using var created = await admin.PostAsJsonAsync("/api/notifications/channels", new ChannelRequest(
            Name: "ops-hook", Kind: "webhook", MinimumSeverity: "medium", Domains: ["Example.COM"], Rules: ["source.threat", "domain.*"],
            PermitsPerMinute: 5, Url: $"{hook.Url}?token={PathToken}", Secret: Secret), Upload.Json);
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/notifications/channels/ops-hook", created.Headers.Location?.OriginalString);
        var channel = JsonSerializer.Deserialize<ChannelDto>(createdText, Upload.Json)!;
        Assert.Equal(("ops-hook", ChannelKind.Webhook, ChannelSource.Stored, true), (channel.Name, channel.Kind, channel.Source, channel.Enabled));
        Assert.Equal(($"http://127.0.0.1:{hook.Url.Port}", Severity.Medium, 5), (channel.Target, channel.MinimumSeverity, channel.PermitsPerMinute));
        Assert.Equal(["example.com"], channel.Domains);
        Assert.Equal(["source.threat", "domain.*"], channel.Rules);
        Assert.Equal((true, true, false, ApiFixture.AdminEmail), (channel.HasUrl, channel.HasSecret, channel.HasPassword, channel.CreatedBy));

        var list = await admin.GetStringAsync("/api/notifications/channels");
        var channels = JsonSerializer.Deserialize<List<ChannelDto>>(list, Upload.Json)!;
        Assert.Equal([("ops-hook", ChannelSource.Stored), ("soc", ChannelSource.Configuration)], channels.Select(c => (c.Name, c.Source)));
        Assert.Equal("https://hooks.slack.example", Assert.Single(channels, c => c.Name == "soc").Target);
        foreach (var answer in new[] { createdText, list, await admin.GetStringAsync("/api/notifications/channels/ops-hook") })
        {
            Assert.DoesNotContain(Secret, answer, StringComparison.Ordinal);
            Assert.DoesNotContain(PathToken, answer, StringComparison.Ordinal);
        }

        // The row as the database holds it: the address and the key only as Data Protection payloads.
        var row = await RawRowAsync(api, "ops-hook");
        Assert.DoesNotContain(Secret, row, StringComparison.Ordinal);
        Assert.DoesNotContain(PathToken, row, StringComparison.Ordinal);
        Assert.DoesNotContain("/hook", row, StringComparison.Ordinal);
        var stored = await RowAsync(api, "ops-hook");
        Assert.False(string.IsNullOrEmpty(stored.UrlProtected));
        Assert.False(string.IsNullOrEmpty(stored.SecretProtected));
        Assert.Null(stored.PasswordProtected);
        Assert.True(await CountAsync(api, "SELECT COUNT(*) FROM data_protection_keys") >= 1);

        // A change that leaves the secrets out keeps them: the test it sends is still signed with the same key.
        using var changed = await admin.PutAsJsonAsync("/api/notifications/channels/ops-hook",
            new ChannelRequest(MinimumSeverity: "Critical", Rules: []), Upload.Json);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var after = (await changed.Content.ReadFromJsonAsync<ChannelDto>(Upload.Json))!;
        Assert.Equal((Severity.Critical, true, true), (after.MinimumSeverity, after.HasUrl, after.HasSecret));
        Assert.Empty(after.Rules);
        Assert.Equal(["example.com"], after.Domains);
        using var test = await admin.PostAsync("/api/notifications/channels/ops-hook/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        await WaitForDeliveriesAsync(api, 1, d => d.Channel == "ops-hook" && d.Status == DeliveryStatus.Delivered);
        var request = Assert.Single(hook.Requests);
        AssertSigned(request, Secret);
        Assert.Equal("test", request.Json.GetProperty("type").GetString());

        using var deleted = await admin.DeleteAsync("/api/notifications/channels/ops-hook");
        using var again = await admin.DeleteAsync("/api/notifications/channels/ops-hook");
        using var gone = await admin.GetAsync("/api/notifications/channels/ops-hook");
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NotFound), (deleted.StatusCode, again.StatusCode, gone.StatusCode));
        Assert.Equal(0, await CountAsync(api, "SELECT COUNT(*) FROM notification_channels"));

        // Every change is in the audit trail, with the channel it touched.
        var audit = await AuditAsync(api, 4);
        Assert.Contains(("POST /api/notifications/channels", "notifications", "success"), audit);
        Assert.Contains(("PUT /api/notifications/channels/{name}", "notifications:ops-hook", "success"), audit);
        Assert.Contains(("DELETE /api/notifications/channels/{name}", "notifications:ops-hook", "success"), audit);
        Assert.Contains(("DELETE /api/notifications/channels/{name}", "notifications:ops-hook", "failure"), audit);
    }

    [Fact]
    public async Task Configured_channels_are_read_only_and_no_stored_channel_takes_their_name_or_another_ones()
    {
        var api = await ApiAsync(DbProvider.Sqlite, new()
        {
            ["Notifications:Channels:soc:Kind"] = "Slack",
            ["Notifications:Channels:soc:Url"] = "https://hooks.slack.example/services/x",
        });
        using var admin = await NotificationSeed.AdminAsync(api);
        var slack = new ChannelRequest(Kind: "Slack", Url: "https://hooks.slack.example/services/y");

        using var configuredName = await admin.PostAsJsonAsync("/api/notifications/channels", slack with { Name = "SOC" }, Upload.Json);
        using var first = await admin.PostAsJsonAsync("/api/notifications/channels", slack with { Name = "team" }, Upload.Json);
        using var second = await admin.PostAsJsonAsync("/api/notifications/channels", slack with { Name = "Team" }, Upload.Json);
        using var put = await admin.PutAsJsonAsync("/api/notifications/channels/soc", new ChannelRequest(MinimumSeverity: "Low"), Upload.Json);
        using var delete = await admin.DeleteAsync("/api/notifications/channels/soc");
        using var rename = await admin.PutAsJsonAsync("/api/notifications/channels/team", new ChannelRequest(Name: "squad"), Upload.Json);
        using var unknown = await admin.PutAsJsonAsync("/api/notifications/channels/nobody", new ChannelRequest(MinimumSeverity: "Low"), Upload.Json);

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Created, HttpStatusCode.Conflict), (configuredName.StatusCode, first.StatusCode, second.StatusCode));
        Assert.Contains("Notifications__Channels__soc__", (await Problem(configuredName)).Detail);
        Assert.Contains("'Team' exists already", (await Problem(second)).Detail);
        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (put.StatusCode, delete.StatusCode));
        var readOnly = (await Problem(put)).Detail;
        Assert.Equal("'soc' is declared in configuration: change or remove the settings Notifications__Channels__soc__* where the Api is deployed.", readOnly);
        Assert.Equal(readOnly, (await Problem(delete)).Detail);
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.NotFound), (rename.StatusCode, unknown.StatusCode));
        Assert.Equal(["soc", "team"], (await Upload.GetAsync<List<ChannelDto>>(admin, "/api/notifications/channels")).Select(c => c.Name));
    }

    [Fact]
    public async Task A_channel_the_checks_refuse_is_a_bad_request_naming_each_field_as_configuration_would()
    {
        var api = await ApiAsync(DbProvider.Sqlite, []);
        using var admin = await NotificationSeed.AdminAsync(api);
        var hook = new ChannelRequest(Name: "hook", Kind: "Webhook", Url: "https://hooks.example/in", Secret: Secret);

        (ChannelRequest Request, string Field, string Message)[] cases =
        [
            (hook with { Url = "http://hooks.example/in" }, "url", "Url must be an absolute https address (http only to this machine)."),
            (hook with { Url = "not an address" }, "url", "Url must be an absolute https address (http only to this machine)."),
            (hook with { Secret = "too-short" }, "secret", "Secret must be at least 32 characters for a Webhook channel."),
            (hook with { PermitsPerMinute = 0 }, "permitsPerMinute", "PermitsPerMinute must be between 1 and 10000."),
            (hook with { Kind = "Pager" }, "kind", "kind must be one of Teams, Slack, Discord, Webhook, Email."),
            (hook with { Kind = null }, "kind", "kind is required: one of Teams, Slack, Discord, Webhook, Email."),
            (hook with { MinimumSeverity = "Urgent" }, "minimumSeverity", "minimumSeverity must be one of Info, Low, Medium, High, Critical."),
            (hook with { Name = "a/b" }, "name", "name is required: 1-100 letters, digits, '.', '-' and '_', starting with a letter or digit."),
            (hook with { Domains = ["not a domain"] }, "domains", "Domains: 'not a domain' is not a domain name such as example.com."),
            (hook with { Rules = ["source threat"] }, "rules", "Rules: 'source threat' is not an alert rule key such as source.threat (or a prefix such as domain.*)."),
            (new ChannelRequest(Name: "mail", Kind: "Email", To: "soc@tests.example"), "host", "Host is required for an Email channel (the SMTP server)."),
            (new ChannelRequest(Name: "mail", Kind: "Email", Host: "smtp.example", From: "alerts@dmarc.example", To: "soc", UserName: "u"), "to",
                "To must be e-mail addresses separated by commas."),
            (new ChannelRequest(Name: "mail", Kind: "Email", Host: "smtp.example", From: "alerts@dmarc.example", To: "soc@tests.example", UserName: "u"), "password",
                "UserName and Password go together: set both or neither."),
        ];

        foreach (var (request, field, message) in cases)
        {
            using var response = await admin.PostAsJsonAsync("/api/notifications/channels", request, Upload.Json);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{field}: {(int)response.StatusCode}");
            var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>(Upload.Json))!;
            Assert.True(problem.Errors.TryGetValue(field, out var messages), $"{field}: {string.Join("; ", problem.Errors.Select(e => $"{e.Key}={string.Join(" ", e.Value)}"))}");
            Assert.Contains(message, messages);
        }

        // A Slack channel turned into a Webhook channel needs the key it never had.
        using var slack = await admin.PostAsJsonAsync("/api/notifications/channels", new ChannelRequest(Name: "chat", Kind: "Slack", Url: "https://hooks.example/s"), Upload.Json);
        using var turned = await admin.PutAsJsonAsync("/api/notifications/channels/chat", new ChannelRequest(Kind: "Webhook"), Upload.Json);
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.BadRequest), (slack.StatusCode, turned.StatusCode));
        Assert.Contains("Secret must be at least 32 characters for a Webhook channel.",
            (await turned.Content.ReadFromJsonAsync<ValidationProblemDetails>(Upload.Json))!.Errors["secret"]);
        Assert.Equal(0, await CountAsync(api, "SELECT COUNT(*) FROM notification_channels WHERE name <> 'chat'"));
    }

    [Theory]
    [InlineData(DbProvider.PostgreSql)]
    [InlineData(DbProvider.Sqlite)]
    public async Task Alerts_and_decisions_reach_the_stored_channels_whose_severity_domains_and_rules_want_them_signed(DbProvider provider)
    {
        var api = await ApiAsync(provider, []);
        using var admin = await NotificationSeed.AdminAsync(api);
        var receivers = new Dictionary<string, HttpReceiver>();
        async Task AddAsync(string name, ChannelRequest request)
        {
            receivers[name] = Own(await HttpReceiver.StartAsync());
            using var response = await admin.PostAsJsonAsync("/api/notifications/channels",
                request with { Name = name, Kind = "Webhook", Url = receivers[name].Url.ToString(), Secret = Secret + name }, Upload.Json);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        await AddAsync("everything", new ChannelRequest(MinimumSeverity: "Low"));
        await AddAsync("domain-rules", new ChannelRequest(Rules: ["domain.*"]));
        await AddAsync("threats", new ChannelRequest(Rules: ["source.threat"]));
        await AddAsync("example-com", new ChannelRequest(Domains: ["example.com"]));
        await AddAsync("example-org", new ChannelRequest(Domains: ["example.org"]));
        await AddAsync("critical-only", new ChannelRequest(MinimumSeverity: "Critical"));
        await AddAsync("switched-off", new ChannelRequest(Enabled: false, MinimumSeverity: "Info"));

        var spike = await NotificationSeed.OutboxAsync(api, NotificationSeed.DomainAlert("mail.example.com", "domain.failure-spike", "High"));
        var threat = await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("203.0.113.9", "High").Replace("source-threat", "source.threat", StringComparison.Ordinal));
        // Each message is fanned out in one transaction: once its deliveries exist, no other channel will get it.
        var delivered = await WaitForDeliveriesAsync(api, 5, d => d.Status == DeliveryStatus.Delivered);

        Assert.Equal(["domain-rules", "everything", "example-com"], delivered.Where(d => d.OutboxId == spike).Select(d => d.Channel).Order());
        Assert.Equal(["everything", "threats"], delivered.Where(d => d.OutboxId == threat).Select(d => d.Channel).Order());
        Assert.Equal(5, (await WaitForDeliveriesAsync(api, 0, _ => true)).Count);
        foreach (var quiet in new[] { "example-org", "critical-only", "switched-off" })
        {
            Assert.Empty(receivers[quiet].Requests);
        }

        Assert.Equal(2, receivers["everything"].Requests.Count);
        foreach (var (name, receiver) in receivers.Where(r => !r.Value.Requests.IsEmpty))
        {
            Assert.All(receiver.Requests, r => AssertSigned(r, Secret + name));
        }

        var decision = Assert.Single(receivers["threats"].Requests).Json;
        Assert.Equal(("Review", "source.threat"), (decision.GetProperty("decision").GetProperty("action").GetString(), decision.GetProperty("alert").GetProperty("ruleKey").GetString()));
        Assert.Equal("domain.failure-spike on mail.example.com", Assert.Single(receivers["example-com"].Requests).Json.GetProperty("title").GetString());

        // Disabled after the fact: the next alert does not go to it, enabled again it does.
        using var disable = await admin.PutAsJsonAsync("/api/notifications/channels/everything", new ChannelRequest(Enabled: false), Upload.Json);
        var later = await NotificationSeed.OutboxAsync(api, NotificationSeed.DomainAlert("example.com", "domain.new-source", "Medium"));
        await DispatchedAsync(api, later);
        using var enable = await admin.PutAsJsonAsync("/api/notifications/channels/everything", new ChannelRequest(Enabled: true), Upload.Json);
        var last = await NotificationSeed.OutboxAsync(api, NotificationSeed.DomainAlert("example.com", "domain.new-source", "Medium"));
        await WaitForDeliveriesAsync(api, 1, d => d.OutboxId == last && d.Status == DeliveryStatus.Delivered);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (disable.StatusCode, enable.StatusCode));
        Assert.DoesNotContain(await WaitForDeliveriesAsync(api, 0, _ => true), d => d.OutboxId == later && d.Channel == "everything");
        Assert.Equal(3, receivers["everything"].Requests.Count);
    }

    [Theory]
    [InlineData(DbProvider.PostgreSql)]
    [InlineData(DbProvider.Sqlite)]
    public async Task A_second_api_on_the_same_database_sees_a_channel_the_first_added_and_unprotects_its_secrets(DbProvider provider)
    {
        var hook = Own(await HttpReceiver.StartAsync());
        var first = await ApiAsync(provider, []);
        var second = ReplicaOf(first, []);
        using var adminOfFirst = await NotificationSeed.AdminAsync(first);
        using var adminOfSecond = second.CreateClient();
        adminOfSecond.DefaultRequestHeaders.Authorization = adminOfFirst.DefaultRequestHeaders.Authorization;
        Assert.Empty(await Upload.GetAsync<List<ChannelDto>>(adminOfSecond, "/api/notifications/channels"));

        using var created = await adminOfFirst.PostAsJsonAsync("/api/notifications/channels",
            new ChannelRequest(Name: "shared", Kind: "Webhook", Url: hook.Url.ToString(), Secret: Secret), Upload.Json);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // The second replica read the list a moment ago; it sees the new channel within its refresh interval.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        List<ChannelDto> seen;
        while ((seen = await Upload.GetAsync<List<ChannelDto>>(adminOfSecond, "/api/notifications/channels")).Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(200);
        }

        var channel = Assert.Single(seen);
        Assert.Equal(("shared", true, null), (channel.Name, channel.HasSecret, channel.Problem));
        Assert.Equal(1, await CountAsync(first, "SELECT COUNT(*) FROM data_protection_keys"));

        // With the first Api gone, the second sends to the channel with the secret the first protected.
        await first.DisposeAsync();
        using var test = await adminOfSecond.PostAsync("/api/notifications/channels/shared/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        await WaitForDeliveriesAsync(second, 1, d => d.Channel == "shared" && d.Status == DeliveryStatus.Delivered);
        AssertSigned(Assert.Single(hook.Requests), Secret);
    }

    [Fact]
    public async Task A_configured_channel_with_rules_gets_only_those_rules_alerts_and_a_bad_rule_stops_the_start()
    {
        var hook = Own(await HttpReceiver.StartAsync());
        var api = await ApiAsync(DbProvider.Sqlite, new()
        {
            ["Notifications:Channels:domains:Kind"] = "Webhook",
            ["Notifications:Channels:domains:Url"] = hook.Url.ToString(),
            ["Notifications:Channels:domains:Secret"] = Secret,
            ["Notifications:Channels:domains:Rules:0"] = "domain.*",
        });

        var threat = await NotificationSeed.OutboxAsync(api, NotificationSeed.ThreatAlert("203.0.113.9", "High").Replace("source-threat", "source.threat", StringComparison.Ordinal));
        var spike = await NotificationSeed.OutboxAsync(api, NotificationSeed.DomainAlert("example.com", "domain.failure-spike", "High"));
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.Delivered));
        await DispatchedAsync(api, threat);

        Assert.Equal((spike, "domains"), (delivery.OutboxId, delivery.Channel));
        Assert.Single(await WaitForDeliveriesAsync(api, 0, _ => true));
        Assert.Equal(["domain.*"], Assert.Single(await Upload.GetAsync<List<ChannelDto>>(await NotificationSeed.AdminAsync(api), "/api/notifications/channels")).Rules);

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await ApiAsync(DbProvider.Sqlite, new()
        {
            ["Notifications:Channels:bad:Kind"] = "Slack",
            ["Notifications:Channels:bad:Url"] = "https://hooks.example/x",
            ["Notifications:Channels:bad:Rules:0"] = "domain failure",
        }));
        Assert.Contains("Notifications:Channels:bad:Rules: 'domain failure' is not an alert rule key", error.ToString());
    }

    [Fact]
    public async Task A_stored_channels_secrets_never_reach_the_logs_even_at_trace()
    {
        var logs = new CapturedLogs();
        var hook = Own(await HttpReceiver.StartAsync());
        var api = await ApiAsync(DbProvider.Sqlite, SecretsTests.TraceEverything.ToDictionary(s => s.Key, s => (string?)s.Value),
            web => web.ConfigureLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        using var admin = await NotificationSeed.AdminAsync(api);

        using var created = await admin.PostAsJsonAsync("/api/notifications/channels",
            new ChannelRequest(Name: "quiet", Kind: "Webhook", Url: $"{hook.Url}?token={PathToken}", Secret: Secret), Upload.Json);
        using var changed = await admin.PutAsJsonAsync("/api/notifications/channels/quiet", new ChannelRequest(Secret: Secret + "-2"), Upload.Json);
        using var test = await admin.PostAsync("/api/notifications/channels/quiet/test", null);
        await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.Delivered);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (created.StatusCode, changed.StatusCode));
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(Secret, logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(PathToken, logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_channel_whose_secrets_these_keys_cannot_unprotect_is_shown_unusable_and_gets_no_alerts()
    {
        var api = await ApiAsync(DbProvider.Sqlite, new() { ["Notifications:MaxAttempts"] = "1" });
        using var admin = await NotificationSeed.AdminAsync(api);
        // Protected under another key ring, as a database restored without its keys would hold it.
        var foreign = new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider();
        await using (var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext())
        {
            db.NotificationChannels.Add(new NotificationChannelEntity
            {
                Name = "orphan", Kind = "Slack", Security = "StartTls", Enabled = true, MinimumSeverity = Severity.Info, PermitsPerMinute = 30,
                UrlProtected = new ChannelSecrets(foreign).Protect("orphan", ChannelSecrets.UrlPurpose, "https://hooks.slack.example/services/x"),
                CreatedAt = DateTimeOffset.UtcNow, CreatedBy = "restore", UpdatedAt = DateTimeOffset.UtcNow, UpdatedBy = "restore",
            });
            await db.SaveChangesAsync();
        }

        var channel = Assert.Single(await Upload.GetAsync<List<ChannelDto>>(admin, "/api/notifications/channels"));
        var alert = await NotificationSeed.OutboxAsync(api, NotificationSeed.DomainAlert("example.com", "domain.failure-spike", "High"));
        await DispatchedAsync(api, alert);
        using var test = await admin.PostAsync("/api/notifications/channels/orphan/test", null);
        var delivery = Assert.Single(await WaitForDeliveriesAsync(api, 1, d => d.Status == DeliveryStatus.DeadLettered));

        Assert.Equal(("orphan", false), (channel.Name, channel.HasUrl));
        Assert.Equal("Its secrets cannot be unprotected with this Api's Data Protection keys; enter them again.", channel.Problem);
        Assert.Equal((Notice.TestType, "Gave up after 1 attempts: Its secrets cannot be unprotected with this Api's Data Protection keys; enter them again."),
            (delivery.MessageType, delivery.LastError));

        // Entering the address again makes it usable.
        using var fixedUp = await admin.PutAsJsonAsync("/api/notifications/channels/orphan", new ChannelRequest(Url: "https://hooks.slack.example/services/y"), Upload.Json);
        var usable = (await fixedUp.Content.ReadFromJsonAsync<ChannelDto>(Upload.Json))!;
        Assert.Equal((true, null), (usable.HasUrl, usable.Problem));
        Assert.Null(Assert.Single(await Upload.GetAsync<List<ChannelDto>>(admin, "/api/notifications/channels")).Problem);
    }

    private static async Task DispatchedAsync(WebApplicationFactory<Program> api, long outboxId)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
            if (await db.Outbox.AnyAsync(o => o.Id == outboxId && o.DispatchedAt != null))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Outbox message {outboxId} was not dispatched within 30 s.");
    }

    private static void AssertSigned(HttpReceiver.Received request, string secret)
    {
        var timestamp = long.Parse(request.Headers[ChannelMessages.TimestampHeader], CultureInfo.InvariantCulture);
        Assert.Equal(ChannelMessages.Signature(secret, timestamp, request.Body), request.Headers[ChannelMessages.SignatureHeader]);
    }

    private static async Task<ProblemDetails> Problem(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ProblemDetails>(Upload.Json))!;

    private static async Task<NotificationChannelEntity> RowAsync(WebApplicationFactory<Program> api, string name)
    {
        await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
        return await db.NotificationChannels.AsNoTracking().SingleAsync(c => c.Name == name);
    }

    /// <summary>Every column of the row as text, read with plain SQL.</summary>
    private static async Task<string> RawRowAsync(WebApplicationFactory<Program> api, string name)
    {
        await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM notification_channels WHERE name = '{name}'";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)));
    }

    private static async Task<long> CountAsync(WebApplicationFactory<Program> api, string sql)
    {
        await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task<List<(string Action, string? Target, string Outcome)>> AuditAsync(WebApplicationFactory<Program> api, int atLeast)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
            var entries = (await db.AuditEntries.AsNoTracking().Where(a => a.Action.Contains("/api/notifications/channels")).ToListAsync())
                .Select(a => (a.Action, a.Target, a.Outcome)).ToList();
            if (entries.Count(e => !e.Action.EndsWith("/test", StringComparison.Ordinal)) >= atLeast || clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                return entries;
            }

            await Task.Delay(100);
        }
    }
}
