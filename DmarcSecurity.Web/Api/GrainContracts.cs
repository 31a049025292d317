namespace DmarcSecurity.Web.Api;

// The domain and source-IP grains as GET /api/domains and GET /api/sources/{ip} show them. The state parts mirror the
// silo's DomainState and SourceIpState (camelCase JSON); only what the pages read is declared.

public sealed record PublishedPolicySummaryDto(string? P, string? Sp, string? Np, int? Pct, bool? Testing, DateTimeOffset? AsOf);

public sealed record DomainSummaryDto(
    string Domain, DateTimeOffset UpdatedAt, double? BaselineFailureRate, int BaselineDays, int KnownSenders, PublishedPolicySummaryDto? Policy,
    long Last7DaysMessages, double? Last7DaysFailureRate, int OpenAlerts);

public sealed record DomainDetailDto(DomainSummaryDto Summary, long Version, DomainStateDto State);

public sealed record DomainStateDto(
    IReadOnlyList<DomainDayDto>? Days, double? BaselineFailureRate, int BaselineDays,
    IReadOnlyDictionary<string, KnownSenderDto>? KnownSenders, DomainPolicyDto? Policy,
    IReadOnlyDictionary<string, ReporterActivityDto>? Reporters, IReadOnlyList<DomainPolicyDto>? PolicyHistory = null);

public sealed record DomainDayDto(DateOnly Day, long Messages, long DmarcPass, long DkimAligned, long SpfAligned, long None, long Quarantine, long Reject);

public sealed record KnownSenderDto(DateTimeOffset FirstPassAt, DateTimeOffset LastPassAt);

/// <param name="ReportId">The Api's id of the report that showed it (as text).</param>
public sealed record DomainPolicyDto(
    string P, string Sp, string? Np, int? Pct, bool? Testing, string Adkim, string Aspf, DateTimeOffset AsOf, string? ReportId);

public sealed record ReporterActivityDto(IReadOnlyList<DateOnly> Days, DateTimeOffset LastReceivedAt, bool GapAlerted);

/// <param name="State">Null when no grain has seen the address yet (only records exist).</param>
/// <param name="RecordCount">All records of the address; <paramref name="Records"/> holds the newest 50.</param>
/// <param name="IdsAlertCount">All IDS alerts and notices of the address still kept; <paramref name="IdsAlerts"/> holds the newest 50.</param>
public sealed record SourceDto(
    string Ip, long? Version, DateTimeOffset? UpdatedAt, SourceStateDto? State, long RecordCount, IReadOnlyList<RecordDto> Records,
    long IdsAlertCount, IReadOnlyList<IdsAlertDto>? IdsAlerts, SourceIdentityDto? Identity = null);

public sealed record SourceStateDto(
    DateTimeOffset? FirstSeen, DateTimeOffset? LastSeen, IReadOnlyList<SourceDayDto>? Days,
    IReadOnlyDictionary<string, ClaimedDomainDto>? Domains, double? AnomalyScore, IReadOnlyList<OffenceDto>? Offences,
    SourceAssessmentDto? Assessment, SourceDecisionRecordDto? LastDecision,
    IReadOnlyList<SourceIdsDayDto>? IdsDays, IReadOnlyList<SeenSignatureDto>? Signatures, IReadOnlyList<SeenTargetDto>? Targets,
    DateOnly? AnomalyDay, string? AnomalyModel, IReadOnlyList<SourceFailureDayDto>? FailureDays = null);

/// <summary>DMARC failure reports naming the address, per day of arrival.</summary>
public sealed record SourceFailureDayDto(DateOnly Day, long Reports);

public sealed record SourceIdsDayDto(DateOnly Day, long Alerts, int? TopPriority, long Probes, long Connections, long TargetHits, long ProtectedHits, int DistinctTargets);

public sealed record SeenSignatureDto(string Signature, string? SignatureId, string? Classification, int? Priority, long Count, DateTimeOffset LastSeen);

public sealed record SeenTargetDto(string Ip, long Count, bool Protected, DateTimeOffset LastSeen);

/// <summary>One IDS alert (Snort, Suricata) or notice (Zeek) as the sensor wrote it.</summary>
public sealed record IdsAlertDto(
    long Id, DateTimeOffset At, string Kind, string Sensor, int? SourcePort, string? DestinationIp, int? DestinationPort,
    string? Protocol, string Signature, string? SignatureId, string? Classification, int? Priority, string? Action, long IngestionId);

/// <summary>The score on the address's current evidence, as the grain last assessed it.</summary>
public sealed record SourceAssessmentDto(DateTimeOffset At, ThreatScoreDto Score);

public sealed record ThreatScoreDto(double Score, string Severity, ScoreBreakdownDto Breakdown);

public sealed record SourceDayDto(DateOnly Day, long Messages, long FailingBoth, long None, long Quarantine, long Reject, long Forwarded = 0);

public sealed record ClaimedDomainDto(DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long Messages, long FailingBoth, DateTimeOffset? LastFailedAt);

public sealed record OffenceDto(Guid DecisionId, DateTimeOffset At);

/// <param name="Status">Active, Approved, Dismissed or Expired.</param>
public sealed record SourceDecisionRecordDto(ScoredDecisionDto Decision, string Status, DateTimeOffset? ReassessAt);

/// <summary>The decision as the grain made it, with the score's breakdown.</summary>
public sealed record ScoredDecisionDto(
    Guid DecisionId, string Action, string Severity, double Score, ScoreBreakdownDto Breakdown, DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt, string Origin, string Reason, bool Simulated, bool SuppressedByAllowlist);

public sealed record ScoreBreakdownDto(
    ComponentScoreDto Pattern, ComponentScoreDto Context, ComponentScoreDto History, ComponentScoreDto Reputation, ComponentScoreDto Anomaly);

/// <param name="Contribution">value × weight ÷ sum of weights: its share of the score.</param>
public sealed record ComponentScoreDto(double Value, double Weight, double Contribution, IReadOnlyDictionary<string, double>? Inputs);

public sealed record DailyRateDto(DateOnly Day, double Rate, long Messages);

public sealed record ForecastDayDto(DateOnly Day, double Rate, double Lower, double Upper);

/// <summary>GET /api/domains/{domain}/forecast: the failure rate 7 days ahead with a 95 % interval.</summary>
public sealed record DomainForecastDto(
    string Domain, string Method, double Alpha, double Beta, double Gamma, IReadOnlyList<DailyRateDto> History, IReadOnlyList<ForecastDayDto> Forecast);
