using System.Diagnostics;
using DmarcSecurity.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DmarcSecurity.Api.Tests.Mailboxes;

/// <summary>500 report messages in a Microsoft 365 mailbox answered by the local Graph server: the time from the Api's
/// start until every report is stored and every message archived, undisturbed and with every 50th download throttled
/// once (429, Retry-After 1 s). Nothing may be lost and nothing stored twice. The figures go to the test output.</summary>
public sealed class GraphMailboxThroughputTests(ITestOutputHelper output)
{
    private const int Messages = 500;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Five_hundred_messages_are_all_stored_once_and_archived(bool throttled)
    {
        await using var server = await GraphServer.StartAsync();
        server.MaxPageSize = 100;
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < Messages; i++)
        {
            var subject = $"Report Domain: example.com Submitter: google.com Report-ID: {run}-{i}";
            server.Deliver(ReportMail.WithAttachments(subject, ($"google.com!example.com!{i}.xml.gz", "application/gzip",
                ReportXml.Gzip(ReportXml.Build($"{run}-{i}", records: [new TestRecord($"192.0.2.{i % 250}", i + 1), new TestRecord("2001:db8::1", 2, "reject", "fail", "fail")])))));
            if (throttled && i % 50 == 0)
            {
                server.Fail("value", 429, subject: subject, retryAfter: 1);
            }
        }

        var clock = Stopwatch.StartNew();
        await using var api = await GraphMailboxHost.StartAsync(server);
        while (server.Count("Inbox") > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(5), "timed out after 5 minutes");
            await Task.Delay(100);
        }

        var elapsed = clock.Elapsed;
        Assert.Equal(Messages, server.Count("Archive"));
        Assert.Equal(Messages, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(Messages, await api.ScalarAsync("SELECT count(DISTINCT report_id) FROM reports"));
        Assert.Equal(Messages * 2, await api.ScalarAsync("SELECT count(*) FROM records"));
        Assert.Equal(Messages, await api.ScalarAsync("SELECT count(*) FROM ingestion_history WHERE source = 'graph:rua' AND outcome = 'Stored'"));
        Assert.Equal(throttled ? 10 : 0, server.Requests.Count(r => r.Contains("/$value", StringComparison.Ordinal) && r.EndsWith("retry-attempt=1", StringComparison.Ordinal)));
        output.WriteLine($"{Messages} messages{(throttled ? ", 10 downloads throttled once" : "")}: all stored and archived {elapsed.TotalSeconds:F1} s after the Api started ({Messages / elapsed.TotalSeconds:F0} messages/s)");
    }
}
