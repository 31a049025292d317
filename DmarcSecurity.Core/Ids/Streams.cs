namespace DmarcSecurity.Core.Ids;

/// <summary>Reads <c>head</c> first, then the rest of <c>tail</c>: bytes already taken to sniff the content.</summary>
internal sealed class ReplayStream(byte[] head, Stream tail) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position < head.Length)
        {
            var count = Math.Min(buffer.Length, head.Length - _position);
            head.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        return tail.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Counts the bytes an inflater produces and refuses the whole input once they pass the cap.</summary>
internal sealed class CappedStream(Stream inner, long cap) : Stream
{
    private long _produced;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // Never ask for more than one byte past the cap, so a bomb is stopped without inflating much further.
        var allowed = (int)Math.Min(buffer.Length, cap - _produced + 1);
        var read = inner.Read(buffer[..allowed]);
        _produced += read;
        if (_produced > cap)
        {
            throw new InvalidDataException(
                $"gzip input inflates past {cap:N0} bytes; refused as a likely decompression bomb.");
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

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
}
