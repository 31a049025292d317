using System.Diagnostics;
using DmarcSecurity.Testing;
using Npgsql;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// Notification delivery through the real Api process on PostgreSQL to a real HTTP receiver that fails half its
/// requests, then is down (connection refused) for a minute, then answers again: whether every notification arrives,
/// how many sends were repeats (each carrying its delivery's one idempotency key), and what was dead-lettered; once
/// with the default attempt limit, once with a limit of 3 to show the dead letters.
/// </summary>
public static class NotifyBenchmark
{
    private static readonly int Messages = int.TryParse(Environment.GetEnvironmentVariable("DMARC_BENCH_NOTIFY_MESSAGES"), out var m) ? m : 300;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("DMARC_BENCH_NOTIFY_OUTAGE_SECONDS"), out var o) ? o : 60);

    public static async Task RunAsync(TextWriter output)
    {
        var admin = Environment.GetEnvironmentVariable("DMARC_TEST_POSTGRES") ?? throw new InvalidOperationException("DMARC_TEST_POSTGRES is not set: run bench/run.sh.");
        var apiDll = Environment.GetEnvironmentVariable("DMARC_API_DLL") ?? throw new InvalidOperationException("DMARC_API_DLL is not set: run bench/run.sh.");
        output.WriteLine();
        output.WriteLine($"== notify: {Messages} alerts to a webhook that fails half its requests, then is down for {Outage.TotalSeconds:0} s ==");
        foreach (var maxAttempts in new[] { 12, 3 })
        {
            await RunOnceAsync(output, admin, apiDll, maxAttempts);
        }
    }

    private static async Task RunOnceAsync(TextWriter output, string admin, string apiDll, int maxAttempts)
    {
        var random = new Random(42);
        var receiver = await HttpReceiver.StartAsync(_ => random.Next(2) == 0 ? 503 : 200);
        var port = receiver.Url.Port;
        var connectionString = await BenchDatabase.CreateAsync(admin, $"notify{maxAttempts}");
        using var api = await ApiHost.StartAsync(apiDll, connectionString, new Dictionary<string, string>
        {
            ["Notifications__Channels__hook__Kind"] = "Webhook",
            ["Notifications__Channels__hook__Url"] = receiver.Url.ToString(),
            ["Notifications__Channels__hook__Secret"] = "benchmark-webhook-secret-0123456789abcdef",
            ["Notifications__Channels__hook__PermitsPerMinute"] = "10000",
            ["Notifications__MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notifications__RetryDelay"] = "00:00:01",
            ["Notifications__MaxRetryDelay"] = "00:00:20",
            ["Notifications__Timeout"] = "00:00:02",
        });
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Messages; i++)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO outbox (channel, message_type, payload, created_at, attempts) VALUES ('Notify', 'alert.raised', @payload, now(), 0)", connection);
            insert.Parameters.AddWithValue("payload", Alert(i));
            await insert.ExecuteNonQueryAsync();
        }

        // Half the requests fail for 5 s; then the receiver is gone for the outage; then it accepts everything.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var before = receiver.Requests.ToList();
        await receiver.DisposeAsync();
        await Task.Delay(Outage);
        receiver = await HttpReceiver.StartAsync(_ => 200, port);
        while (await ScalarAsync(connection, "SELECT count(*) FROM notification_deliveries WHERE status = 'Pending'") > 0 && clock.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(200);
        }

        var requests = before.Concat(receiver.Requests).ToList();
        var delivered = await ScalarAsync(connection, "SELECT count(*) FROM notification_deliveries WHERE status = 'Delivered'");
        var dead = await ScalarAsync(connection, "SELECT count(*) FROM notification_deliveries WHERE status = 'DeadLettered'");
        var attempts = await ScalarAsync(connection, "SELECT coalesce(sum(attempts), 0) FROM notification_deliveries");
        var keys = requests.Select(r => r.Headers["Idempotency-Key"]).ToList();
        var accepted = await ScalarAsync(connection, "SELECT count(DISTINCT idempotency_key) FROM notification_deliveries WHERE status = 'Delivered'");
        var keysMatchBodies = requests.All(r => r.Json.GetProperty("id").GetString() == r.Headers["Idempotency-Key"]);
        output.WriteLine($"MaxAttempts {maxAttempts}: {Messages} alerts -> {delivered} delivered, {dead} dead-lettered, 0 lost = {Messages - delivered - dead == 0}; " +
                         $"{requests.Count} requests reached the receiver ({keys.Count - keys.Distinct().Count()} repeats of {keys.Distinct().Count()} keys, " +
                         $"{attempts} attempts in all, the rest refused while it was down); every request's key matched its body's id: {keysMatchBodies}; " +
                         $"{accepted} distinct keys accepted; settled {clock.Elapsed.TotalSeconds:F0} s after the first alert");
        await receiver.DisposeAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Alert(int i) => System.Text.Json.JsonSerializer.Serialize(new
    {
        channel = "Notify",
        messageType = "alert.raised",
        alert = new
        {
            ruleKey = "source-threat", fingerprint = $"bench-{i}", severity = "High", grainType = "source-ip", grainKey = $"198.51.100.{i % 250}",
            title = $"High threat from 198.51.100.{i % 250}", detail = "benchmark alert", discriminators = new Dictionary<string, string>(),
            occurredAt = DateTimeOffset.UtcNow, isRepeat = false, occurrences = 1,
        },
    });
}
