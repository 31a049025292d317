using System.Text;

namespace DmarcSecurity.Core.Ids;

/// <summary>
/// Shares one string per distinct short UTF-8 value (signatures, protocols, addresses) within one read. Logs repeat
/// the same few hundred values millions of times; a direct-mapped table keeps this bounded, whatever an attacker
/// writes, and costs one hash and one compare on a hit.
/// </summary>
internal sealed class Utf8Cache
{
    private const int Slots = 4096;
    private const int MaxKeyBytes = 256;

    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly string?[] _values = new string[Slots];

    public bool TryGet(ReadOnlySpan<byte> key, out string value)
    {
        if (key.Length <= MaxKeyBytes)
        {
            var slot = SlotOf(key);
            if (_keys[slot] is { } stored && key.SequenceEqual(stored))
            {
                value = _values[slot]!;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    public void Add(ReadOnlySpan<byte> key, string value)
    {
        if (key.Length <= MaxKeyBytes)
        {
            var slot = SlotOf(key);
            _keys[slot] = key.ToArray();
            _values[slot] = value;
        }
    }

    /// <summary>The text of valid UTF-8 <paramref name="utf8"/>, shared with earlier equal values.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (TryGet(utf8, out var cached))
        {
            return cached;
        }

        var text = Encoding.UTF8.GetString(utf8);
        Add(utf8, text);
        return text;
    }

    /// <summary>Like <see cref="Get"/>, upper-casing ASCII letters (protocol names).</summary>
    public string GetUpper(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 32 || !utf8.ContainsAnyInRange((byte)'a', (byte)'z'))
        {
            return Get(utf8);
        }

        Span<byte> upper = stackalloc byte[utf8.Length];
        for (var i = 0; i < utf8.Length; i++)
        {
            upper[i] = utf8[i] is >= (byte)'a' and <= (byte)'z' ? (byte)(utf8[i] - 32) : utf8[i];
        }

        return Get(upper);
    }

    private static int SlotOf(ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.AddBytes(key);
        return hash.ToHashCode() & (Slots - 1);
    }
}
