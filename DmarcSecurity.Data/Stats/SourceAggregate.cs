namespace DmarcSecurity.Data.Stats;

/// <summary>The sources of a selection summed per address from <see cref="SourcePack"/>s, exactly as the views' SQL
/// sums them: per address its messages, failing and forwarded messages and the number of domains it sent for; the
/// distinct addresses overall and per domain. Each pack is sorted by address, so the packs are merged as sorted runs,
/// each read front to back (a hash table of millions of addresses would wait on memory at every entry). The address
/// space is cut into one range per processor, each range merged on its own.</summary>
internal sealed class SourceAggregate
{
    private readonly Part[] _parts;
    private readonly string[] _domains;

    private SourceAggregate(Part[] parts, string[] domains)
    {
        _parts = parts;
        _domains = domains;
    }

    /// <summary>Distinct addresses.</summary>
    public long Count => _parts.Sum(p => (long)p.Count);

    /// <summary>Distinct addresses per domain.</summary>
    public IReadOnlyDictionary<string, long> SourcesPerDomain =>
        _domains.Select((d, i) => (Domain: d, Count: _parts.Sum(p => p.PerDomain[i])))
            .Where(d => d.Count > 0).ToDictionary(d => d.Domain, d => d.Count, StringComparer.Ordinal);

    public static SourceAggregate Sum(IReadOnlyList<byte[]> packs)
    {
        // Each pack names its domains by its own indexes: map them to one numbering first.
        var numbering = new Dictionary<string, int>(StringComparer.Ordinal);
        var domainsOf = new int[packs.Count][];
        for (var i = 0; i < packs.Count; i++)
        {
            domainsOf[i] = [.. new SourcePack.Reader(packs[i]).Domains.Select(n => numbering.TryGetValue(n, out var id) ? id : numbering[n] = numbering.Count)];
        }

        var bounds = Bounds(packs, Math.Clamp(Environment.ProcessorCount, 1, 8));
        var parts = new Part[bounds.Count - 1];
        Parallel.For(0, parts.Length, new ParallelOptions { MaxDegreeOfParallelism = parts.Length },
            p => parts[p] = Part.Merge(packs, domainsOf, numbering.Count, bounds[p], bounds[p + 1]));
        return new SourceAggregate(parts, [.. numbering.OrderBy(n => n.Value).Select(n => n.Key)]);
    }

    /// <summary>The sources a ranking lists (for failing, those with a failure no forwarder explains) in its order, from
    /// <paramref name="skip"/>, at most <paramref name="take"/>; and how many it lists in all.</summary>
    public (IReadOnlyList<SourceStatsDto> Rows, long Total) Ranked(SourceRanking ranking, long skip, int take)
    {
        var comparer = new Ranking(ranking);
        var wanted = (int)Math.Min(int.MaxValue, skip + take);
        var best = _parts.SelectMany(p => p.Best(ranking, comparer, wanted)).Order(comparer).Skip((int)Math.Min(skip, int.MaxValue)).Take(take);
        return ([.. best.Select(Row)], _parts.Sum(p => p.Listed(ranking)));
    }

    /// <summary>Every address with its messages and failing messages.</summary>
    public IReadOnlyList<SourceTotalDto> Totals() =>
        [.. _parts.SelectMany(p => p.Sums.Take(p.Count)).Select(s => new SourceTotalDto(s.Address.ToIPAddress(), s.Messages, s.Failing))];

    /// <summary>Where the parts' address ranges start and end: null for open ends, and between them the addresses
    /// that cut the largest pack into equal shares (the packs of a period share most of their addresses).</summary>
    private static List<SourceAddress?> Bounds(IReadOnlyList<byte[]> packs, int parts)
    {
        var bounds = new List<SourceAddress?> { null };
        if (parts > 1 && packs.Count > 0)
        {
            var largest = new SourcePack.Reader(packs.MaxBy(p => p.Length)!);
            var addresses = new List<SourceAddress>(largest.Count);
            while (largest.Read(out var address, out _, out _, out _, out _))
            {
                addresses.Add(address);
            }

            for (var i = 1; i < parts && addresses.Count >= parts; i++)
            {
                var cut = addresses[addresses.Count * i / parts];
                if (bounds[^1] is not { } last || last.CompareTo(cut) < 0)
                {
                    bounds.Add(cut);
                }
            }
        }

        bounds.Add(null);
        return bounds;
    }

    private static SourceStatsDto Row(Sums s) =>
        new(s.Address.ToString(), Round(s.Messages), Round(s.Failing), s.Messages > 0 ? s.Failing / s.Messages : 0, s.Domains, Forwarded: Round(s.Forwarded));

    private static long Round(double value) => (long)Math.Round(value, MidpointRounding.AwayFromZero);

    private record struct Sums(SourceAddress Address, double Messages, double Failing, double Forwarded, int Domains)
    {
        public readonly double Unexplained => Failing - Forwarded;
    }

    /// <summary>The views' orders: by messages; or by failures no forwarder explains, then messages; then address.</summary>
    private sealed class Ranking(SourceRanking ranking) : IComparer<Sums>
    {
        public int Compare(Sums x, Sums y)
        {
            var order = ranking == SourceRanking.Failing ? y.Unexplained.CompareTo(x.Unexplained) : 0;
            order = order != 0 ? order : y.Messages.CompareTo(x.Messages);
            return order != 0 ? order : x.Address.CompareTo(y.Address);
        }
    }

    /// <summary>One pack being merged: its next entry, with the domain in the common numbering.</summary>
    private sealed class Run(byte[] pack, int[] domains, int index)
    {
        private SourcePack.Reader _reader = new(pack);

        /// <summary>Orders a run before another at the same address: the same order of summing every time.</summary>
        public readonly int Index = index;

        public SourceAddress Address;
        public int Domain;
        public double Messages;
        public double Failing;
        public double Forwarded;

        public bool Next()
        {
            if (!_reader.Read(out Address, out var domain, out Messages, out Failing, out Forwarded))
            {
                return false;
            }

            Domain = domains[domain];
            return true;
        }
    }

    /// <summary>The runs by their next address: a binary heap, written out so that comparing two runs is inlined.</summary>
    private sealed class RunHeap(int capacity)
    {
        private readonly Run[] _runs = new Run[capacity];
        private int _count;

        public Run? Top => _count > 0 ? _runs[0] : null;

        public void Push(Run run)
        {
            var at = _count++;
            while (at > 0 && Before(run, _runs[(at - 1) / 2]))
            {
                _runs[at] = _runs[(at - 1) / 2];
                at = (at - 1) / 2;
            }

            _runs[at] = run;
        }

        /// <summary>The top run moved on to its next entry: sinks it to its place.</summary>
        public void TopMoved() => Sink(_runs[0]);

        public void Pop()
        {
            var last = _runs[--_count];
            _runs[_count] = null!;
            if (_count > 0)
            {
                Sink(last);
            }
        }

        private void Sink(Run run)
        {
            var at = 0;
            while (true)
            {
                var child = (2 * at) + 1;
                if (child >= _count)
                {
                    break;
                }

                if (child + 1 < _count && Before(_runs[child + 1], _runs[child]))
                {
                    child++;
                }

                if (!Before(_runs[child], run))
                {
                    break;
                }

                _runs[at] = _runs[child];
                at = child;
            }

            _runs[at] = run;
        }

        private static bool Before(Run a, Run b)
        {
            var order = a.Address.CompareTo(b.Address);
            return order < 0 || (order == 0 && a.Index < b.Index);
        }
    }

    /// <summary>The addresses of one range, summed, in address order.</summary>
    private sealed class Part
    {
        private Part(int domains) => PerDomain = new long[domains];

        public Sums[] Sums { get; private set; } = new Sums[4096];

        public int Count { get; private set; }

        public long[] PerDomain { get; }

        /// <summary>Merges the packs' entries from <paramref name="from"/> (inclusive) to <paramref name="to"/>
        /// (exclusive; null: open).</summary>
        public static Part Merge(IReadOnlyList<byte[]> packs, int[][] domainsOf, int domains, SourceAddress? from, SourceAddress? to)
        {
            var part = new Part(domains);
            var heap = new RunHeap(packs.Count);
            for (var i = 0; i < packs.Count; i++)
            {
                var run = new Run(packs[i], domainsOf[i], i);
                bool more;
                while ((more = run.Next()) && from is { } start && run.Address.CompareTo(start) < 0)
                {
                }

                if (more && Before(run.Address, to))
                {
                    heap.Push(run);
                }
            }

            var seen = new List<int>(4);
            while (heap.Top is { } run)
            {
                ref var sums = ref part.Last;
                if (part.Count == 0 || !sums.Address.Equals(run.Address))
                {
                    sums = ref part.Add(run.Address);
                    seen.Clear();
                }

                if (!seen.Contains(run.Domain))
                {
                    seen.Add(run.Domain);
                    sums.Domains++;
                    part.PerDomain[run.Domain]++;
                }

                sums.Messages += run.Messages;
                sums.Failing += run.Failing;
                sums.Forwarded += run.Forwarded;
                if (run.Next() && Before(run.Address, to))
                {
                    heap.TopMoved();
                }
                else
                {
                    heap.Pop();
                }
            }

            return part;
        }

        private static bool Before(SourceAddress address, SourceAddress? end) => end is not { } stop || address.CompareTo(stop) < 0;

        private ref Sums Last => ref Sums[Math.Max(0, Count - 1)];

        private ref Sums Add(SourceAddress address)
        {
            if (Count == Sums.Length)
            {
                var sums = Sums;
                Array.Resize(ref sums, Count * 2);
                Sums = sums;
            }

            Sums[Count] = new Sums(address, 0, 0, 0, 0);
            return ref Sums[Count++];
        }

        public long Listed(SourceRanking ranking)
        {
            if (ranking != SourceRanking.Failing)
            {
                return Count;
            }

            var listed = 0L;
            for (var i = 0; i < Count; i++)
            {
                listed += Sums[i].Unexplained > 0 ? 1 : 0;
            }

            return listed;
        }

        /// <summary>This part's best <paramref name="wanted"/> listed addresses (a bounded heap: one pass, no sort of all).</summary>
        public IEnumerable<Sums> Best(SourceRanking ranking, IComparer<Sums> comparer, int wanted)
        {
            // The heap's root is the worst kept, so the comparer is reversed.
            var heap = new PriorityQueue<Sums, Sums>(Comparer<Sums>.Create((x, y) => comparer.Compare(y, x)));
            for (var i = 0; i < Count; i++)
            {
                var sums = Sums[i];
                if (ranking == SourceRanking.Failing && sums.Unexplained <= 0)
                {
                    continue;
                }

                if (heap.Count < wanted)
                {
                    heap.Enqueue(sums, sums);
                }
                else if (wanted > 0 && comparer.Compare(sums, heap.Peek()) < 0)
                {
                    heap.DequeueEnqueue(sums, sums);
                }
            }

            return heap.UnorderedItems.Select(e => e.Element);
        }
    }
}
