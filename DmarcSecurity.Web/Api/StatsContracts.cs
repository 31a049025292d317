namespace DmarcSecurity.Web.Api;

public sealed record SummaryDto(
    long Reports, long Records, long Messages, long Passing, long Failing, double PassRate,
    long Domains, long Sources, long Reporters, IReadOnlyDictionary<string, long> Dispositions);

public sealed record TimelinePointDto(
    DateOnly Day, double Messages, double Passing, double Failing, double DkimAlignedPass, double SpfAlignedPass,
    double None, double Quarantine, double Reject);

public sealed record DomainStatsDto(string Domain, long Reports, long Messages, long Passing, long Failing, double PassRate, long Sources);

/// <param name="Forwarded">Of the failing messages, those the receiver said came through a forwarder or mailing list.</param>
public sealed record SourceStatsDto(string SourceIp, long Messages, long Failing, double FailureRate, long Domains, SourceIdentityDto? Identity = null, long Forwarded = 0)
{
    /// <summary>The failures no forwarder explains: what "top failing" ranks and draws.</summary>
    public long Unforwarded => Failing - Forwarded;
}

public sealed record AlignmentDto(long Messages, long DkimPass, long SpfPass, long BothPass, long DkimOnly, long SpfOnly, long Neither);

/// <summary>A reporter, merged by the domain of its address (<paramref name="Reporter"/>, which the reporter filter
/// takes): named by the name that carried most of its messages, with every name it used.</summary>
public sealed record ReporterStatsDto(
    string OrgName, long Reports, long Messages, long Passing, long Failing, string Reporter = "", IReadOnlyList<string>? Names = null)
{
    /// <summary>The name, and the other names the reporter used when it went by several.</summary>
    public string Label => Names is { Count: > 1 } names
        ? $"{OrgName} (also {string.Join(", ", names.Where(n => n != OrgName))})"
        : OrgName;
}

/// <summary>Everything the dashboard shows for one period and domain: <c>GET /api/stats/dashboard</c>.</summary>
public sealed record DashboardData(
    SummaryDto Summary,
    IReadOnlyList<TimelinePointDto> Timeline,
    AlignmentDto Alignment,
    IReadOnlyList<SourceStatsDto> TopSources,
    IReadOnlyList<SourceStatsDto> TopFailing,
    IReadOnlyList<ReporterStatsDto> Reporters,
    IReadOnlyList<DomainStatsDto> Domains);

/// <summary>One sending service of a domain over a period (<c>GET /api/domains/{domain}/senders</c>).</summary>
public sealed record DomainSenderDto(
    string Service, string? Kind, int Sources, long Messages, long Passing, long Failing, long Forwarded, double PassRate,
    bool Authorised, bool UnauthorisedPassing, IReadOnlyList<string> TopSources);

public sealed record PolicyReadinessDto(bool Quarantine, bool Reject, double? AuthorisedPassRate, IReadOnlyList<string> Blockers, IReadOnlyList<string> CalledOut);

public sealed record DomainSendersDto(
    string Domain, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<DomainSenderDto> Services, PolicyReadinessDto Readiness,
    int SourcesCounted, long SourcesTotal);

/// <summary>The period the reports cover (<c>GET /api/stats/extent</c>).</summary>
public sealed record DataExtentDto(long Reports, DateTimeOffset? First, DateTimeOffset? Last);

public sealed record DomainPage(IReadOnlyList<DomainListItem> Items, long TotalCount);

public sealed record DomainListItem(string Domain);

/// <summary>One country's sources (<c>GET /api/stats/countries</c>): an ISO 3166-1 alpha-2 code, or <c>unknown</c>.</summary>
public sealed record CountryRow(string Country, long Sources, long Messages, long Failing)
{
    public const string Unknown = "unknown";
}

/// <param name="Note">Why every source is unknown, when the Api has no geolocation database.</param>
public sealed record CountryMapData(IReadOnlyList<CountryRow> Countries, string? Note);
