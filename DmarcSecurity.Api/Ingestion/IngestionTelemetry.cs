using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DmarcSecurity.Api.Ingestion;

/// <summary>The ingestion component's ActivitySource and Meter (picked up by ServiceDefaults as DmarcSecurity.*).</summary>
internal static class IngestionTelemetry
{
    public const string Name = "DmarcSecurity.Ingestion";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter s_meter = new(Name);

    public static readonly Counter<long> Files = s_meter.CreateCounter<long>("dmarc.ingest.files", "{file}", "Files processed, by outcome.");

    public static readonly Counter<long> Reports = s_meter.CreateCounter<long>("dmarc.ingest.reports", "{report}", "Reports stored.");

    public static readonly Counter<long> TlsReports = s_meter.CreateCounter<long>("dmarc.ingest.tls_reports", "{report}", "SMTP TLS reports stored.");

    public static readonly Counter<long> FailureReports = s_meter.CreateCounter<long>("dmarc.ingest.failure_reports", "{report}", "DMARC failure reports stored.");

    public static readonly Counter<long> Records = s_meter.CreateCounter<long>("dmarc.ingest.records", "{record}", "Records stored.");

    public static readonly Counter<long> Rejections = s_meter.CreateCounter<long>("dmarc.ingest.rejections", "{file}", "Files rejected, by reason.");

    public static readonly Histogram<double> ParseDuration = s_meter.CreateHistogram<double>(
        "dmarc.ingest.parse.duration", "s", "Time to unpack and parse one file.");
}
