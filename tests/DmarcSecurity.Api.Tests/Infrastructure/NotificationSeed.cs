using System.Net.Http.Json;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Notifications;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests.Infrastructure;

/// <summary>What the notification tests share: an Admin on an Api of their own, and outbox messages as the grains
/// write them.</summary>
internal static class NotificationSeed
{
    public static async Task<HttpClient> AdminAsync(WebApplicationFactory<Program> api)
    {
        await api.Services.GetRequiredService<UserService>().CreateAsync(ApiFixture.AdminEmail, null, UserRole.Admin, ApiFixture.AdminPassword, CancellationToken.None);
        var client = api.CreateClient();
        using var login = await client.PostAsJsonAsync("/api/auth/login", new LoginRequest(ApiFixture.AdminEmail, ApiFixture.AdminPassword));
        client.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<TokenResponse>(Upload.Json))!.AccessToken);
        return client;
    }

    /// <summary>An outbox message as the source-IP grain writes it for a threat alert raised by a review decision.</summary>
    public static string ThreatAlert(string ip, string severity) => JsonSerializer.Serialize(new
    {
        channel = "Notify",
        messageType = "alert.raised",
        alert = new
        {
            ruleKey = "source-threat",
            fingerprint = $"fp-{ip}",
            severity,
            grainType = "source-ip",
            grainKey = ip,
            title = $"{severity} threat from {ip}",
            detail = $"{severity} threat score 0.882 = pattern 1.000×0.3 + context 0.600×0.25; 1000 of 1000 messages failed DKIM and SPF alignment.",
            discriminators = new Dictionary<string, string> { ["severity"] = severity },
            occurredAt = DateTimeOffset.UtcNow,
            isRepeat = false,
            occurrences = 1,
        },
        decision = new { decisionId = Guid.NewGuid(), ip, action = "Review", severity, score = 0.882, simulated = false, expiresAt = DateTimeOffset.UtcNow.AddHours(4) },
    });

    /// <summary>An outbox message as the domain grain writes it for an alert of <paramref name="rule"/> on <paramref name="domain"/>.</summary>
    public static string DomainAlert(string domain, string rule, string severity) => JsonSerializer.Serialize(new
    {
        channel = "Notify",
        messageType = "alert.raised",
        alert = new
        {
            ruleKey = rule,
            fingerprint = $"fp-{rule}-{domain}",
            severity,
            grainType = "domain",
            grainKey = domain,
            title = $"{rule} on {domain}",
            detail = "Failure rate 34.0% against a baseline of 1.2% over 2,410 messages.",
            discriminators = new Dictionary<string, string> { ["day"] = "2026-11-03" },
            occurredAt = DateTimeOffset.UtcNow,
            isRepeat = false,
            occurrences = 1,
        },
    });

    public static async Task<long> OutboxAsync(WebApplicationFactory<Program> api, string payload)
    {
        await using var db = api.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext();
        var message = new OutboxMessageEntity { Channel = "Notify", MessageType = "alert.raised", Payload = payload, CreatedAt = DateTimeOffset.UtcNow };
        db.Outbox.Add(message);
        await db.SaveChangesAsync();
        return message.Id;
    }
}
