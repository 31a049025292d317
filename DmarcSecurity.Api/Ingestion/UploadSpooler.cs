using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DmarcSecurity.Api.Ingestion;

/// <summary>One uploaded file on disk (deleted when disposed), with its SHA-256 taken while it was written.</summary>
internal sealed class SpooledFile(string? fileName, FileStream content, long size, string sha256) : IAsyncDisposable
{
    public string? FileName { get; } = fileName;

    public FileStream Content { get; } = content;

    public long Size { get; } = size;

    public string Sha256 { get; } = sha256;

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

internal sealed class UploadTooLargeException(string message) : Exception(message);

internal sealed class TooManyFilesException(string message) : Exception(message);

/// <summary>
/// Streams a multipart upload to temporary files, one per file part, so no batch is ever held in memory.
/// The whole upload is spooled before anything is stored: an upload over the size limit stores nothing.
/// </summary>
internal static class UploadSpooler
{
    private const int MaxFileNameLength = 255;

    public static async Task<List<SpooledFile>> SpoolAsync(HttpRequest request, IngestionOptions options, CancellationToken cancellationToken)
    {
        if (request.ContentLength > options.MaxUploadBytes)
        {
            throw new UploadTooLargeException(TooLargeMessage(options));
        }

        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value
            ?? throw new BadHttpRequestException("The multipart boundary is missing.");
        var directory = options.TempDirectory is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "dmarcsecurity-uploads");
        Directory.CreateDirectory(directory);

        var reader = Malformed.Guard(() => new MultipartReader(boundary, request.Body));
        var files = new List<SpooledFile>();
        long total = 0;
        try
        {
            while (await Malformed.GuardAsync(() => reader.ReadNextSectionAsync(cancellationToken)) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
                {
                    continue;
                }

                if (files.Count == options.MaxFilesPerUpload)
                {
                    throw new TooManyFilesException($"An upload may hold at most {options.MaxFilesPerUpload} files.");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                var stream = new FileStream(
                    Path.Combine(directory, Path.GetRandomFileName()), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
                    81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[81920];
                long size = 0;
                try
                {
                    int read;
                    while ((read = await Malformed.GuardAsync(() => section.Body.ReadAsync(buffer, cancellationToken).AsTask())) > 0)
                    {
                        size += read;
                        total += read;
                        if (total > options.MaxUploadBytes)
                        {
                            throw new UploadTooLargeException(TooLargeMessage(options));
                        }

                        hash.AppendData(buffer, 0, read);
                        await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }

                    stream.Position = 0;
                }
                catch
                {
                    await stream.DisposeAsync();
                    throw;
                }

                files.Add(new SpooledFile(Truncate(name), stream, size, Convert.ToHexStringLower(hash.GetHashAndReset())));
            }

            return files;
        }
        catch
        {
            foreach (var file in files)
            {
                await file.DisposeAsync();
            }

            throw;
        }
    }

    private static string TooLargeMessage(IngestionOptions options) =>
        $"The upload is larger than the limit of {options.MaxUploadBytes:N0} bytes (Ingestion:MaxUploadBytes).";

    private static string? Truncate(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        // Only a label for people: keep the last path segment and drop control characters.
        var label = new string(name.Replace('\\', '/').Split('/')[^1].Where(c => !char.IsControl(c)).ToArray());
        return label.Length > MaxFileNameLength ? label[..MaxFileNameLength] : label;
    }
}

/// <summary>A multipart body that cannot be read as one (cut off mid-part, a boundary over 70 characters, headers over
/// the reader's limits) is the caller's mistake: 400 with the reader's reason, never 500. Only reads of the request
/// go through here, so a failing write to the spool folder still surfaces as the server's fault.</summary>
internal static class Malformed
{
    public static T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw Refusal(e);
        }
    }

    public static async Task<T> GuardAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is InvalidDataException or IOException and not BadHttpRequestException)
        {
            throw Refusal(e);
        }
    }

    private static BadHttpRequestException Refusal(Exception e) =>
        new($"The multipart body cannot be read: {e.Message}", StatusCodes.Status400BadRequest, e);
}
