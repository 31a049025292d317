using System.Security.Cryptography;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Folders;

/// <summary>
/// Reads one watched folder until the Api stops: each settled file is ingested (source <c>folder:&lt;name&gt;</c>)
/// and then moved to <c>processed/</c> (every report stored, or already stored) or <c>invalid/</c> (no report, or
/// refused; the reason is logged) inside the folder. A file is moved only after its outcome is committed; one left
/// behind by a crash is read again next time and, having the same bytes, answered as a duplicate. Each poll is a run
/// of the job <c>folder:&lt;name&gt;</c>; running that job now ends the wait.
/// </summary>
internal sealed partial class WatchedFolderReader(
    string name,
    WatchedFolderOptions options,
    LoopJob loop,
    IServiceScopeFactory scopes,
    IOptions<IngestionOptions> ingestion,
    TimeProvider time,
    ILogger<WatchedFolderReader> logger)
{
    public const string ProcessedFolder = "processed";
    public const string InvalidFolder = "invalid";

    private readonly long _maxFileBytes = ingestion.Value.ToLimits().MaxInputBytes;

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await loop.RecordAsync("schedule", PollAsync, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
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

    /// <summary>The files to read: the folder's own, or a Maildir's new/ and cur/.</summary>
    private IEnumerable<string> Candidates()
    {
        var root = options.Path;
        var maildir = Directory.Exists(Path.Combine(root, "cur")) && Directory.Exists(Path.Combine(root, "new")) && Directory.Exists(Path.Combine(root, "tmp"));
        var folders = maildir ? new[] { Path.Combine(root, "new"), Path.Combine(root, "cur") } : [root];
        return folders.SelectMany(folder => Directory.EnumerateFiles(folder))
            .Where(path => !System.IO.Path.GetFileName(path).StartsWith('.'))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>Reads the settled files; says what became of them.</summary>
    private async Task<string> PollAsync(CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal) { [ProcessedFolder] = 0, [InvalidFolder] = 0, ["left"] = 0, ["settling"] = 0 };
        foreach (var path in Candidates())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                continue;
            }

            outcomes[time.GetUtcNow() - info.LastWriteTimeUtc < options.SettleTime ? "settling" : await HandleAsync(info, cancellationToken)]++;
        }

        return $"{outcomes[ProcessedFolder]} file(s) to {ProcessedFolder}/, {outcomes[InvalidFolder]} to {InvalidFolder}/, " +
               $"{outcomes["left"]} left for the next poll, {outcomes["settling"]} still being written.";
    }

    /// <summary>Ingests one file and moves it; answers where it went (<c>processed</c>, <c>invalid</c>) or <c>left</c>.</summary>
    private async Task<string> HandleAsync(FileInfo file, CancellationToken cancellationToken)
    {
        var label = System.IO.Path.GetRelativePath(options.Path, file.FullName);
        if (file.Length > _maxFileBytes)
        {
            LogInvalid(logger, name, label, RejectionReason.InputTooLarge, $"the file is {file.Length:N0} bytes, over the {_maxFileBytes:N0}-byte limit; it was not read.");
            Move(file, InvalidFolder);
            return InvalidFolder;
        }

        FileIngestResult result;
        await using (var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true))
        {
            var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
            stream.Position = 0;
            await using var scope = scopes.CreateAsyncScope();
            result = await scope.ServiceProvider.GetRequiredService<FileIngestionService>()
                .IngestAsync(stream, sha256, $"folder:{name}", label, file.Length, cancellationToken);
        }

        switch (result.Outcome)
        {
            case FileOutcome.Stored or FileOutcome.Duplicate:
                Move(file, ProcessedFolder);
                LogProcessed(logger, name, label, result.Outcome, result.StoredReportIds.Count);
                return ProcessedFolder;
            case FileOutcome.Rejected when result.Reason == RejectionReason.ProcessingFailed:
                LogLeft(logger, name, label);
                return "left";
            default:
                LogInvalid(logger, name, label, result.Reason ?? RejectionReason.NoReportFound, result.Error ?? "");
                Move(file, InvalidFolder);
                return InvalidFolder;
        }
    }

    /// <summary>Into processed/ or invalid/ under the folder, keeping the name; a name already there gets the time added.</summary>
    private void Move(FileInfo file, string folder)
    {
        var target = System.IO.Path.Combine(options.Path, folder);
        Directory.CreateDirectory(target);
        var destination = System.IO.Path.Combine(target, file.Name);
        if (File.Exists(destination))
        {
            destination = System.IO.Path.Combine(target, $"{System.IO.Path.GetFileNameWithoutExtension(file.Name)}.{time.GetUtcNow():yyyyMMddTHHmmssfff}{file.Extension}");
        }

        file.MoveTo(destination);
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Folder {Folder}: {File} {Outcome} ({Stored} reports stored); moved to processed/")]
    private static partial void LogProcessed(ILogger logger, string folder, string file, FileOutcome outcome, int stored);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Folder {Folder}: {File} moved to invalid/: {Reason}: {Detail}")]
    private static partial void LogInvalid(ILogger logger, string folder, string file, RejectionReason reason, string detail);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Error, Message = "Folder {Folder}: {File} could not be processed; it stays for the next poll")]
    private static partial void LogLeft(ILogger logger, string folder, string file);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Folder {Folder}: the poll failed; trying again at the next interval")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string folder);
}

/// <summary>Runs one reader per watched folder for the life of the Api.</summary>
internal sealed class WatchedFolderService(IOptions<IngestionOptions> options, IServiceProvider services, JobRegistry jobs) : BackgroundService
{
    // Made with the service, before the host starts, so every folder's job is listed from the first request on.
    private readonly List<(string Name, WatchedFolderOptions Options, LoopJob Loop)> _folders = [.. options.Value.Folders.Select(pair =>
        (pair.Key, pair.Value, jobs.AddLoop($"folder:{pair.Key}",
            $"Reads the watched folder {pair.Value.Path}: new files are ingested, then moved to processed/ or invalid/.", pair.Value.PollInterval)))];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_folders.Select(f =>
        {
            var reader = ActivatorUtilities.CreateInstance<WatchedFolderReader>(services, f.Name, f.Options, f.Loop);
            return Task.Run(() => reader.RunAsync(stoppingToken), stoppingToken);
        }));
}

public static class WatchedFolders
{
    public static WebApplicationBuilder AddWatchedFolders(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<IngestionOptions>, WatchedFolderOptionsValidator>();
        builder.Services.TryAddSingleton<JobRegistry>();
        builder.Services.AddHostedService<WatchedFolderService>();
        return builder;
    }
}
