using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Data.Stats;

/// <summary>DMARC pass = DKIM or SPF passed as evaluated for policy (policy_evaluated). Counts are message counts.
/// With a date range, a report that lies partly outside it counts in proportion to the time inside it;
/// the timeline spreads every report over the UTC days it covers in proportion to time.</summary>
public sealed record SummaryDto(
    long Reports,
    long Records,
    long Messages,
    long Passing,
    long Failing,
    double PassRate,
    long Domains,
    long Sources,
    long Reporters,
    IReadOnlyDictionary<string, long> Dispositions);

public sealed record TimelinePointDto(
    DateOnly Day, double Messages, double Passing, double Failing, double DkimAlignedPass, double SpfAlignedPass,
    double None, double Quarantine, double Reject);

public sealed record DomainStatsDto(string Domain, long Reports, long Messages, long Passing, long Failing, double PassRate, long Sources);

/// <param name="Failing">Messages that failed DMARC, forwarded ones included.</param>
/// <param name="Identity">Who the source is (service, reverse DNS, country, ...), added by the Api when it answers; the
/// queries leave it null.</param>
/// <param name="Forwarded">Of the failing messages, those the receiver said came through a forwarder or mailing list
/// (override reason <c>forwarded</c>, <c>mailing_list</c>, <c>trusted_forwarder</c>), or all of them when the source
/// is a known forwarder (<see cref="Identified"/>). Ranking by failing messages ranks by the others.</param>
public sealed record SourceStatsDto(string SourceIp, long Messages, long Failing, double FailureRate, long Domains, SourceIdentity? Identity = null, long Forwarded = 0)
{
    /// <summary>This source with who it is: a known forwarder explains every failing message of its own.</summary>
    public SourceStatsDto Identified(SourceIdentity? identity) =>
        this with { Identity = identity, Forwarded = identity?.IsKnownForwarder() == true ? Failing : Forwarded };
}

public sealed record AlignmentDto(long Messages, long DkimPass, long SpfPass, long BothPass, long DkimOnly, long SpfOnly, long Neither);

/// <summary>A reporter: <paramref name="Reporter"/> is the domain of its address (its name when it gave none), which
/// the reporter filter also takes; <paramref name="OrgName"/> the name that carried most of its messages;
/// <paramref name="Names"/> every name it reported under.</summary>
public sealed record ReporterStatsDto(
    string OrgName, long Reports, long Messages, long Passing, long Failing, string Reporter = "", IReadOnlyList<string>? Names = null);

/// <summary>Everything the dashboard shows for one filter, computed in one pass over the selected records.</summary>
public sealed record DashboardDto(
    SummaryDto Summary,
    IReadOnlyList<TimelinePointDto> Timeline,
    AlignmentDto Alignment,
    IReadOnlyList<SourceStatsDto> TopSources,
    IReadOnlyList<SourceStatsDto> TopFailing,
    IReadOnlyList<ReporterStatsDto> Reporters,
    IReadOnlyList<DomainStatsDto> Domains);

/// <summary>One source address that sent as a domain within a range, with its messages there (weighted like every
/// ranged figure) and whether it had sent as that domain in a report that began before the range.</summary>
public sealed record DomainSourceDto(string Domain, string SourceIp, long Messages, bool SeenBefore);

/// <summary>One source address of a period with its messages and failing messages (weighted like every ranged figure,
/// not rounded): what the country map adds up, millions of them over every domain and a long period (hence the address
/// as parsed, not as text).</summary>
public sealed record SourceTotalDto(IPAddress SourceIp, double Messages, double Failing);

/// <summary>How the top source IPs are ranked: by messages sent, or by messages failing DMARC.</summary>
public enum SourceRanking
{
    Messages,
    Failing,
}

/// <summary>The period the stored reports cover, for a domain and reporter or for all: where a view that counts back
/// from today would find nothing because the data is older.</summary>
/// <param name="First">The earliest report's begin; null without reports.</param>
/// <param name="Last">The latest report's end; null without reports.</param>
public sealed record DataExtentDto(long Reports, DateTimeOffset? First, DateTimeOffset? Last);

public interface IStatsQueries
{
    /// <summary>The reports' own period; the filter's dates are not applied.</summary>
    Task<DataExtentDto> ExtentAsync(ReportFilter filter, CancellationToken cancellationToken);

    Task<SummaryDto> SummaryAsync(ReportFilter filter, CancellationToken cancellationToken);

    Task<IReadOnlyList<TimelinePointDto>> TimelineAsync(ReportFilter filter, CancellationToken cancellationToken);

    Task<IReadOnlyList<DomainStatsDto>> DomainsAsync(ReportFilter filter, int top, CancellationToken cancellationToken);

    Task<IReadOnlyList<SourceStatsDto>> SourcesAsync(ReportFilter filter, int top, SourceRanking ranking, CancellationToken cancellationToken);

    /// <summary>Every source the filter selects, a page at a time, in the order of <paramref name="ranking"/>; the total
    /// counts the sources that ranking lists (for <see cref="SourceRanking.Failing"/>, those with a failure no
    /// forwarder explains).</summary>
    Task<PagedResult<SourceStatsDto>> SourcesPageAsync(ReportFilter filter, PageRequest page, SourceRanking ranking, CancellationToken cancellationToken);

    /// <summary>Every source the filter selects in the order of <paramref name="ranking"/>, streamed as the database
    /// returns them (for exports: no page, no total).</summary>
    IAsyncEnumerable<SourceStatsDto> StreamSourcesAsync(ReportFilter filter, SourceRanking ranking, CancellationToken cancellationToken);

    /// <summary>Every source the filter selects, unordered, with its messages and failing messages: one aggregation of
    /// the selected records, one row per address.</summary>
    Task<IReadOnlyList<SourceTotalDto>> SourceTotalsAsync(ReportFilter filter, CancellationToken cancellationToken);

    Task<AlignmentDto> AlignmentAsync(ReportFilter filter, CancellationToken cancellationToken);

    Task<IReadOnlyList<ReporterStatsDto>> ReportersAsync(ReportFilter filter, int top, CancellationToken cancellationToken);

    /// <summary>Summary, timeline, alignment, top sources by messages and by failing messages, reporters and domains (each
    /// list at most <paramref name="top"/> long, the failing sources <paramref name="failingTop"/>: a caller that drops
    /// known forwarders asks for more), with the same figures the separate queries give, and one aggregation of the
    /// records instead of four. Dispositions come from the reports' own counts.</summary>
    Task<DashboardDto> DashboardAsync(ReportFilter filter, int top, int failingTop, CancellationToken cancellationToken);

    /// <summary>Every (domain, source address) pair in the reports of [<paramref name="from"/>, <paramref name="to"/>),
    /// each marked with whether the address had sent as the domain before <paramref name="from"/>: the weekly digest's
    /// new senders.</summary>
    Task<IReadOnlyList<DomainSourceDto>> DomainSourcesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
