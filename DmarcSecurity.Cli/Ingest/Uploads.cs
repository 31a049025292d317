using System.Net;
using System.Net.Http.Headers;

namespace DmarcSecurity.Cli.Ingest;

/// <summary>One file to send: a file on disk or bytes made here.</summary>
public sealed record UploadItem(string DisplayName, string FileName, long Length, Func<Stream> Open)
{
    public static UploadItem FromFile(string path, string displayName) =>
        new(displayName, Path.GetFileName(path), new FileInfo(path).Length, () => File.OpenRead(path));

    public static UploadItem FromBytes(string fileName, byte[] bytes) =>
        new(fileName, fileName, bytes.Length, () => new MemoryStream(bytes, writable: false));
}

/// <summary>Sends files to an upload endpoint in batches the Api accepts (at most 200 files, and a bounded size so a
/// batch stays under its upload limit), with a progress bar over all bytes. Each file's answer comes back paired
/// with the file, in order.</summary>
public static class Uploads
{
    public const int MaxFilesPerBatch = 200;

    /// <summary>The Api's own limit (Ingestion:MaxUploadBytes) is not published; batches stay well under its default
    /// of 1 GiB, and a batch it still finds too large (413) is split until a single file is refused on its own.</summary>
    public const long MaxBatchBytes = 64L * 1024 * 1024;

    public static async Task<IReadOnlyList<(UploadItem Item, TFile Result)>> SendAsync<TResponse, TFile>(
        IAnsiConsole console,
        ApiClient api,
        string path,
        IReadOnlyList<UploadItem> items,
        Func<TResponse, IReadOnlyList<TFile>> filesOf,
        Func<UploadItem, string, TFile> tooLarge,
        CancellationToken cancellationToken)
    {
        var results = new List<(UploadItem, TFile)>(items.Count);
        var total = Math.Max(1, items.Sum(i => i.Length));
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new RemainingTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"Uploading {items.Count} file{(items.Count == 1 ? "" : "s")}", maxValue: total);
                long done = 0;
                foreach (var batch in Batch(items))
                {
                    await SendBatchAsync(batch);
                }

                task.Value = total;

                async Task SendBatchAsync(IReadOnlyList<UploadItem> batch)
                {
                    var start = done;
                    long sent = 0;
                    using var content = new MultipartFormDataContent();
                    var streams = new List<Stream>();
                    try
                    {
                        foreach (var item in batch)
                        {
                            var stream = new CountingStream(item.Open(), n =>
                            {
                                sent += n;
                                task.Value = Math.Min(total, start + sent);
                            });
                            streams.Add(stream);
                            var part = new StreamContent(stream, 81920);
                            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                            content.Add(part, "files", item.FileName);
                        }

                        var response = await api.SendAsync<TResponse>(HttpMethod.Post, path, content, cancellationToken);
                        var files = filesOf(response);
                        if (files.Count != batch.Count)
                        {
                            throw new ApiException(HttpStatusCode.OK, $"The Api answered {files.Count} outcomes for {batch.Count} files sent to /{path}.");
                        }

                        results.AddRange(batch.Zip(files));
                        done = start + batch.Sum(i => i.Length);
                        task.Value = Math.Min(total, done);
                    }
                    catch (ApiException e) when (e.Status == HttpStatusCode.RequestEntityTooLarge)
                    {
                        task.Value = start;
                        if (batch.Count == 1)
                        {
                            results.Add((batch[0], tooLarge(batch[0], $"larger than the Api's upload limit: {e.Message}")));
                            done = start + batch[0].Length;
                            return;
                        }

                        var half = batch.Count / 2;
                        await SendBatchAsync(batch.Take(half).ToList());
                        await SendBatchAsync(batch.Skip(half).ToList());
                    }
                    finally
                    {
                        foreach (var stream in streams)
                        {
                            await stream.DisposeAsync();
                        }
                    }
                }
            });
        return results;
    }

    /// <summary>Consecutive batches of at most <see cref="MaxFilesPerBatch"/> files and <see cref="MaxBatchBytes"/>
    /// bytes (a larger file goes alone).</summary>
    public static IEnumerable<IReadOnlyList<UploadItem>> Batch(IReadOnlyList<UploadItem> items)
    {
        var batch = new List<UploadItem>();
        long bytes = 0;
        foreach (var item in items)
        {
            if (batch.Count > 0 && (batch.Count == MaxFilesPerBatch || bytes + item.Length > MaxBatchBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }

            batch.Add(item);
            bytes += item.Length;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>Reports every read to the progress bar as the HTTP stack pulls the file.</summary>
    private sealed class CountingStream(Stream inner, Action<int> read) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            read(n);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            read(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
