using System.Buffers;
using System.Text;

namespace DmarcSecurity.Core.Reports;

/// <summary>
/// Decodes report bytes for <see cref="System.Xml.XmlReader"/> while repairing what real reporters get wrong:
/// invalid byte sequences and control characters become U+FFFD (XmlReader refuses raw control characters even
/// with CheckCharacters off), and whitespace before the XML declaration is dropped.
/// </summary>
internal sealed class SanitizingTextReader : TextReader
{
    private const char Replacement = '\uFFFD';

    // Characters XML 1.0 forbids in a document; U+FFFD is included so decoder replacements are counted too.
    private static readonly SearchValues<char> s_suspect = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u000B\u000C\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F" +
        "\uFFFD\uFFFE\uFFFF");

    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly Decoder _decoder;
    private readonly char[] _buffer = new char[16 * 1024];
    private int _bytePosition;
    private int _start;
    private int _end;
    private bool _leadingWhitespaceSkipped;

    public SanitizingTextReader(ReadOnlyMemory<byte> bytes, Encoding encoding)
    {
        _bytes = bytes;
        _decoder = encoding.GetDecoder();
    }

    /// <summary>Characters that were invalid (bad byte sequences, control characters) and were replaced.</summary>
    public int ReplacedCharacters { get; private set; }

    public override int Peek() => Fill() ? _buffer[_start] : -1;

    public override int Read() => Fill() ? _buffer[_start++] : -1;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty || !Fill())
        {
            return 0;
        }

        var count = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, count).CopyTo(buffer);
        _start += count;
        return count;
    }

    private bool Fill()
    {
        while (_start == _end)
        {
            var remaining = _bytes.Span[_bytePosition..];
            if (remaining.IsEmpty)
            {
                return false;
            }

            _decoder.Convert(remaining, _buffer, flush: true, out var bytesUsed, out var charsUsed, out _);
            _bytePosition += bytesUsed;
            _start = 0;
            _end = charsUsed;
            Repair(_buffer.AsSpan(0, charsUsed));

            if (!_leadingWhitespaceSkipped)
            {
                // XmlReader rejects an XML declaration that is not the very first thing in the document.
                var chunk = _buffer.AsSpan(0, _end);
                var first = chunk.IndexOfAnyExcept(" \t\r\n\uFEFF");
                _start = first < 0 ? _end : first;
                _leadingWhitespaceSkipped = first >= 0;
            }
        }

        return true;
    }

    private void Repair(Span<char> chars)
    {
        var index = chars.IndexOfAny(s_suspect);
        while (index >= 0)
        {
            if (chars[index] != Replacement)
            {
                chars[index] = Replacement;
            }

            ReplacedCharacters++;
            var next = chars[(index + 1)..].IndexOfAny(s_suspect);
            index = next < 0 ? -1 : index + 1 + next;
        }
    }
}
