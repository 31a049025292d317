using DmarcSecurity.Cli.Tests.Infrastructure;

namespace DmarcSecurity.Cli.Tests;

public sealed class IngestCommandTests(CliApi api) : IClassFixture<CliApi>
{
    [Fact]
    public async Task Ingest_of_a_folder_of_xml_and_gzip_reports_stores_each_and_exits_0()
    {
        var folder = Samples.NewFolder();
        File.Copy(Samples.Path("rfc7489-example.xml"), Path.Combine(folder, "rfc7489-example.xml"));
        Samples.Gzipped("google.com!example.com!1700006400!1700092799.xml", folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not taken from a folder");

        var run = await api.RunAsync("ingest", folder);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("2 files: 2 stored, 0 duplicate, 0 rejected.", run.Output);
        Assert.Matches(@"rfc7489-example\.xml\s+│ Stored\s+│\s+1 │\s+3 │ report \d+", run.Output);
        Assert.Matches(@"google\.com!example\.com!1700006400!1700092799\.xml\.gz\s+│ Stored", run.Output);
        Assert.DoesNotContain("notes.txt", run.Output);
    }

    [Fact]
    public async Task Ingest_of_the_same_file_twice_reports_a_duplicate_of_the_stored_report()
    {
        var file = Samples.Path("yahoo.com!example.com!1700006400!1700092799.xml");
        var first = await api.RunAsync("ingest", file);

        var second = await api.RunAsync("ingest", file);

        Assert.True(first.ExitCode == 0, first.ToString());
        var reportId = System.Text.RegularExpressions.Regex.Match(first.Output, @"report (\d+)").Groups[1].Value;
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains($"already stored as report {reportId}", second.Output);
        Assert.Contains("1 file: 0 stored, 1 duplicate, 0 rejected.", second.Output);
    }

    [Fact]
    public async Task Ingest_of_a_folder_takes_its_tls_report_json_and_names_a_conflicting_copy_of_a_stored_report()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var domain = $"cli-{run}.example";
        var folder = Samples.NewFolder();
        File.WriteAllBytes(Path.Combine(folder, $"google.com!{domain}!1!2.json"),
            DmarcSecurity.Testing.TlsReportJson.Build($"tls-{run}", new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero), "Google Inc.",
                new DmarcSecurity.Testing.TlsPolicy(domain, 100, "sts")));
        File.WriteAllBytes(Path.Combine(folder, "first.xml"),
            DmarcSecurity.Testing.AggregateReportXml.Build(domain, "receiver.example", $"r-{run}", 3, [("192.0.2.8", 10, true, "none")]));
        var resent = Path.Combine(Samples.NewFolder(), "resent.xml");
        File.WriteAllBytes(resent,
            DmarcSecurity.Testing.AggregateReportXml.Build(domain, "receiver.example", $"r-{run}", 3, [("192.0.2.8", 12, true, "none")]));

        var first = await api.RunAsync("ingest", folder);
        var second = await api.RunAsync("ingest", resent);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("2 files: 2 stored, 0 duplicate, 0 rejected.", first.Output);
        Assert.Matches($@"google\.com!{domain.Replace(".", @"\.")}!1!2\.json\s+│ Stored", first.Output);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Matches(@"already stored as report \d+ with other content; kept apart as conflict \d+", second.Output);
        Assert.Contains("1 file: 0 stored, 1 duplicate, 1 with a conflicting copy kept, 0 rejected.", second.Output);
    }

    [Fact]
    public async Task Ingest_with_a_rejected_file_shows_its_reason_and_exits_1()
    {
        var run = await api.RunAsync("ingest", Samples.Path("hostile-xxe.xml"), Samples.Path("comcast.net!example.com!1700006400!1700092799.xml"));

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Matches(@"hostile-xxe\.xml\s+│ Rejected\s+│\s+0 │\s+0 │ DtdProhibited: .*Document type definitions and entities are refused", run.Output);
        Assert.Matches(@"comcast\.net!example\.com!1700006400!1700092799\.xml\s+│ Stored", run.Output);
        Assert.Contains("2 files: 1 stored, 0 duplicate, 1 rejected.", run.Output);
    }

    [Fact]
    public async Task Ingest_of_a_path_that_does_not_exist_exits_2_naming_it()
    {
        var run = await api.RunAsync("ingest", "/nowhere/report.xml");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("dmarcsec: No such file or folder: /nowhere/report.xml", run.Error.Trim());
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Ingest_without_paths_is_a_usage_error()
    {
        var run = await api.RunAsync("ingest");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Required argument missing for command: 'ingest'", run.Error);
    }
}
