using System.Text.Json;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Ids;
using DmarcSecurity.Data.Grains;

namespace DmarcSecurity.Data.Ids;

/// <summary>
/// Sums what one IDS log says about each source address per UTC day into one <see cref="IdsEvidenceEvent"/> each, so
/// the grains see a day's alerts as one event. Memory stays bounded per address: at most
/// <see cref="TrackedSignatures"/> signatures and <see cref="TrackedTargets"/> destinations are told apart; hits beyond
/// them are still counted.
/// </summary>
internal sealed class IdsEvidenceBuilder(long batch)
{
    public const int TrackedSignatures = 256;
    public const int TrackedTargets = 4096;

    /// <summary>Zeek connection states of an attempt that was refused or never answered.</summary>
    private static readonly HashSet<string> s_probeStates = new(StringComparer.OrdinalIgnoreCase) { "S0", "REJ", "RSTOS0", "RSTRH", "SH", "SHR", "OTH" };

    private readonly Dictionary<(string Ip, DateOnly Day), Day> _days = [];

    public int Sources => _days.Keys.Select(k => k.Ip).Distinct(StringComparer.Ordinal).Count();

    public void Add(IdsEvent entry)
    {
        var at = entry.At.ToUniversalTime();
        var key = (entry.SourceIp, DateOnly.FromDateTime(at.UtcDateTime));
        if (!_days.TryGetValue(key, out var day))
        {
            _days[key] = day = new Day(at);
        }

        day.First = at < day.First ? at : day.First;
        day.Last = at > day.Last ? at : day.Last;
        bool hit;
        if (entry.Kind == IdsEventKind.Connection)
        {
            day.Connections++;
            hit = s_probeStates.Contains(entry.Signature);
            day.Probes += hit ? 1 : 0;
        }
        else
        {
            hit = true;
            day.Alerts++;
            var priority = IdsPriorities.Of(entry);
            day.TopPriority = day.TopPriority is null ? priority : priority is null ? day.TopPriority : Math.Min(day.TopPriority.Value, priority.Value);
            var signatureKey = (entry.SignatureId, entry.Signature);
            if (day.Signatures.TryGetValue(signatureKey, out var signature))
            {
                day.Signatures[signatureKey] = signature with { Count = signature.Count + 1 };
            }
            else if (day.Signatures.Count < TrackedSignatures)
            {
                day.Signatures[signatureKey] = new IdsSignatureCount(entry.Signature, entry.SignatureId, entry.Classification, priority, 1);
            }
        }

        if (hit && entry.DestinationIp is { } destination)
        {
            day.TargetHits++;
            if (day.Targets.TryGetValue(destination, out var count))
            {
                day.Targets[destination] = count + 1;
            }
            else if (day.Targets.Count < TrackedTargets)
            {
                day.Targets[destination] = 1;
            }
        }
    }

    /// <summary>One event per address and day, for the address's source-IP grain.</summary>
    public IEnumerable<NewInboxEvent> Events() =>
        _days.OrderBy(d => d.Key.Ip, StringComparer.Ordinal).ThenBy(d => d.Key.Day).Select(d =>
        {
            var (ip, date) = d.Key;
            var day = d.Value;
            var evidence = new IdsEvidenceEvent(
                batch, date, day.First, day.Last, day.Alerts, day.TopPriority, day.Probes, day.Connections,
                [.. day.Signatures.Values.OrderByDescending(s => s.Count).ThenBy(s => s.Signature, StringComparer.Ordinal).Take(IdsEvidenceEvent.MaxSignatures)],
                [.. day.Targets.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Take(IdsEvidenceEvent.MaxTargets)
                    .Select(t => new IdsTargetCount(t.Key, t.Value))],
                day.TargetHits, day.Targets.Count);
            return new NewInboxEvent(GrainTypes.SourceIp, ip, GrainEventTypes.IdsEvidence,
                JsonSerializer.Serialize(evidence, GrainEventJson.Default.IdsEvidenceEvent));
        });

    private sealed class Day(DateTimeOffset at)
    {
        public DateTimeOffset First { get; set; } = at;

        public DateTimeOffset Last { get; set; } = at;

        public long Alerts { get; set; }

        public int? TopPriority { get; set; }

        public long Probes { get; set; }

        public long Connections { get; set; }

        public long TargetHits { get; set; }

        public Dictionary<(string? SignatureId, string Signature), IdsSignatureCount> Signatures { get; } = [];

        public Dictionary<string, long> Targets { get; } = new(StringComparer.Ordinal);
    }
}
