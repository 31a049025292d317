using System.IO.Compression;
using System.Xml.Linq;
using DmarcSecurity.Cli.Simulate;

namespace DmarcSecurity.Cli.Tests;

public sealed class ReportSimulatorTests
{
    private static readonly SimulationOptions s_options = new(12, "example.org", Seed: 4711, HostileShare: 0.2, Ids: true, Until: new DateOnly(2026, 3, 1));

    [Fact]
    public void The_same_seed_gives_the_same_bytes()
    {
        var first = ReportSimulator.Generate(s_options);
        var second = ReportSimulator.Generate(s_options);

        Assert.Equal(first.Reports.Select(r => r.FileName), second.Reports.Select(r => r.FileName));
        Assert.All(first.Reports.Zip(second.Reports), pair => Assert.Equal(pair.First.Bytes, pair.Second.Bytes));
        Assert.Equal(first.EveLog!.Bytes, second.EveLog!.Bytes);
        Assert.Equal(first.Hostile, second.Hostile);
    }

    [Fact]
    public void Another_seed_gives_other_reports()
    {
        var first = ReportSimulator.Generate(s_options);
        var other = ReportSimulator.Generate(s_options with { Seed = 4712 });

        Assert.NotEqual(first.Reports.Select(r => Convert.ToHexString(r.Bytes)), other.Reports.Select(r => Convert.ToHexString(r.Bytes)));
    }

    [Fact]
    public void Hostile_rows_fail_dkim_and_spf_and_legitimate_rows_pass()
    {
        var simulation = ReportSimulator.Generate(s_options);
        var hostile = simulation.Hostile.Select(h => h.Ip).ToHashSet();

        var rows = simulation.Reports.SelectMany(r => Xml(r).Descendants("record")).Select(r => new
        {
            Ip = r.Element("row")!.Element("source_ip")!.Value,
            Dkim = r.Element("row")!.Element("policy_evaluated")!.Element("dkim")!.Value,
            Spf = r.Element("row")!.Element("policy_evaluated")!.Element("spf")!.Value,
            HeaderFrom = r.Element("identifiers")!.Element("header_from")!.Value,
        }).ToList();

        Assert.Equal(simulation.Records, rows.Count);
        Assert.All(rows, r => Assert.Equal("example.org", r.HeaderFrom));
        Assert.All(rows.Where(r => hostile.Contains(r.Ip)), r => Assert.Equal(("fail", "fail"), (r.Dkim, r.Spf)));
        Assert.Contains(rows, r => r.Ip.StartsWith("192.0.2.", StringComparison.Ordinal) && r is { Dkim: "pass", Spf: "pass" });
        Assert.Equal(simulation.Hostile.Sum(h => h.Rows), rows.Count(r => hostile.Contains(r.Ip)));
    }

    [Fact]
    public void Eve_alerts_come_from_hostile_report_sources_only()
    {
        var simulation = ReportSimulator.Generate(s_options);

        var alerts = System.Text.Encoding.UTF8.GetString(simulation.EveLog!.Bytes)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("event_type").GetString() == "alert")
            .Select(e => e.GetProperty("src_ip").GetString()!)
            .ToList();

        Assert.NotEmpty(alerts);
        Assert.Subset(simulation.Hostile.Select(h => h.Ip).ToHashSet(), alerts.ToHashSet());
        Assert.Equal(simulation.Hostile.Sum(h => h.IdsAlerts), alerts.Count);
    }

    private static XDocument Xml(SimulatedFile file)
    {
        using var input = new MemoryStream(file.Bytes);
        if (file.FileName.EndsWith(".zip", StringComparison.Ordinal))
        {
            using var zip = new ZipArchive(input);
            using var entry = zip.Entries.Single().Open();
            return XDocument.Load(entry);
        }

        if (file.FileName.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            return XDocument.Load(gzip);
        }

        return XDocument.Load(input);
    }
}
