using DmarcSecurity.Cli.Tests.Infrastructure;

namespace DmarcSecurity.Cli.Tests;

public sealed class IngestIdsCommandTests(CliApi api) : IClassFixture<CliApi>
{
    [Fact]
    public async Task Ingest_ids_of_an_eve_log_shows_what_was_read_and_the_first_unreadable_lines()
    {
        var run = await api.RunAsync("ingest-ids", "--format", "SuricataEve", Samples.Path("suricata-eve.json"), Samples.Path("hostile-eve.json"));

        Assert.True(run.ExitCode == 0, run.ToString());
        // Lines, events, alerts, unreadable, sources; then what was skipped.
        Assert.Matches(@"suricata-eve\.json\s+│ Stored\s+│ SuricataEve\s+│\s+9 │\s+3 │\s+3 │\s+0 │\s+3 │ event_type anomaly 1, event_type dns 1, event_type flow 2", run.Output);
        Assert.Matches(@"hostile-eve\.json\s+│ Stored\s+│ SuricataEve\s+│\s+15 │\s+2 │\s+2 │\s+13 │\s+1 │ -", run.Output);
        Assert.Contains("hostile-eve.json:4: invalid src_ip: \"999.0.113.8\"", run.Output);
        Assert.Contains("hostile-eve.json: 8 more unreadable line(s).", run.Output);
        Assert.Contains("2 logs: 2 stored, 0 duplicate, 0 rejected; 5 alerts.", run.Output);
    }

    [Fact]
    public async Task Ingest_ids_with_an_unknown_format_is_a_usage_error()
    {
        var run = await api.RunAsync("ingest-ids", "--format", "Bro", Samples.Path("suricata-eve.json"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("'Bro'", run.Error);
        Assert.Equal("", run.Output);
    }
}
