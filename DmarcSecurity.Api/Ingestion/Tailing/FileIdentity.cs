using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace DmarcSecurity.Api.Ingestion.Tailing;

/// <summary>Which file this is, whatever its name: device and inode on Linux; elsewhere device 0 and the creation time.</summary>
internal readonly record struct FileIdentity(long Device, long Inode);

/// <summary>A file's identity and size, read together.</summary>
internal readonly record struct FileState(FileIdentity Identity, long Size);

/// <summary>
/// Reads device and inode with Linux's <c>statx</c> (glibc 2.28 and later, kernel 4.11 and later): its buffer has one
/// layout on every architecture, unlike <c>struct stat</c>, so one declaration serves x64 and arm64 alike. .NET has no
/// managed way to read an inode. Where <c>statx</c> is not there (another system, an old libc), device 0 and the
/// creation time stand in: a rename keeps it and a newly created file has another, which is what rotation needs.
/// </summary>
internal static class FileIdentities
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxIno = 0x100;
    private const uint StatxSize = 0x200;

    private static bool s_statx = OperatingSystem.IsLinux();

    /// <summary>The file at <paramref name="path"/> (links followed); null when there is none.</summary>
    public static FileState? Of(string path)
    {
        if (s_statx)
        {
            var name = Encoding.UTF8.GetBytes(path + "\0");
            if (TryStatx(AtFdCwd, name, 0, out var buffer, out var error))
            {
                return FromStatx(buffer);
            }

            if (error is 2 or 20)
            {
                return null; // ENOENT, ENOTDIR
            }
        }

        var info = new FileInfo(path);
        return info.Exists ? new FileState(new FileIdentity(0, info.CreationTimeUtc.Ticks), info.Length) : null;
    }

    /// <summary>The file an open handle reads, so a read never mistakes a file swapped in after the look for the one looked at.</summary>
    public static FileState Of(SafeFileHandle handle)
    {
        if (s_statx)
        {
            var added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                if (TryStatx((int)handle.DangerousGetHandle(), [0], AtEmptyPath, out var buffer, out _))
                {
                    return FromStatx(buffer);
                }
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        return new FileState(new FileIdentity(0, File.GetCreationTimeUtc(handle).Ticks), RandomAccess.GetLength(handle));
    }

    private static FileState FromStatx(in StatxBuffer buffer) => new(
        new FileIdentity(((long)buffer.DevMajor << 32) | buffer.DevMinor, unchecked((long)buffer.Ino)),
        unchecked((long)buffer.Size));

    private static bool TryStatx(int directory, byte[] path, int flags, out StatxBuffer buffer, out int error)
    {
        error = 0;
        try
        {
            if (Statx(directory, path, flags, StatxIno | StatxSize, out buffer) == 0)
            {
                return true;
            }

            error = Marshal.GetLastPInvokeError();
            if (error == 38)
            {
                s_statx = false; // ENOSYS: a kernel before 4.11
            }

            return false;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_statx = false;
            buffer = default;
            error = -1;
            return false;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directory, byte[] path, int flags, uint mask, out StatxBuffer buffer);

    /// <summary><c>struct statx</c> of linux/stat.h: 256 bytes, the same on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(32)]
        public ulong Ino;

        [FieldOffset(40)]
        public ulong Size;

        [FieldOffset(136)]
        public uint DevMajor;

        [FieldOffset(140)]
        public uint DevMinor;
    }
}
