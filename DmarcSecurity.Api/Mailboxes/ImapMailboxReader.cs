using System.Diagnostics;
using System.Security.Cryptography;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>
/// Reads one IMAP mailbox until the Api stops: every message in the folder is ingested as one file (source
/// <c>imap:&lt;name&gt;</c>), then moved to the archive folder when every report in it is stored or was already stored,
/// or to the invalid folder when it holds no report or was refused. A message is moved only after its outcome is
/// committed, so a connection lost at any point loses nothing: the next poll reads the message again and the
/// byte-identical copy is answered as a duplicate and archived. Each poll (with the connection it needed) is a run of
/// the job <c>mailbox:&lt;name&gt;</c>; running that job now ends the wait, IDLE included.
/// </summary>
internal sealed partial class ImapMailboxReader(
    string name,
    MailboxOptions options,
    LoopJob loop,
    IServiceScopeFactory scopes,
    MailboxStatusBoard board,
    IOptions<IngestionOptions> ingestion,
    TimeProvider time,
    ILogger<ImapMailboxReader> logger)
{
    private const int FetchBatch = 100;
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_lastRetry = TimeSpan.FromMinutes(2);

    /// <summary>RFC 2177: re-issue IDLE within 29 minutes; shorter keeps middleboxes from dropping the connection.</summary>
    private static readonly TimeSpan s_longestIdle = TimeSpan.FromMinutes(9);

    private readonly long _maxMessageBytes = ingestion.Value.ToLimits().MaxInputBytes;

    public string Source => $"imap:{name}";

    public async Task RunAsync(CancellationToken stopping)
    {
        var retry = s_firstRetry;
        ImapClient? client = null;
        Opened? opened = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    // A pass: (re)connect when needed, then read the folder; recorded as a run of the mailbox's job.
                    await loop.RecordAsync("schedule", async ct =>
                    {
                        if (client is not { IsConnected: true } || opened is null)
                        {
                            client?.Dispose();
                            client = null;
                            client = await ConnectAsync(ct);
                            opened = await OpenAsync(client, ct);
                        }

                        board.Update(name, s => s with { State = "Polling" });
                        return await PollAsync(opened, ct);
                    }, stopping);
                    retry = s_firstRetry;
                    var wait = opened!.Idle && options.PollInterval > s_longestIdle ? s_longestIdle : options.PollInterval;
                    board.Update(name, s => s with { State = "Waiting", LastPollAt = time.GetUtcNow(), NextPollAt = time.GetUtcNow() + wait });
                    if (opened.Idle)
                    {
                        loop.Expect(wait);
                        await IdleAsync(client!, opened.Folder, wait, loop.WakeToken, stopping);
                    }
                    else
                    {
                        // Without IDLE the connection is not kept through the wait: a long interval would outlast the server's patience.
                        await client!.DisconnectAsync(quit: true, CancellationToken.None);
                        opened = null;
                        await loop.WaitAsync(wait, stopping);
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // The message only: exceptions from the mail stack never carry the password, but their data might echo server text.
                    var error = MailboxConnection.Describe(e, options);
                    board.Update(name, s => s with { State = "Retrying", Errors = s.Errors + 1, LastError = error, LastErrorAt = time.GetUtcNow(), NextPollAt = time.GetUtcNow() + retry });
                    LogConnectionFailed(logger, name, options.Host, options.EffectivePort, error, retry);
                    client?.Dispose();
                    client = null;
                    opened = null;
                    await loop.WaitAsync(retry, stopping);
                    retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, s_lastRetry.Ticks));
                }
            }
        }
        finally
        {
            client?.Dispose();
        }
    }

    private sealed record Opened(IMailFolder Folder, IMailFolder Archive, IMailFolder Invalid, bool Idle);

    private async Task<ImapClient> ConnectAsync(CancellationToken cancellationToken)
    {
        board.Update(name, s => s with { State = "Connecting" });
        var (client, _) = await MailboxConnection.ConnectAsync(options, TimeSpan.FromMinutes(2), cancellationToken);
        LogConnected(logger, name, options.Host, options.EffectivePort, client.IsSecure);
        return client;
    }

    private async Task<Opened> OpenAsync(ImapClient client, CancellationToken cancellationToken)
    {
        var folder = await client.GetFolderAsync(options.Folder, cancellationToken);
        var archive = await GetOrCreateFolderAsync(client, options.ArchiveFolder, cancellationToken);
        var invalid = await GetOrCreateFolderAsync(client, options.InvalidFolder, cancellationToken);
        await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        var idle = options.UseIdle && client.Capabilities.HasFlag(ImapCapabilities.Idle);
        board.Update(name, s => s with { Idle = idle });
        return new Opened(folder, archive, invalid, idle);
    }

    /// <summary>Waits for new mail (the server's EXISTS), the end of the interval, or a run asked for now, whichever comes first.</summary>
    private static async Task IdleAsync(ImapClient client, IMailFolder folder, TimeSpan wait, CancellationToken wake, CancellationToken stopping)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping, wake);
        done.CancelAfter(wait);
        void OnCountChanged(object? sender, EventArgs e) => done.Cancel();
        folder.CountChanged += OnCountChanged;
        try
        {
            await client.IdleAsync(done.Token, stopping);
        }
        finally
        {
            folder.CountChanged -= OnCountChanged;
        }
    }

    /// <summary>Reads every message in the folder; says what became of them.</summary>
    private async Task<string> PollAsync(Opened opened, CancellationToken cancellationToken)
    {
        var before = board.Find(name)!;
        var uids = await opened.Folder.SearchAsync(SearchQuery.All, cancellationToken);
        for (var start = 0; start < uids.Count; start += FetchBatch)
        {
            var batch = uids.Skip(start).Take(FetchBatch).ToList();
            var summaries = await opened.Folder.FetchAsync(batch, MessageSummaryItems.UniqueId | MessageSummaryItems.Size | MessageSummaryItems.Envelope, cancellationToken);
            foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
            {
                await HandleAsync(opened.Folder, summary, opened.Archive, opened.Invalid, cancellationToken);
            }
        }

        var after = board.Find(name)!;
        var left = (after.MessagesSeen - before.MessagesSeen) - (after.MessagesArchived - before.MessagesArchived) - (after.MessagesInvalid - before.MessagesInvalid);
        return $"{after.MessagesSeen - before.MessagesSeen} message(s) in {options.Folder}: {after.MessagesArchived - before.MessagesArchived} archived, " +
               $"{after.MessagesInvalid - before.MessagesInvalid} to the invalid folder, {left} left for the next poll.";
    }

    private async Task HandleAsync(IMailFolder folder, IMessageSummary summary, IMailFolder archive, IMailFolder invalid, CancellationToken cancellationToken)
    {
        var uid = summary.UniqueId;
        var label = Label(summary);
        board.Update(name, s => s with { MessagesSeen = s.MessagesSeen + 1 });
        if (summary.Size is { } size && size > _maxMessageBytes)
        {
            var detail = $"the message is {size:N0} bytes, over the {_maxMessageBytes:N0}-byte limit; it was not read.";
            LogInvalid(logger, name, uid.Id, label, RejectionReason.InputTooLarge, detail);
            await folder.MoveToAsync(uid, invalid, cancellationToken);
            board.Update(name, s => s with { MessagesInvalid = s.MessagesInvalid + 1 });
            return;
        }

        using var content = new MemoryStream();
        string sha256;
        await using (var stream = await folder.GetStreamAsync(uid, string.Empty, cancellationToken))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                content.Write(buffer, 0, read);
            }

            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        content.Position = 0;
        FileIngestResult result;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var ingestionService = scope.ServiceProvider.GetRequiredService<FileIngestionService>();
            result = await ingestionService.IngestAsync(content, sha256, Source, label, content.Length, cancellationToken);
        }

        switch (result.Outcome)
        {
            case FileOutcome.Stored or FileOutcome.Duplicate:
                await folder.MoveToAsync(uid, archive, cancellationToken);
                board.Update(name, s => s with { MessagesArchived = s.MessagesArchived + 1 });
                LogArchived(logger, name, uid.Id, result.Outcome, result.StoredReportIds.Count, result.DuplicateOfReportIds.Count);
                break;
            case FileOutcome.Rejected when result.Reason == RejectionReason.ProcessingFailed:
                // Our failure, not the message's: it stays where it is for the next poll.
                board.Update(name, s => s with { Errors = s.Errors + 1, LastError = $"message {uid.Id}: {result.Error}", LastErrorAt = time.GetUtcNow() });
                LogLeft(logger, name, uid.Id, label);
                break;
            default:
                LogInvalid(logger, name, uid.Id, label, result.Reason ?? RejectionReason.NoReportFound, result.Error ?? "");
                await folder.MoveToAsync(uid, invalid, cancellationToken);
                board.Update(name, s => s with { MessagesInvalid = s.MessagesInvalid + 1 });
                break;
        }
    }

    /// <summary>How the message is named in the ingestion history: its subject, else its UID.</summary>
    private static string Label(IMessageSummary summary)
    {
        var subject = summary.Envelope?.Subject;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return $"message {summary.UniqueId.Id}";
        }

        // The subject is the sender's text: no control characters into logs and screens, and a bounded length.
        var clean = string.Concat(subject.Take(200).Select(c => char.IsControl(c) ? '?' : c));
        return subject.Length > 200 ? clean + "..." : clean;
    }

    private static async Task<IMailFolder> GetOrCreateFolderAsync(ImapClient client, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(path, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            return await root.CreateAsync(path, isMessageFolder: true, cancellationToken)
                ?? throw new InvalidOperationException($"The server did not create the folder \"{path}\".");
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: connected to {Host}:{Port} (TLS: {Secure})")]
    private static partial void LogConnected(ILogger logger, string mailbox, string host, int port, bool secure);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: message {Uid} {Outcome} ({Stored} reports stored, {Duplicates} already stored); moved to the archive folder")]
    private static partial void LogArchived(ILogger logger, string mailbox, uint uid, FileOutcome outcome, int stored, int duplicates);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: message {Uid} ({Subject}) moved to the invalid folder: {Reason}: {Detail}")]
    private static partial void LogInvalid(ILogger logger, string mailbox, uint uid, string subject, RejectionReason reason, string detail);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: connection to {Host}:{Port} failed or was lost ({Error}); retrying in {Delay}")]
    private static partial void LogConnectionFailed(ILogger logger, string mailbox, string host, int port, string error, TimeSpan delay);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "Mailbox {Mailbox}: message {Uid} ({Subject}) could not be processed; it stays in the folder for the next poll")]
    private static partial void LogLeft(ILogger logger, string mailbox, uint uid, string subject);
}
