using System.Globalization;
using CsvHelper;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Api.Grains;
using DmarcSecurity.Api.Reports;
using DmarcSecurity.Api.Stats;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Stats;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Exports;

/// <summary>CSV exports of what the list endpoints show, with the same filters and no paging: streamed row by row from
/// the database, so an export of millions of records holds only a buffer. Fields that a spreadsheet would run as a
/// formula (starting with =, +, -, @, tab or carriage return: a reporter's org name can be anything) are escaped.</summary>
public static class ExportsApi
{
    private static readonly CsvWriterOptions s_csv = new()
    {
        Injection = CsvInjection.Escape,
        NewLine = "\r\n",
        FormatProvider = CultureInfo.InvariantCulture,
        WriteByteOrderMark = false,
    };

    public static IEndpointRouteBuilder MapExportsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/exports").WithTags("Exports").RequireAuthorization(Policies.Viewer);
        group.MapGet("/reports.csv", ExportReports).WithName(nameof(ExportReports))
            .WithSummary("Every report the filters select (domain, reporter, from, to), as CSV.");
        group.MapGet("/domains/{domain}/summary.pdf", ExportDomainSummary).WithName(nameof(ExportDomainSummary))
            .WithSummary("A domain's summary over a period (from, to; all time without them) as a PDF: totals, policy readiness, senders by service, the sources failing with no forwarder to explain it, and the days.")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf");
        group.MapGet("/domains/{domain}/senders.csv", ExportDomainSenders).WithName(nameof(ExportDomainSenders))
            .WithSummary("A domain's senders over a period (from, to) grouped by service, as on GET /api/domains/{domain}/senders, as CSV.");
        group.MapGet("/sources.csv", ExportSources).WithName(nameof(ExportSources))
            .WithSummary("Every source address the filters select (domain, reporter, from, to), ranked as GET /api/sources ranks them (order=messages or failing), with who each one is, as CSV.");
        group.MapGet("/records.csv", ExportRecords).WithName(nameof(ExportRecords))
            .WithSummary("Every record the filters select (domain, sourceIp, disposition, dkim, spf, from, to), as CSV.");
        return endpoints;
    }

    public static async Task<Results<FileContentHttpResult, NotFound, ValidationProblem>> ExportDomainSummary(
        string domain, DateTimeOffset? from, DateTimeOffset? to, IStatsQueries stats, SourceIdentities identities,
        IDbContextFactory<DmarcDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var parameters = new ReportFilterParameters(domain, null, from, to);
        if (Validation.Check(parameters) is { } problem)
        {
            return problem;
        }

        var filter = parameters.ToFilter();
        var totals = await stats.SummaryAsync(filter, cancellationToken);
        if (totals.Reports == 0 && (await stats.ExtentAsync(filter, cancellationToken)).Reports == 0)
        {
            return TypedResults.NotFound();
        }

        var summary = new DomainSummary(
            DomainName.Normalise(domain), from, to, clock.GetUtcNow(), totals, await stats.TimelineAsync(filter, cancellationToken),
            await StatsApi.RankedAsync(stats, identities, filter, 10, SourceRanking.Failing, cancellationToken),
            await DomainSenders.SendersAsync(filter, stats, identities, contexts, cancellationToken));
        return TypedResults.File(DomainSummaryPdf.Write(summary), "application/pdf", $"dmarc-summary-{summary.Domain}.pdf");
    }

    public static async Task<Results<PushStreamHttpResult, ValidationProblem>> ExportDomainSenders(
        string domain, DateTimeOffset? from, DateTimeOffset? to, IStatsQueries stats, SourceIdentities identities,
        IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        var parameters = new ReportFilterParameters(domain, null, from, to);
        if (Validation.Check(parameters) is { } problem)
        {
            return problem;
        }

        var senders = await DomainSenders.SendersAsync(parameters.ToFilter(), stats, identities, contexts, cancellationToken);
        return Csv($"senders-{senders.Domain}.csv", async csv =>
        {
            csv.WriteHeader(["domain", "service", "kind", "sources", "messages", "passing", "failing", "forwarded", "pass_rate", "authorised", "unauthorised_passing", "top_sources"]);
            foreach (var s in senders.Services)
            {
                csv.WriteField(senders.Domain);
                csv.WriteField(s.Service);
                csv.WriteField(s.Kind);
                csv.WriteField(s.Sources.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(s.Messages.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(s.Passing.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(s.Failing.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(s.Forwarded.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(s.PassRate.ToString("0.####", CultureInfo.InvariantCulture));
                csv.WriteField(s.Authorised ? "true" : "false");
                csv.WriteField(s.UnauthorisedPassing ? "true" : "false");
                csv.WriteField(string.Join(" ", s.TopSources));
                await csv.EndRecordAsync(cancellationToken);
            }
        });
    }

    public static Results<PushStreamHttpResult, ValidationProblem> ExportReports(
        [AsParameters] ReportFilterParameters filter, IReportQueries queries, CancellationToken cancellationToken)
    {
        if (Validation.Check(filter) is { } problem)
        {
            return problem;
        }

        return Csv("reports.csv", async csv =>
        {
            csv.WriteHeader(["id", "reporter", "reporter_email", "report_id", "begin", "end", "domain", "policy", "records", "messages", "format", "received_at"]);
            await foreach (var r in queries.StreamReportsAsync(filter.ToFilter(), cancellationToken))
            {
                csv.WriteField(r.Id.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(r.OrgName);
                csv.WriteField(r.ReporterEmail);
                csv.WriteField(r.ReportId.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(r.Begin.ToString("O", CultureInfo.InvariantCulture));
                csv.WriteField(r.End.ToString("O", CultureInfo.InvariantCulture));
                csv.WriteField(r.PolicyDomain);
                csv.WriteField(r.PolicyP);
                csv.WriteField(r.RecordCount.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(r.MessageCount.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(r.Format);
                csv.WriteField(r.ReceivedAt.ToString("O", CultureInfo.InvariantCulture));
                await csv.EndRecordAsync(cancellationToken);
            }
        });
    }

    public static Results<PushStreamHttpResult, ValidationProblem> ExportSources(
        [AsParameters] ReportFilterParameters filter, string? order, IStatsQueries stats, SourceIdentities identities, CancellationToken cancellationToken)
    {
        if (Validation.Check(filter, new SourceOrderParameter(order)) is { } problem)
        {
            return problem;
        }

        return Csv("sources.csv", async csv =>
        {
            csv.WriteHeader(
            [
                "source_ip", "messages", "failing", "forwarded", "failure_rate", "domains", "service", "kind", "reverse_dns", "base_domain",
                "country", "city", "asn", "as_org",
            ]);
            // Who each source is, looked up a chunk at a time under the enrichment's bound and wait.
            await foreach (var chunk in stats.StreamSourcesAsync(filter.ToFilter(), SourceOrderParameter.Parse(order), cancellationToken)
                               .Chunk(500).WithCancellation(cancellationToken))
            {
                foreach (var s in await StatsApi.WithIdentitiesAsync(chunk, identities, cancellationToken))
                {
                    var who = s.Identity;
                    csv.WriteField(s.SourceIp);
                    csv.WriteField(s.Messages.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(s.Failing.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(s.Forwarded.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(s.FailureRate.ToString("0.####", CultureInfo.InvariantCulture));
                    csv.WriteField(s.Domains.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(who?.Service);
                    csv.WriteField(who?.ServiceKind);
                    csv.WriteField(who?.Ptr);
                    csv.WriteField(who?.BaseDomain);
                    csv.WriteField(who?.Country);
                    csv.WriteField(who?.City);
                    csv.WriteField(who?.Asn?.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(who?.AsOrg);
                    await csv.EndRecordAsync(cancellationToken);
                }
            }
        });
    }

    public static Results<PushStreamHttpResult, ValidationProblem> ExportRecords(
        [AsParameters] RecordFilterParameters filter, IReportQueries queries, CancellationToken cancellationToken)
    {
        if (Validation.Check(filter) is { } problem)
        {
            return problem;
        }

        return Csv("records.csv", async csv =>
        {
            csv.WriteHeader(
            [
                "id", "report_id", "source_ip", "count", "disposition", "dkim", "spf", "header_from", "envelope_from", "envelope_to",
                "dkim_results", "spf_results", "override_reasons",
            ]);
            await foreach (var r in queries.StreamRecordsAsync(filter.ToFilter(), cancellationToken))
            {
                csv.WriteField(r.Id.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(r.ReportId.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(r.SourceIp);
                csv.WriteField(r.Count.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(r.Disposition);
                csv.WriteField(r.DkimPolicyResult);
                csv.WriteField(r.SpfPolicyResult);
                csv.WriteField(r.HeaderFrom);
                csv.WriteField(r.EnvelopeFrom);
                csv.WriteField(r.EnvelopeTo);
                csv.WriteField(string.Join("; ", r.Dkim.Select(d => $"{d.Domain}{(d.Selector is null ? "" : ":" + d.Selector)}={d.Result}")));
                csv.WriteField(string.Join("; ", r.Spf.Select(s => $"{s.Domain}={s.Result}")));
                csv.WriteField(string.Join("; ", r.Reasons.Select(o => o.Comment is null ? o.Type : $"{o.Type}: {o.Comment}")));
                await csv.EndRecordAsync(cancellationToken);
            }
        });
    }

    private static PushStreamHttpResult Csv(string fileName, Func<CsvWriter, Task> write) =>
        TypedResults.Stream(async body =>
        {
            await using var csv = CsvWriter.Create(body, s_csv, true);
            await write(csv);
            await csv.FlushAsync(CancellationToken.None);
        }, "text/csv; charset=utf-8", fileName);
}
