using System.Diagnostics;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Testing;
using Xunit.Abstractions;

namespace DmarcSecurity.Api.Tests.Mailboxes;

/// <summary>500 report messages in a real Dovecot mailbox: the time from the Api's start until every report is stored
/// and every message archived, undisturbed and with the Api or the server restarted midway. Nothing may be lost and
/// nothing stored twice. The figures go to the test output.</summary>
public sealed class MailboxThroughputTests(ITestOutputHelper output)
{
    private const string User = "dmarc";
    private const string Password = "Imap-Secret-7f3a9c";
    private const int Messages = 500;

    public enum Disturbance
    {
        None,
        ApiRestart,
        ServerRestart,
    }

    [Theory]
    [InlineData(Disturbance.None)]
    [InlineData(Disturbance.ApiRestart)]
    [InlineData(Disturbance.ServerRestart)]
    public async Task Five_hundred_messages_are_all_stored_once_and_archived(Disturbance disturbance)
    {
        await using var server = await DovecotServer.StartAsync((User, Password));
        var run = Guid.NewGuid().ToString("N")[..8];
        await using (var mailbox = await MailboxClient.ConnectAsync(server.Port, User, Password))
        {
            await mailbox.AppendAsync([.. Enumerable.Range(0, Messages).Select(i => ReportMail.WithAttachments(
                $"Report Domain: example.com Submitter: google.com Report-ID: {run}-{i}",
                ($"google.com!example.com!{i}.xml.gz", "application/gzip", ReportXml.Gzip(ReportXml.Build($"{run}-{i}", records: [new TestRecord($"192.0.2.{i % 250}", i + 1), new TestRecord("2001:db8::1", 2, "reject", "fail", "fail")])))))]);
        }

        var clock = Stopwatch.StartNew();
        await using var api = await MailboxHost.StartAsync("rua", server.Port, User, Password, pollInterval: TimeSpan.FromSeconds(5));
        await using var check = await MailboxClient.ConnectAsync(server.Port, User, Password);
        if (disturbance != Disturbance.None)
        {
            await WaitForAsync(async () => await api.ScalarAsync("SELECT count(*) FROM reports") >= Messages / 2, TimeSpan.FromMinutes(5));
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {await api.ScalarAsync("SELECT count(*) FROM reports")} reports stored; {disturbance}");
            if (disturbance == Disturbance.ApiRestart)
            {
                await api.StopAsync();
                api.Start();
            }
            else
            {
                await server.StopAsync();
                await server.StartAsync();
                await check.DisposeAsync();
            }
        }

        if (disturbance != Disturbance.None)
        {
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: back; {await api.ScalarAsync("SELECT count(*) FROM reports")} reports stored");
        }

        await using var after = await MailboxClient.ConnectAsync(server.Port, User, Password);
        await WaitForAsync(async () => await after.CountAsync("INBOX") == 0, TimeSpan.FromMinutes(3));
        var elapsed = clock.Elapsed;

        // A server killed between the copy and the expunge of a MOVE leaves the message in both folders; the copy
        // left behind is read again, answered as a duplicate and archived again, so the archive may hold it twice.
        var archived = await after.CountAsync("Archive");
        Assert.InRange(archived, Messages, disturbance == Disturbance.None ? Messages : Messages + 1);
        Assert.Equal(0, await after.CountAsync("Invalid"));
        Assert.Equal(Messages, await api.ScalarAsync("SELECT count(*) FROM reports"));
        Assert.Equal(Messages, await api.ScalarAsync("SELECT count(DISTINCT report_id) FROM reports"));
        Assert.Equal(Messages * 2, await api.ScalarAsync("SELECT count(*) FROM records"));
        Assert.Equal(Messages, await api.ScalarAsync("SELECT count(*) FROM ingested_files WHERE outcome = 'Stored'"));
        output.WriteLine($"{Messages} messages, {disturbance}: all stored and archived {elapsed.TotalSeconds:F1} s after the Api started ({Messages / elapsed.TotalSeconds:F0} messages/s)");
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out after {timeout}");
            await Task.Delay(100);
        }
    }
}
