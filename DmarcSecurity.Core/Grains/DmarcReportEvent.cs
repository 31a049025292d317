namespace DmarcSecurity.Core.Grains;

/// <summary>One stored aggregate report, sent to the grain of its policy domain.</summary>
/// <param name="ReporterEmail">The reporter's contact address, when the report gives one.</param>
/// <param name="Rows">One per report record.</param>
public sealed record DmarcReportEvent(
    string ReportId,
    string OrgName,
    string? ReporterEmail,
    DateTimeOffset Begin,
    DateTimeOffset End,
    DmarcPublishedPolicy Policy,
    IReadOnlyList<DmarcReportRow> Rows);

/// <summary>The report's <c>policy_published</c> block. Null means the report did not say (RFC 7489 reports have no
/// testing flag, RFC 9990 reports no pct).</summary>
/// <param name="P">none, quarantine or reject.</param>
/// <param name="Sp">Subdomain policy; null means the same as <paramref name="P"/>.</param>
/// <param name="Np">RFC 9990 non-existent subdomain policy.</param>
/// <param name="Testing">RFC 9990 testing flag: "y" or "n".</param>
/// <param name="Adkim">DKIM alignment mode: "r" or "s".</param>
/// <param name="Aspf">SPF alignment mode: "r" or "s".</param>
public sealed record DmarcPublishedPolicy(
    string P,
    string? Sp = null,
    string? Np = null,
    int? Pct = null,
    string? Testing = null,
    string Adkim = "r",
    string Aspf = "r");

/// <param name="SourceIp">The record's source address as text.</param>
/// <param name="Disposition">none, quarantine, reject (or RFC 9990 pass), lower-case.</param>
/// <param name="DkimAligned">policy_evaluated dkim == pass.</param>
/// <param name="SpfAligned">policy_evaluated spf == pass.</param>
public sealed record DmarcReportRow(string SourceIp, long Count, string Disposition, bool DkimAligned, bool SpfAligned);
