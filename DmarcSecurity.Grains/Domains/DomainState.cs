using DmarcSecurity.Grains.Alerts;

namespace DmarcSecurity.Grains.Domains;

/// <summary>What a domain grain remembers. Fields are only ever added with defaults; a change of shape that old
/// code could not read bumps <see cref="CurrentVersion"/>.</summary>
public sealed record DomainState
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>Per-day counts, oldest first, for the retention window.</summary>
    public IReadOnlyList<DomainDay> Days { get; init; } = [];

    /// <summary>EWMA of the daily DMARC failure rate (0..1); null until a day has been folded in.</summary>
    public double? BaselineFailureRate { get; init; }

    /// <summary>Days folded into the baseline so far.</summary>
    public int BaselineDays { get; init; }

    /// <summary>Sources that passed DKIM or SPF alignment, by canonical address.</summary>
    public IReadOnlyDictionary<string, KnownSender> KnownSenders { get; init; } = new Dictionary<string, KnownSender>();

    /// <summary>The policy of the newest report seen.</summary>
    public DomainPolicy? Policy { get; init; }

    /// <summary>Every published policy in the order reports showed it, each as first seen (its report and the report's
    /// end): a new entry for every change of p, sp, np, pct, testing, adkim or aspf, stronger or weaker; the last
    /// <see cref="DomainGrain.MaxPolicyHistory"/>. Empty in states stored before it was kept, until the next report.</summary>
    public IReadOnlyList<DomainPolicy> PolicyHistory { get; init; } = [];

    /// <summary>By reporter (organisation name, lower-case).</summary>
    public IReadOnlyDictionary<string, ReporterActivity> Reporters { get; init; } = new Dictionary<string, ReporterActivity>();

    public AlertBook Alerts { get; init; } = AlertBook.Empty;
}

/// <param name="DmarcPass">Messages that passed DKIM or SPF alignment.</param>
/// <param name="None">Disposition none (and RFC 9990 pass: nothing was applied).</param>
/// <param name="Folded">Already part of the baseline; late reports still add to the counts.</param>
public sealed record DomainDay(
    DateOnly Day, long Messages, long DmarcPass, long DkimAligned, long SpfAligned, long None, long Quarantine, long Reject, bool Folded = false)
{
    public double FailureRate => Messages > 0 ? (Messages - DmarcPass) / (double)Messages : 0;
}

public sealed record KnownSender(DateTimeOffset FirstPassAt, DateTimeOffset LastPassAt);

/// <summary>A published policy. <paramref name="Testing"/>, <paramref name="Pct"/> and <paramref name="Np"/> are null
/// when no report has said.</summary>
/// <param name="AsOf">End of the report that showed it.</param>
public sealed record DomainPolicy(
    string P, string Sp, string? Np, int? Pct, bool? Testing, string Adkim, string Aspf, DateTimeOffset AsOf, string ReportId);

/// <param name="Days">Distinct days it reported on, oldest first (the last month).</param>
/// <param name="GapAlerted">A gap was alerted since its last report.</param>
public sealed record ReporterActivity(IReadOnlyList<DateOnly> Days, DateTimeOffset LastReceivedAt, bool GapAlerted = false);
