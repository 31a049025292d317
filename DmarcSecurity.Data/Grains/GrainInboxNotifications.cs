using System.Globalization;

namespace DmarcSecurity.Data.Grains;

/// <summary>
/// On PostgreSQL a transaction that enqueues grain events also NOTIFYs <see cref="Channel"/> with the partitions it
/// filled; the server delivers the notification when, and only if, the transaction commits. Silos LISTEN and wake the
/// workers of those partitions at once instead of at their next poll. A notification is only a hint: polling still
/// finds every event, so one lost with a dropped connection costs a poll interval, never an event.
/// </summary>
public static class GrainInboxNotifications
{
    public const string Channel = "grain_inbox";

    /// <summary>The payload: the distinct partitions, ascending, comma-separated (64 partitions fit easily in
    /// PostgreSQL's 8,000 bytes).</summary>
    public static string Payload(IEnumerable<int> partitions) =>
        string.Join(',', partitions.Distinct().Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The partitions of a payload; anything that is not a partition number is ignored.</summary>
    public static IEnumerable<int> Partitions(string payload)
    {
        foreach (var part in payload.Split(','))
        {
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            {
                yield return partition;
            }
        }
    }
}
