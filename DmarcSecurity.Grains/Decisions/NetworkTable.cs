using System.Net;
using System.Net.Sockets;
using DmarcSecurity.Grains.Settings;

namespace DmarcSecurity.Grains.Decisions;

/// <summary>Networks with something attached, looked up by longest prefix: one hash probe per prefix length in use,
/// so a reputation feed of many thousand blocks costs no more per lookup than a short allowlist.</summary>
public sealed class NetworkTable<T> where T : class
{
    private readonly (int Prefix, Dictionary<IPNetwork, T> Entries)[] _levels;

    /// <param name="merge">Picks the entry to keep when two entries name the same block; the first wins by default.</param>
    public NetworkTable(IEnumerable<T> items, Func<T, IPNetwork> networkOf, Func<T, T, T>? merge = null)
    {
        Items = [.. items];
        var levels = new SortedDictionary<int, Dictionary<IPNetwork, T>>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        foreach (var item in Items)
        {
            var network = networkOf(item);
            var level = levels.TryGetValue(network.PrefixLength, out var found) ? found : levels[network.PrefixLength] = [];
            level[network] = level.TryGetValue(network, out var existing) ? (merge ?? ((a, _) => a))(existing, item) : item;
        }

        _levels = [.. levels.Select(l => (l.Key, l.Value))];
    }

    public static NetworkTable<T> Empty { get; } = new([], _ => default);

    public IReadOnlyList<T> Items { get; }

    /// <summary>The entry of the most specific block holding <paramref name="address"/>, or null.</summary>
    public T? Match(IPAddress address)
    {
        address = Networks.Normalize(address);
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        foreach (var (prefix, entries) in _levels)
        {
            if (prefix <= bits && entries.TryGetValue(Networks.Block(address, prefix), out var hit))
            {
                return hit;
            }
        }

        return null;
    }
}

/// <summary>An address or block that is never blocked: decisions on it are recorded as suppressed.</summary>
public sealed record AllowlistEntry(IPNetwork Network, string Reason)
{
    public static NetworkTable<AllowlistEntry> Table(IEnumerable<AllowlistEntry> entries) => new(entries, e => e.Network);
}

/// <summary>A reputation list entry: 0 harmless .. 1 known hostile, with where it came from.</summary>
public sealed record ReputationEntry(IPNetwork Network, double Score, string Source)
{
    /// <summary>The same block listed twice keeps its worse score.</summary>
    public static NetworkTable<ReputationEntry> Table(IEnumerable<ReputationEntry> entries) =>
        new(entries, e => e.Network, (a, b) => b.Score > a.Score ? b : a);
}

/// <summary>A network the IDS sensors watch over.</summary>
public sealed record ProtectedNetwork(IPNetwork Network)
{
    public static NetworkTable<ProtectedNetwork> Table(IEnumerable<IPNetwork> networks) => new(networks.Select(n => new ProtectedNetwork(n)), p => p.Network);
}
