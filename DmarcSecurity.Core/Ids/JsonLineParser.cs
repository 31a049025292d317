using System.Text.Json;

namespace DmarcSecurity.Core.Ids;

/// <summary>
/// Shared by the JSON-lines formats: a forward-only <see cref="Utf8JsonReader"/> over the line's bytes (no DOM), a
/// depth cap, and a scratch buffer for the rare escaped string, so values stay spans until an event is made.
/// </summary>
internal abstract class JsonLineParser(IdsReadStats stats, IdsReadOptions options) : LineParser(stats, options)
{
    /// <summary>Suricata's deepest objects (alert metadata, HTTP headers) are four levels; nothing real needs 16.</summary>
    public const int MaxDepth = 16;

    protected static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    private byte[] _scratch = new byte[1024];
    private int _scratchUsed;

    protected override IdsEvent? ReadLine(ReadOnlySpan<byte> line, out string? error)
    {
        if (_scratch.Length < line.Length)
        {
            _scratch = new byte[Math.Max(line.Length, _scratch.Length * 2)];
        }

        _scratchUsed = 0;
        try
        {
            var reader = new Utf8JsonReader(line, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "not a JSON object";
                return null;
            }

            return ReadObject(ref reader, out error);
        }
        catch (JsonException e)
        {
            var message = e.Message.Length > 160 ? e.Message[..160] + "..." : e.Message;
            error = $"invalid JSON: {message}";
            return null;
        }
    }

    /// <summary>Reads the top-level object's members; the reader stands on its StartObject.</summary>
    protected abstract IdsEvent? ReadObject(ref Utf8JsonReader reader, out string? error);

    /// <summary>The current property name or string value, unescaped; valid until the next line.</summary>
    protected ReadOnlySpan<byte> Text(scoped ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan;
        }

        var written = reader.CopyString(_scratch.AsSpan(_scratchUsed));
        var text = _scratch.AsSpan(_scratchUsed, written);
        _scratchUsed += written;
        return text;
    }

    /// <summary>Moves to the value of a property and skips it, whatever its shape (bounded by the depth cap).</summary>
    protected static void SkipValue(ref Utf8JsonReader reader) => reader.Skip();
}
