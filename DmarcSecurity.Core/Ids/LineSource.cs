using System.IO.Compression;

namespace DmarcSecurity.Core.Ids;

internal enum LineKind
{
    End,
    Line,
    TooLong,
}

/// <summary>
/// Cuts a stream into lines in one reused buffer. Gzip input (by its magic bytes) is inflated on the way, under a
/// cap. A line longer than the limit is skipped to its newline without being kept; a last line without a newline
/// is left unread unless the input is at its end.
/// </summary>
internal sealed class LineSource : IDisposable
{
    private readonly Stream _input;
    private readonly int _maxLine;
    private readonly bool _atEnd;
    private readonly long _maxInflated;
    private Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _scanned;
    private bool _eof;
    private bool _sniffed;
    private bool _atStart = true;

    public LineSource(Stream input, IdsReadOptions options)
    {
        _input = input;
        _stream = input;
        _maxLine = options.MaxLineBytes;
        _atEnd = options.AtEnd;
        _maxInflated = options.MaxDecompressedBytes;
        _buffer = new byte[Math.Max(128 * 1024, (_maxLine * 2) + 2)];
    }

    /// <summary>Bytes through the last line handed out (or skipped), newline included.</summary>
    public long ConsumedBytes { get; private set; }

    /// <summary>The number of the line last handed out, 1-based.</summary>
    public long LineNumber { get; private set; }

    /// <summary>The current line's bytes (no newline, no trailing CR), valid until the next call.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    private int _lineStart;
    private int _lineLength;

    /// <summary>Up to <paramref name="bytes"/> of content from the current position, without consuming them.</summary>
    public ReadOnlySpan<byte> Peek(int bytes)
    {
        while (_end - _start < bytes && !_eof)
        {
            Fill();
        }

        return _buffer.AsSpan(_start, Math.Min(bytes, _end - _start));
    }

    public LineKind Next()
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = _scanned + newline - _start;
                var kind = Take(length, length + 1);
                return kind;
            }

            _scanned = _end;
            if (_end - _start > _maxLine)
            {
                return SkipLongLine();
            }

            if (_eof)
            {
                if (_start == _end || !_atEnd)
                {
                    return LineKind.End;
                }

                return Take(_end - _start, _end - _start);
            }

            Fill();
        }
    }

    private LineKind Take(int length, int consumed)
    {
        _lineStart = _start;
        _lineLength = length;
        _start += consumed;
        _scanned = _start;
        ConsumedBytes += consumed;
        LineNumber++;
        var first = _atStart;
        _atStart = false;
        if (length > _maxLine)
        {
            return LineKind.TooLong;
        }

        if (_lineLength > 0 && _buffer[_lineStart + _lineLength - 1] == '\r')
        {
            _lineLength--;
        }

        if (first && Line.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            _lineStart += 3;
            _lineLength -= 3;
        }

        return LineKind.Line;
    }

    /// <summary>Drops a line already past the limit up to its newline, reading on without keeping it.</summary>
    private LineKind SkipLongLine()
    {
        long dropped = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                ConsumedBytes += dropped + newline + 1;
                _start += newline + 1;
                _scanned = _start;
                LineNumber++;
                _atStart = false;
                return LineKind.TooLong;
            }

            dropped += _end - _start;
            _start = _end = _scanned = 0;
            if (_eof)
            {
                if (!_atEnd)
                {
                    // Still being written: the tailer comes back to it from the same place.
                    return LineKind.End;
                }

                ConsumedBytes += dropped;
                LineNumber++;
                return LineKind.TooLong;
            }

            Fill();
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _scanned -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            // Cannot happen while lines are cut at the limit; kept as a guard against unbounded growth.
            throw new InvalidOperationException("line buffer full");
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0)
        {
            _eof = true;
            return;
        }

        _end += read;
        if (!_sniffed && _end >= 2)
        {
            _sniffed = true;
            if (_end >= 2 && _buffer[0] == 0x1F && _buffer[1] == 0x8B)
            {
                // The bytes read so far are compressed: hand them back to the inflater ahead of the rest.
                var head = _buffer.AsSpan(0, _end).ToArray();
                var compressed = new ReplayStream(head, _input);
                _stream = new CappedStream(new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true), _maxInflated);
                _end = _scanned = 0;
            }
        }
    }

    public void Dispose()
    {
        if (!ReferenceEquals(_stream, _input))
        {
            _stream.Dispose();
        }
    }
}
