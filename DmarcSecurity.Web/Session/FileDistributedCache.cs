using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;

namespace DmarcSecurity.Web.Session;

/// <summary>
/// A distributed cache in a folder, for a Web app without Redis: one file per key (named by the key's SHA-256), its
/// absolute expiry in the first eight bytes, written to a temporary file and renamed into place so a reader never sees
/// half of one. It outlives restarts of the process; it is shared only by processes that share the folder. Sliding
/// expiry is not supported (the sessions do not use it).
/// </summary>
internal sealed class FileDistributedCache : IDistributedCache
{
    private static readonly TimeSpan s_sweepEvery = TimeSpan.FromHours(1);
    private readonly string _folder;
    private readonly TimeProvider _time;
    private DateTimeOffset _nextSweep;

    public FileDistributedCache(string folder, TimeProvider time)
    {
        _folder = Directory.CreateDirectory(folder).FullName;
        _time = time;
        if (!OperatingSystem.IsWindows())
        {
            // Refresh tokens live here, encrypted: still, for this user only.
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public byte[]? Get(string key) => Read(PathOf(key));

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Task.FromResult(Get(key));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        var now = _time.GetUtcNow();
        var expires = options.AbsoluteExpiration
            ?? (options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : DateTimeOffset.MaxValue);
        var content = new byte[8 + value.Length];
        BinaryPrimitives.WriteInt64LittleEndian(content, expires.UtcTicks);
        value.CopyTo(content, 8);
        var path = PathOf(key);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
        if (now >= _nextSweep)
        {
            _nextSweep = now + s_sweepEvery;
            Sweep();
        }
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Set(key, value, options);
        return Task.CompletedTask;
    }

    public void Refresh(string key)
    {
    }

    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    public void Remove(string key) => File.Delete(PathOf(key));

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Remove(key);
        return Task.CompletedTask;
    }

    private string PathOf(string key) => Path.Combine(_folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))));

    private byte[]? Read(string path)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        if (content.Length < 8 || BinaryPrimitives.ReadInt64LittleEndian(content) <= _time.GetUtcNow().UtcTicks)
        {
            File.Delete(path);
            return null;
        }

        return content[8..];
    }

    /// <summary>Deletes the entries past their expiry, and temporary files left by a crash.</summary>
    private void Sweep()
    {
        foreach (var path in Directory.EnumerateFiles(_folder))
        {
            if (path.EndsWith(".tmp", StringComparison.Ordinal))
            {
                if (_time.GetUtcNow() - File.GetLastWriteTimeUtc(path) > TimeSpan.FromMinutes(5))
                {
                    File.Delete(path);
                }
            }
            else
            {
                Read(path);
            }
        }
    }
}
