using System.Security.Cryptography;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Ids;
using DmarcSecurity.Data.Ingestion;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Ingestion.Tailing;

/// <summary>
/// Follows one configured sensor log (or each matching file of a folder) until the Api stops. Every poll reads the
/// complete lines written since the stored position and stores them as one IDS ingestion (source
/// <c>tail:&lt;name&gt;</c>) together with the new position, in one transaction: a crash or restart resumes after the
/// last committed line, never losing or repeating one. A file is known by device and inode, so a rotated log (renamed,
/// a new file created at the path) is finished from its position before the new file is read from its start.
/// </summary>
internal sealed partial class IdsLogTailer(
    string name,
    IdsTailerOptions options,
    IIdsIngestor ingestor,
    IDbContextFactory<DmarcDbContext> contexts,
    TimeProvider time,
    ILogger<IdsLogTailer> logger)
{
    /// <summary>Bytes stored in one transaction at most; a longer backlog is read in several.</summary>
    public const long MaxReadBytes = 16L * 1024 * 1024;

    private readonly string _source = $"tail:{name}";
    private readonly bool _folder = Directory.Exists(options.Path);
    private readonly IdsFormat? _format = options.ParsedFormat;
    private readonly TimeSpan _sensorOffset = options.ParsedSensorOffset;

    /// <summary>What was logged once and need not be again, by path: missing files, files not followed, truncations.</summary>
    private readonly Dictionary<string, string> _told = new(StringComparer.Ordinal);

    /// <summary>What the current pass stored: lines, alerts and connection records.</summary>
    private (long Lines, long Alerts, long Connections) _read;

    /// <summary>Polls until the Api stops, each poll a run of <paramref name="loop"/> (the job <c>tail:&lt;name&gt;</c>),
    /// which ends the wait when it is run now.</summary>
    public async Task RunAsync(LoopJob loop, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await loop.RecordAsync("schedule", async ct =>
                {
                    _read = default;
                    await PollAsync(ct);
                    return $"{_read.Lines} line(s) read: {_read.Alerts} alert(s), {_read.Connections} connection record(s).";
                }, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (DbUpdateException e)
            {
                // The version check failed: another instance follows the same file and stored these lines first.
                LogRaced(logger, e, name);
            }
            catch (Exception e)
            {
                LogPollFailed(logger, e, name);
            }

            try
            {
                await loop.WaitAsync(options.PollInterval, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass over the followed files: rotations first, then each file's new lines.</summary>
    internal async Task PollAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, Position> stored;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            stored = (await db.IdsTailPositions.AsNoTracking().Where(p => p.Tailer == name).ToListAsync(cancellationToken))
                .ToDictionary(p => p.Path, Position.From, StringComparer.Ordinal);
        }

        var files = new SortedDictionary<string, FileState>(StringComparer.Ordinal);
        foreach (var path in Candidates())
        {
            if (FileIdentities.Of(path) is { } state)
            {
                files[path] = state;
                Forget(path, "missing");
            }
        }

        foreach (var (path, position) in stored)
        {
            if (!files.ContainsKey(path) && Tell(path, "missing"))
            {
                LogMissing(logger, name, path, position.Offset);
            }
        }

        if (!_folder && !files.ContainsKey(options.Path) && !stored.ContainsKey(options.Path) && Tell(options.Path, "missing"))
        {
            LogNotThere(logger, name, options.Path);
        }

        // Where the file at a path is another one than the position says, the one followed was rotated away.
        var next = new Dictionary<string, Position>(StringComparer.Ordinal);
        foreach (var (path, position) in stored)
        {
            if (!files.TryGetValue(path, out var now) || now.Identity == position.Identity)
            {
                continue;
            }

            if (files.FirstOrDefault(f => f.Value.Identity == position.Identity) is { Key: { } renamed })
            {
                // Renamed within the folder and still matching: followed under its new name from the same offset. Its
                // position is stored under that name first, so the old file is tracked at every moment.
                if (!stored.ContainsKey(renamed))
                {
                    next[renamed] = await SaveAsync(position with { Path = renamed, Version = null }, cancellationToken);
                    LogRenamed(logger, name, path, renamed, position.Offset);
                }

                next[path] = position.Restart(now.Identity, _format);
                continue;
            }

            var earlier = FindInFolder(path, position.Identity, files);
            if (earlier is null)
            {
                if (Tell(path, $"rotated {now.Identity}"))
                {
                    LogRotatedAway(logger, name, path, position.Offset);
                }

                next[path] = position.Restart(now.Identity, _format);
                continue;
            }

            // The sensor writes to the renamed file until it opens the new one: finish it only once the new file has
            // lines; until then its new lines are read as before.
            var final = now.Size > 0;
            var finished = await ReadAsync(position, earlier, final ? position.Restart(now.Identity, _format) : null, cancellationToken);
            if (final)
            {
                if (Tell(path, $"rotated {now.Identity}"))
                {
                    LogRotated(logger, name, path, Path.GetFileName(earlier), position.Offset);
                }

                next[path] = finished.Identity == position.Identity ? position.Restart(now.Identity, _format) with { Version = finished.Version } : finished;
            }
            else
            {
                next[path] = finished;
            }
        }

        foreach (var (path, state) in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var position = next.GetValueOrDefault(path) ?? stored.GetValueOrDefault(path);
            if (position is null)
            {
                position = new Position(path, state.Identity, 0, _format, null, null);
            }
            else if (position.Identity != state.Identity)
            {
                // Rotated, but the old file is still being finished (the new one is empty): next poll.
                continue;
            }
            else if (state.Size < position.Offset)
            {
                if (Tell(path, $"truncated {position.Offset}"))
                {
                    LogTruncated(logger, name, path, state.Size, position.Offset);
                }

                position = position.Restart(state.Identity, _format);
            }

            if (state.Size > position.Offset)
            {
                await ReadAsync(position, path, null, cancellationToken);
            }
        }
    }

    private IEnumerable<string> Candidates() => _folder
        ? Directory.EnumerateFiles(options.Path, options.Pattern ?? IdsTailerOptions.DefaultPattern, SearchOption.TopDirectoryOnly)
            .Where(p => !Path.GetFileName(p).StartsWith('.'))
        : [options.Path];

    /// <summary>The file with <paramref name="identity"/> in the folder of <paramref name="path"/>, not one followed already.</summary>
    private static string? FindInFolder(string path, FileIdentity identity, SortedDictionary<string, FileState> followed)
    {
        var folder = Path.GetDirectoryName(path);
        if (folder is null || !Directory.Exists(folder))
        {
            return null;
        }

        return Directory.EnumerateFiles(folder)
            .Where(f => !followed.ContainsKey(f))
            .FirstOrDefault(f => FileIdentities.Of(f)?.Identity == identity);
    }

    /// <summary>
    /// Reads the complete lines of <paramref name="path"/> after <paramref name="position"/> and stores them, with
    /// the new position, one transaction per <see cref="MaxReadBytes"/>. With <paramref name="finish"/>, the file is
    /// read to its end (a last line without a newline included) and the position becomes <paramref name="finish"/>.
    /// Returns the position stored last.
    /// </summary>
    private async Task<Position> ReadAsync(Position position, string path, Position? finish, CancellationToken cancellationToken)
    {
        if (_told.TryGetValue(path, out var told) && told == $"refused {position.Identity}")
        {
            return position;
        }

        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: false);
        }
        catch (FileNotFoundException)
        {
            return position;
        }

        await using (stream)
        {
            var state = FileIdentities.Of(stream.SafeFileHandle);
            if (state.Identity != position.Identity)
            {
                return position; // replaced between the look and the open: the next poll sees which file is where
            }

            var label = _folder ? Path.GetRelativePath(options.Path, path) : Path.GetFileName(path);
            if (position.Offset == 0 && !await IsFollowedAsync(stream, path, label, state, cancellationToken))
            {
                return position;
            }

            while (position.Offset < state.Size)
            {
                var end = await ChunkEndAsync(stream, position.Offset, state.Size, finish is not null, cancellationToken);
                if (end <= position.Offset)
                {
                    return position; // no complete line yet: nothing is written
                }

                if (await IngestAsync(stream, position, label, end, state.Size, end == state.Size ? finish : null, cancellationToken) is not { } read)
                {
                    return position;
                }

                position = read;
                if (position.Identity != state.Identity)
                {
                    return position; // finished: the position now points at the new file
                }
            }

            return position;
        }
    }

    /// <summary>Stores the lines up to <paramref name="end"/> with the new position; null when the content was refused.</summary>
    private async Task<Position?> IngestAsync(FileStream stream, Position position, string label, long end, long size, Position? finish, CancellationToken cancellationToken)
    {
        var length = end - position.Offset;
        stream.Position = position.Offset;
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(new Window(stream, length), cancellationToken));
        stream.Position = position.Offset;
        var readOptions = new IdsReadOptions
        {
            Now = time.GetUtcNow(),
            SensorOffset = _sensorOffset,
            AtEnd = finish is not null,
            ZeekFields = position.ZeekFields,
        };

        Position? saved = null;
        var file = new IncomingFile(sha256, _source, label, length, time.GetUtcNow());
        var result = await ingestor.IngestAsync(new Window(stream, length), position.Format, file, checkDuplicate: false, readOptions,
            async (db, stats, ct) =>
            {
                var read = position with
                {
                    Offset = position.Offset + stats.ConsumedBytes,
                    Format = stats.Format ?? position.Format,
                    ZeekFields = stats.ZeekFields,
                };
                saved = await SaveAsync((DmarcDbContext)db, (finish ?? read) with { Version = position.Version }, size, ct);
            },
            cancellationToken);

        if (saved is null)
        {
            // Refused whole (not a log read here, or gzip over its limit): not read again until the file changes.
            Tell(position.Path, $"refused {position.Identity}");
            LogRefused(logger, name, label, result.Error ?? "");
            return null;
        }

        _read = (_read.Lines + result.Lines, _read.Alerts + result.Alerts, _read.Connections + result.Connections);
        LogRead(logger, name, label, result.Lines, result.Alerts, result.Connections, saved.Offset);
        return saved;
    }

    /// <summary>
    /// A file read from its start is followed when it is a log read here: gzip (a compressed rotated log) and other
    /// content are left alone, logged once. With only a partial first line the answer waits for the next poll.
    /// </summary>
    private async Task<bool> IsFollowedAsync(FileStream stream, string path, string label, FileState state, CancellationToken cancellationToken)
    {
        if (_told.TryGetValue(path, out var told) && told == $"refused {state.Identity}")
        {
            return false;
        }

        var head = new byte[(int)Math.Min(state.Size, IdsLogReader.DetectBytes)];
        stream.Position = 0;
        await stream.ReadExactlyAsync(head, cancellationToken);
        if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            if (Tell(path, $"refused {state.Identity}"))
            {
                LogNotFollowed(logger, name, label, "it is gzip-compressed (a rotated log); compressed logs are not followed");
            }

            return false;
        }

        if (_format is not null)
        {
            return true;
        }

        var complete = head.AsSpan(0, head.AsSpan().LastIndexOf((byte)'\n') + 1);
        if (complete.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            return false; // nothing to tell by yet
        }

        if (IdsLogReader.Detect(complete) is null)
        {
            if (Tell(path, $"refused {state.Identity}"))
            {
                LogNotFollowed(logger, name, label, "it is not a Snort, Suricata or Zeek log (no line of one at its start)");
            }

            return false;
        }

        return true;
    }

    /// <summary>Where this read ends: after the last newline within <see cref="MaxReadBytes"/> (past it when one line is
    /// longer), or at the end of a file being finished.</summary>
    private static async Task<long> ChunkEndAsync(FileStream stream, long offset, long size, bool finishing, CancellationToken cancellationToken)
    {
        var limit = Math.Min(size, offset + MaxReadBytes);
        if (finishing && limit == size)
        {
            return size;
        }

        var buffer = new byte[64 * 1024];
        for (var to = limit; to > offset;)
        {
            var from = Math.Max(offset, to - buffer.Length);
            var count = (int)(to - from);
            stream.Position = from;
            await stream.ReadExactlyAsync(buffer.AsMemory(0, count), cancellationToken);
            var newline = buffer.AsSpan(0, count).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return from + newline + 1;
            }

            to = from;
        }

        // One line longer than a whole read: up to its newline (the reader counts it unreadable without holding it).
        for (var from = limit; from < size;)
        {
            var count = (int)Math.Min(buffer.Length, size - from);
            stream.Position = from;
            await stream.ReadExactlyAsync(buffer.AsMemory(0, count), cancellationToken);
            var newline = buffer.AsSpan(0, count).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return from + newline + 1;
            }

            from += count;
        }

        return finishing ? size : offset;
    }

    /// <summary>A position-only write (a file renamed within the folder), in a transaction of its own.</summary>
    private async Task<Position> SaveAsync(Position position, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await SaveAsync(db, position, FileIdentities.Of(position.Path)?.Size ?? position.Offset, cancellationToken);
    }

    /// <summary>Writes <paramref name="position"/> if the stored row is still at <see cref="Position.Version"/> (none
    /// for a new file); otherwise another instance moved on and the write, with the transaction around it, fails.</summary>
    private async Task<Position> SaveAsync(DmarcDbContext db, Position position, long size, CancellationToken cancellationToken)
    {
        var row = await db.IdsTailPositions.AsTracking().SingleOrDefaultAsync(p => p.Tailer == name && p.Path == position.Path, cancellationToken);
        if (row is null)
        {
            row = new IdsTailPositionEntity { Tailer = name, Path = position.Path };
            db.IdsTailPositions.Add(row);
        }
        else if (row.Version != position.Version)
        {
            throw new DbUpdateConcurrencyException($"The position of {position.Path} was moved on by another instance (version {row.Version}, expected {position.Version}).");
        }

        row.Device = position.Identity.Device;
        row.Inode = position.Identity.Inode;
        row.Offset = position.Offset;
        row.LastSize = size;
        row.Format = position.Format;
        row.ZeekFields = position.ZeekFields is { } fields ? string.Join('\t', fields) : null;
        row.Version = (position.Version ?? 0) + 1;
        row.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return Position.From(row);
    }

    private bool Tell(string path, string what)
    {
        if (_told.TryGetValue(path, out var told) && told == what)
        {
            return false;
        }

        _told[path] = what;
        return true;
    }

    private void Forget(string path, string what)
    {
        if (_told.TryGetValue(path, out var told) && told == what)
        {
            _told.Remove(path);
        }
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Debug, Message = "Tailer {Tailer}: {File}: {Lines} lines read, {Alerts} alerts and {Connections} connections stored; position {Offset}")]
    private static partial void LogRead(ILogger logger, string tailer, string file, long lines, long alerts, long connections, long offset);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Tailer {Tailer}: {Path} was rotated; the earlier file, now {Earlier}, was read to its end from byte {Offset}; the new file is read from its start")]
    private static partial void LogRotated(ILogger logger, string tailer, string path, string earlier, long offset);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "Tailer {Tailer}: {Path} was rotated and the earlier file is no longer in its folder; what it gained after byte {Offset} was not read. The new file is read from its start")]
    private static partial void LogRotatedAway(ILogger logger, string tailer, string path, long offset);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Warning, Message = "Tailer {Tailer}: {Path} was truncated to {Size} bytes (read up to {Offset}); reading it again from its start")]
    private static partial void LogTruncated(ILogger logger, string tailer, string path, long size, long offset);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Warning, Message = "Tailer {Tailer}: {Path} is gone; its position ({Offset}) is kept for when it comes back")]
    private static partial void LogMissing(ILogger logger, string tailer, string path, long offset);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Information, Message = "Tailer {Tailer}: {Path} does not exist yet; it is read once it does")]
    private static partial void LogNotThere(ILogger logger, string tailer, string path);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Information, Message = "Tailer {Tailer}: {Path} was renamed to {Renamed}; it is read on from byte {Offset} under that name")]
    private static partial void LogRenamed(ILogger logger, string tailer, string path, string renamed, long offset);

    [LoggerMessage(EventId = 3308, Level = LogLevel.Warning, Message = "Tailer {Tailer}: {File} is not followed: {Reason}")]
    private static partial void LogNotFollowed(ILogger logger, string tailer, string file, string reason);

    [LoggerMessage(EventId = 3309, Level = LogLevel.Warning, Message = "Tailer {Tailer}: {File} was refused and is not read again until it changes: {Reason}")]
    private static partial void LogRefused(ILogger logger, string tailer, string file, string reason);

    [LoggerMessage(EventId = 3310, Level = LogLevel.Warning, Message = "Tailer {Tailer}: the poll failed; trying again at the next interval")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string tailer);

    [LoggerMessage(EventId = 3311, Level = LogLevel.Warning, Message = "Tailer {Tailer}: another instance stored these lines first; reading on from its position")]
    private static partial void LogRaced(ILogger logger, Exception exception, string tailer);

    /// <summary>A position as stored (<see cref="Version"/> null: not stored yet).</summary>
    private sealed record Position(string Path, FileIdentity Identity, long Offset, IdsFormat? Format, IReadOnlyList<string>? ZeekFields, long? Version)
    {
        public static Position From(IdsTailPositionEntity row) => new(
            row.Path, new FileIdentity(row.Device, row.Inode), row.Offset, row.Format,
            row.ZeekFields?.Split('\t'), row.Version);

        /// <summary>The same path, a new file (or the old one truncated): from its start, its format found anew.</summary>
        public Position Restart(FileIdentity identity, IdsFormat? format) =>
            this with { Identity = identity, Offset = 0, Format = format, ZeekFields = null };
    }
}
