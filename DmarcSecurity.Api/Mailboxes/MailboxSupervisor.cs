using System.Security.Cryptography;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Api.Notifications;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Mailboxes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>A stored mailbox's password, protected with the Data Protection keys the notification channels use
/// (<see cref="ChannelSecrets"/>), bound to the mailbox's name: a payload copied to another row does not unprotect.</summary>
public sealed class MailboxSecrets(ChannelSecrets secrets)
{
    public string Protect(string mailbox, string password) => secrets.Protect(Owner(mailbox), ChannelSecrets.PasswordPurpose, password)!;

    /// <summary>Throws <see cref="CryptographicException"/> when the payload was not protected by these keys for this mailbox.</summary>
    public string Unprotect(string mailbox, string payload) => secrets.Unprotect(Owner(mailbox), ChannelSecrets.PasswordPurpose, payload)!;

    // Channel names never hold ':', so a mailbox's payload never unprotects as a channel's, nor the reverse.
    private static string Owner(string mailbox) => $"mailbox:{mailbox}";
}

/// <summary>
/// Runs one reader per mailbox: those declared in configuration for the life of the Api, and those stored by Admins
/// as long as they are stored. The stored ones are read from the database every <see cref="RefreshInterval"/> (so a
/// change made through another Api replica arrives within seconds) and at once after a change made here; a reader
/// whose mailbox was changed is stopped and started again with the new settings, one whose mailbox was removed is
/// stopped, and its status and job go. A configured mailbox wins over a stored one of the same name.
/// </summary>
public sealed partial class MailboxSupervisor(
    IOptions<IngestionOptions> options,
    IServiceProvider services,
    MailboxStatusBoard board,
    JobRegistry jobs,
    IDbContextFactory<DmarcDbContext> contexts,
    MailboxSecrets secrets,
    ILogger<MailboxSupervisor> logger)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan s_stopWait = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Reader> _readers = new(StringComparer.OrdinalIgnoreCase);

    // Stored mailboxes that cannot run (their password does not unprotect), by name, with the settings seen.
    private readonly Dictionary<string, string> _unusable = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private CancellationToken _stopping;
    private bool _started;

    private sealed record Reader(string Source, string Key, LoopJob Loop, CancellationTokenSource Stop, Task Task);

    /// <summary>The configured mailbox whose name is <paramref name="name"/> in any case, if any.</summary>
    public string? ConfiguredName(string name) =>
        options.Value.Mailboxes.Keys.FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The settings of a configured mailbox.</summary>
    public MailboxOptions? Configured(string name) => ConfiguredName(name) is { } configured ? options.Value.Mailboxes[configured] : null;

    /// <summary>Before the host has started, so the status and the job of every configured mailbox are there from the first request on.</summary>
    internal void RegisterConfigured()
    {
        foreach (var (name, mailbox) in options.Value.Mailboxes)
        {
            board.Register(name, mailbox);
        }
    }

    /// <summary>Starts the configured readers and the stored ones; from then on changes are followed.</summary>
    internal async Task StartAsync(CancellationToken stopping)
    {
        await _gate.WaitAsync(stopping);
        try
        {
            _stopping = stopping;
            _started = true;
            foreach (var (name, mailbox) in options.Value.Mailboxes)
            {
                Start(name, mailbox, MailboxSources.Configuration, "", MailboxSettingsView.Of(mailbox));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Brings the running readers in line with the stored mailboxes; called every few seconds and after each change.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_started || _stopping.IsCancellationRequested)
            {
                return;
            }

            List<MailboxEntity> rows;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                rows = await db.Mailboxes.AsNoTracking().OrderBy(m => m.Name).ToListAsync(cancellationToken);
            }

            var wanted = new Dictionary<string, MailboxEntity>(StringComparer.OrdinalIgnoreCase);
            foreach (var row in rows)
            {
                if (ConfiguredName(row.Name) is not null)
                {
                    if (_reported.Add($"shadowed:{row.Name}"))
                    {
                        LogShadowed(logger, row.Name);
                    }

                    continue;
                }

                wanted[row.Name] = row;
            }

            foreach (var (name, reader) in _readers.Where(r => r.Value.Source == MailboxSources.Stored).ToList())
            {
                if (!wanted.TryGetValue(name, out var row) || Key(row) != reader.Key)
                {
                    await StopAsync(name, reader);
                    if (row is null)
                    {
                        board.Remove(name);
                        LogRemoved(logger, name);
                    }
                }
            }

            foreach (var name in _unusable.Keys.Where(n => !wanted.TryGetValue(n, out var row) || Key(row) != _unusable[n]).ToList())
            {
                _unusable.Remove(name);
                if (!wanted.ContainsKey(name))
                {
                    board.Remove(name);
                }
            }

            foreach (var row in wanted.Values.Where(r => !_readers.ContainsKey(r.Name) && !_unusable.ContainsKey(r.Name)))
            {
                var view = new MailboxSettingsView(row.Host, row.Port, 0, Enum.Parse<MailboxSecurity>(row.Security), row.UserName, true, row.Folder,
                    row.ArchiveFolder, row.InvalidFolder, TimeSpan.FromMilliseconds(row.PollIntervalMs), row.UseIdle, row.CertificateFingerprint,
                    row.CreatedAt, row.CreatedBy, row.UpdatedAt, row.UpdatedBy);
                var mailbox = Options(row, password: "");
                view = view with { EffectivePort = mailbox.EffectivePort };
                try
                {
                    mailbox.Password = secrets.Unprotect(row.Name, row.PasswordProtected);
                }
                catch (CryptographicException e)
                {
                    // Keys of another application name, or a key ring this replica has not seen: say so rather than fail blind.
                    _unusable[row.Name] = Key(row);
                    board.Register(row.Name, mailbox, MailboxSources.Stored, view, state: "Unusable");
                    board.Update(row.Name, s => s with
                    {
                        LastError = "Its password cannot be unprotected with this Api's Data Protection keys; enter it again.",
                        LastErrorAt = DateTimeOffset.UtcNow,
                    });
                    LogUnreadable(logger, row.Name, e);
                    continue;
                }

                Start(row.Name, mailbox, MailboxSources.Stored, Key(row), view);
                LogStarted(logger, row.Name, row.UserName, row.Host, mailbox.EffectivePort);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Waits for every reader to end once the host is stopping.</summary>
    internal async Task StopAllAsync()
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            foreach (var (name, reader) in _readers.ToList())
            {
                await StopAsync(name, reader);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The settings of a stored mailbox, its password as given.</summary>
    internal static MailboxOptions Options(MailboxEntity row, string password) => new()
    {
        Host = row.Host,
        Port = row.Port,
        Security = Enum.Parse<MailboxSecurity>(row.Security),
        UserName = row.UserName,
        Password = password,
        Folder = row.Folder,
        ArchiveFolder = row.ArchiveFolder,
        InvalidFolder = row.InvalidFolder,
        PollInterval = TimeSpan.FromMilliseconds(row.PollIntervalMs),
        UseIdle = row.UseIdle,
        CertificateFingerprint = row.CertificateFingerprint,
    };

    /// <summary>Everything a reader depends on: a change of any of it (a new password payload included) restarts it.</summary>
    private static string Key(MailboxEntity row) => string.Join('\u001f',
        row.Id, row.Host, row.Port, row.Security, row.UserName, row.PasswordProtected, row.Folder, row.ArchiveFolder, row.InvalidFolder,
        row.PollIntervalMs, row.UseIdle, row.CertificateFingerprint);

    private void Start(string name, MailboxOptions mailbox, string source, string key, MailboxSettingsView view)
    {
        board.Register(name, mailbox, source, view);
        var loop = jobs.AddLoop($"mailbox:{name}",
            $"Reads the IMAP mailbox {mailbox.UserName}@{mailbox.Host}:{mailbox.EffectivePort}, folder {mailbox.Folder}" +
            (mailbox.UseIdle ? ", waiting with IDLE where the server offers it." : "."), mailbox.PollInterval);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        var reader = ActivatorUtilities.CreateInstance<ImapMailboxReader>(services, name, mailbox, loop);
        var task = Task.Run(() => reader.RunAsync(stop.Token), CancellationToken.None);
        _readers[name] = new Reader(source, key, loop, stop, task);
    }

    private async Task StopAsync(string name, Reader reader)
    {
        await reader.Stop.CancelAsync();
        try
        {
            await reader.Task.WaitAsync(s_stopWait);
        }
        catch (TimeoutException)
        {
            LogSlowStop(logger, name);
        }
        catch (Exception e) when (e is OperationCanceledException)
        {
        }

        reader.Stop.Dispose();
        jobs.RemoveLoop(reader.Loop);
        _readers.Remove(name);
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "The stored mailbox {Mailbox} is ignored: a configured mailbox has its name")]
    private static partial void LogShadowed(ILogger logger, string mailbox);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Error, Message = "The password of the stored mailbox {Mailbox} cannot be unprotected; it is not read")]
    private static partial void LogUnreadable(ILogger logger, string mailbox, Exception error);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: reader started for {UserName}@{Host}:{Port}")]
    private static partial void LogStarted(ILogger logger, string mailbox, string userName, string host, int port);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: removed; its reader stopped")]
    private static partial void LogRemoved(ILogger logger, string mailbox);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: its reader did not stop within 15 s; it is left to end on its own")]
    private static partial void LogSlowStop(ILogger logger, string mailbox);
}
