using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DmarcSecurity.ServiceDefaults.Health;

/// <summary>The <c>/health</c> answer: the overall status and each check's name and status, so an operator sees which
/// dependency (<c>database</c>, <c>cache</c>) is down. Exceptions are never shown.</summary>
public static class HealthReportJson
{
    /// <summary>Names and statuses only: what anonymous probes of the Api and the Web app get.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report) => WriteAsync(context, report, details: false);

    /// <summary>Each check's description and data as well: the silo's, so its view of the cluster's membership is one
    /// request away.</summary>
    public static Task WriteWithDetailsAsync(HttpContext context, HealthReport report) => WriteAsync(context, report, details: true);

    private static Task WriteAsync(HttpContext context, HealthReport report, bool details)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = details ? e.Value.Description : null,
                data = details && e.Value.Data.Count > 0 ? e.Value.Data : null,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
