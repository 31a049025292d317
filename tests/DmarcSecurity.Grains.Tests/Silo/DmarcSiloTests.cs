using System.Text;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Hosting;
using DmarcSecurity.Data.Ids;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DmarcSecurity.Grains.Tests.Silo;

/// <summary>The whole path on a real database: a stored report puts events in the grain inbox in its own transaction,
/// the silo consumes them, and the grains' alerts and decisions land in their tables.</summary>
public abstract class DmarcSiloTests(DbProvider provider) : IAsyncLifetime
{
    private string _database = "";
    private IHost _silo = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabases.CreateAsync(provider);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:dmarcdb"] = _database,
            ["Grains:PollInterval"] = "00:00:00.050",
            ["Orleans:Endpoints:SiloPort"] = Runtime.TestSilo.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:Endpoints:GatewayPort"] = Runtime.TestSilo.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.AddDmarcDatabase("dmarcdb");
        builder.AddDmarcGrains();
        _silo = builder.Build();
        await _silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _silo.StopAsync();
        _silo.Dispose();
        await TestDatabases.DropAsync(_database);
    }

    [Fact]
    public async Task A_hostile_source_in_a_stored_report_becomes_a_new_source_alert_and_a_simulated_decision()
    {
        var xml = Report("silo-1", "victim.example",
            ("203.0.113.66", 4000, "reject", "fail", "fail"),
            ("198.51.100.25", 900, "none", "pass", "pass"));
        var reports = new ReportExtractor(ExtractionLimits.Default).Extract(new MemoryStream(xml));
        var stored = await _silo.Services.GetRequiredService<IReportIngestor>().StoreAsync(
            new IncomingFile(Guid.NewGuid().ToString("N"), "test", "silo-1.xml", xml.Length, DateTimeOffset.UtcNow), reports, CancellationToken.None);
        Assert.Equal(FileOutcome.Stored, stored.Outcome);

        var contexts = _silo.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>();
        var (alerts, decisions, pending) = await WaitForAsync(contexts, async db =>
            (await db.Alerts.ToListAsync(), await db.Decisions.ToListAsync(), await db.GrainInbox.CountAsync()));

        Assert.Equal(0, pending);
        var alert = Assert.Single(alerts, a => a.RuleKey == AlertRules.NewSource);
        Assert.Equal(("domain", "victim.example", AlertStatus.Open, 1), (alert.GrainType, alert.GrainKey, alert.Status, alert.Occurrences));
        Assert.Contains("203.0.113.66", alert.Discriminators);
        Assert.DoesNotContain(alerts, a => a.Discriminators.Contains("198.51.100.25"));
        var decision = Assert.Single(decisions, d => d.Ip == "203.0.113.66");
        Assert.True(decision.Simulated);
        Assert.False(decision.SuppressedByAllowlist);
        Assert.InRange(decision.Score, 0.30, 1.0);
        Assert.Contains("\"pattern\"", decision.Breakdown);
        await using var check = await contexts.CreateDbContextAsync();
        Assert.Equal(2, await check.GrainStates.CountAsync(s => s.GrainType == "source-ip"));
        Assert.Equal(1, await check.GrainStates.CountAsync(s => s.GrainType == "domain"));
    }

    /// <summary>The end-to-end case: a DMARC report and a Suricata EVE log about the same address reach its grain
    /// through the inbox and end in a decision whose reason names both kinds of evidence.</summary>
    [Fact]
    public async Task A_DMARC_report_and_an_EVE_log_about_one_address_become_one_decision_naming_both()
    {
        const string attacker = "203.0.113.77";
        var xml = Report("silo-ids", "victim.example", (attacker, 4000, "reject", "fail", "fail"));
        var reports = new ReportExtractor(ExtractionLimits.Default).Extract(new MemoryStream(xml));
        await _silo.Services.GetRequiredService<IReportIngestor>().StoreAsync(
            new IncomingFile(Guid.NewGuid().ToString("N"), "test", "silo-ids.xml", xml.Length, DateTimeOffset.UtcNow), reports, CancellationToken.None);
        var time = DateTimeOffset.UtcNow.AddHours(-2).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff+0000", System.Globalization.CultureInfo.InvariantCulture);
        var eve = string.Join('\n', Enumerable.Range(0, 60).Select(i =>
            $$$"""{"timestamp":"{{{time}}}","event_type":"alert","src_ip":"{{{attacker}}}","src_port":4{{{i:D4}}},"dest_ip":"198.51.100.{{{i % 10}}}","dest_port":443,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2024217,"rev":3,"signature":"ET EXPLOIT Apache Struts RCE","category":"Attempted Administrator Privilege Gain","severity":1}}"""));
        var ids = await _silo.Services.GetRequiredService<IIdsIngestor>().IngestAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(eve)), null,
            new IncomingFile(Guid.NewGuid().ToString("N"), "test", "eve.json", eve.Length, DateTimeOffset.UtcNow), checkDuplicate: true, CancellationToken.None);
        Assert.Equal((FileOutcome.Stored, 60L), (ids.Outcome, ids.Alerts));

        var contexts = _silo.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        DecisionEntity? decision;
        do
        {
            await Task.Delay(100);
            await using var db = await contexts.CreateDbContextAsync();
            decision = await db.Decisions.Where(d => d.Ip == attacker && d.Reason.Contains("IDS:"))
                .OrderByDescending(d => d.IssuedAt).FirstOrDefaultAsync();
        }
        while (decision is null && DateTime.UtcNow < deadline);

        Assert.NotNull(decision);
        Assert.Contains("4000 of 4000 messages failed DKIM and SPF alignment", decision.Reason);
        Assert.Contains("IDS: 60 alert(s), highest priority 1, 60 of 60 hit(s) on protected networks, 10 target(s)", decision.Reason);
        Assert.True(decision.Score >= 0.5, $"score {decision.Score}: {decision.Reason}");
    }

    /// <summary>Reads until the inbox is drained and something was written (the silo polls), for at most 30 s.</summary>
    private static async Task<(List<AlertEntity> Alerts, List<DecisionEntity> Decisions, int Pending)> WaitForAsync(
        IDbContextFactory<DmarcDbContext> contexts,
        Func<DmarcDbContext, Task<(List<AlertEntity>, List<DecisionEntity>, int)>> read)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var db = await contexts.CreateDbContextAsync();
            var result = await read(db);
            if ((result.Item3 == 0 && result.Item1.Count > 0 && result.Item2.Count > 0) || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(100);
        }
    }

    private static byte[] Report(string id, string domain, params (string Ip, int Count, string Disposition, string Dkim, string Spf)[] records)
    {
        var begin = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds();
        var sb = new StringBuilder($"""
            <?xml version="1.0"?>
            <feedback><version>1.0</version>
            <report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email><report_id>{id}</report_id>
            <date_range><begin>{begin}</begin><end>{begin + 86399}</end></date_range></report_metadata>
            <policy_published><domain>{domain}</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct></policy_published>
            """);
        foreach (var r in records)
        {
            sb.Append($"""
                <record><row><source_ip>{r.Ip}</source_ip><count>{r.Count}</count>
                <policy_evaluated><disposition>{r.Disposition}</disposition><dkim>{r.Dkim}</dkim><spf>{r.Spf}</spf></policy_evaluated></row>
                <identifiers><header_from>{domain}</header_from></identifiers>
                <auth_results><spf><domain>{domain}</domain><result>{r.Spf}</result></spf></auth_results></record>
                """);
        }

        return Encoding.UTF8.GetBytes(sb.Append("</feedback>").ToString());
    }
}

public sealed class DmarcSiloPostgreSqlTests() : DmarcSiloTests(DbProvider.PostgreSql);

public sealed class DmarcSiloSqliteTests() : DmarcSiloTests(DbProvider.Sqlite);
