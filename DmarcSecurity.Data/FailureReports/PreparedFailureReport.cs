using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Ingestion;

namespace DmarcSecurity.Data.FailureReports;

/// <summary>A failure report's identity and row, computed before the transaction.</summary>
internal sealed class PreparedFailureReport(ExtractedFailureReport extracted)
{
    public ExtractedFailureReport Extracted { get; } = extracted;

    public string IdentityKey { get; } = IdentityOf(
        extracted.Report.Reporter, extracted.Report.OriginalMessageId, extracted.Report.ArrivalDate, extracted.Report.SourceIp);

    /// <summary>Reporter + original Message-ID + arrival date + source IP: the same receiver reporting the same message
    /// from the same address at the same time twice (a resend, a second copy to another ruf address) is one report.
    /// Length-prefixed so no two tuples collide, hashed so the unique index is fixed-width.</summary>
    public static string IdentityOf(string reporter, string? messageId, DateTimeOffset? arrival, string sourceIp)
    {
        var arrivalText = arrival?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) ?? "";
        var id = messageId ?? "";
        var text = $"{reporter.Length}:{reporter.ToLowerInvariant()}|{id.Length}:{id}|{arrivalText}|{sourceIp}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public FailureReportEntity ToEntity(IngestedFileEntity file)
    {
        var r = Extracted.Report;
        return new FailureReportEntity
        {
            File = file,
            IdentityKey = IdentityKey,
            Origin = Extracted.Origin,
            Reporter = r.Reporter,
            FeedbackType = r.FeedbackType,
            UserAgent = r.UserAgent,
            Version = r.Version,
            ArrivalAt = (r.ArrivalDate ?? file.ReceivedAt).ToUniversalTime(),
            ArrivalDateGiven = r.ArrivalDate is not null,
            SourceIp = r.SourceIp,
            ReportedDomain = r.ReportedDomain,
            OriginalMailFrom = r.OriginalMailFrom,
            OriginalRcptTo = [.. r.OriginalRcptTo],
            AuthenticationResults = r.AuthenticationResults,
            AuthFailures = [.. r.AuthFailures],
            DkimDomain = r.DkimDomain,
            DkimIdentity = r.DkimIdentity,
            DkimSelector = r.DkimSelector,
            SpfDns = r.SpfDns,
            DeliveryResult = r.DeliveryResult,
            IdentityAlignment = r.IdentityAlignment,
            ReportedUris = [.. r.ReportedUris],
            OriginalFrom = r.OriginalFrom,
            OriginalTo = r.OriginalTo,
            OriginalSubject = r.OriginalSubject,
            OriginalDate = r.OriginalDate,
            OriginalMessageId = r.OriginalMessageId,
            OriginalHeaders = r.OriginalHeaders,
            OriginalBody = r.OriginalBody,
        };
    }

    /// <summary>The evidence for the source-IP grain, written in the transaction that stores the report.</summary>
    public static NewInboxEvent EventFor(FailureReportEntity stored) => new(
        GrainTypes.SourceIp,
        stored.SourceIp,
        GrainEventTypes.DmarcFailure,
        JsonSerializer.Serialize(
            new DmarcFailureEvent(stored.Id.ToString(CultureInfo.InvariantCulture), stored.Reporter, stored.ReportedDomain, stored.ArrivalAt,
                stored.AuthFailures, stored.DeliveryResult),
            GrainEventJson.Default.DmarcFailureEvent));
}
