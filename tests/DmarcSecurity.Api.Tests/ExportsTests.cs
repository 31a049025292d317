using System.Net;
using DmarcSecurity.Api.Tests.Infrastructure;

namespace DmarcSecurity.Api.Tests;

/// <summary>CSV exports: the list endpoints' filters, every row, RFC 4180 quoting, and no formula a spreadsheet would run.</summary>
public abstract class ExportsTests(ApiFixture fixture)
{
    [Fact]
    public async Task Records_export_holds_every_filtered_record_with_its_results()
    {
        var domain = $"export-{Guid.NewGuid():N}"[..20] + ".example";
        await Upload.FilesAsync(fixture.Client, ("export.xml", ReportXml.Build($"export-{Guid.NewGuid():N}", domain: domain, records:
        [
            new TestRecord("192.0.2.31", 7, HeaderFrom: domain),
            new TestRecord("192.0.2.32", 3, Disposition: "reject", Dkim: "fail", Spf: "fail", HeaderFrom: domain),
        ])));

        using var all = await fixture.Client.GetAsync($"/api/exports/records.csv?domain={domain}");
        using var failing = await fixture.Client.GetAsync($"/api/exports/records.csv?domain={domain}&dkim=fail");

        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("text/csv", all.Content.Headers.ContentType?.MediaType);
        Assert.Equal("records.csv", all.Content.Headers.ContentDisposition?.FileNameStar ?? all.Content.Headers.ContentDisposition?.FileName);
        var lines = (await all.Content.ReadAsStringAsync()).TrimEnd().Split("\r\n");
        Assert.StartsWith("id,report_id,source_ip,count,disposition,dkim,spf,header_from", lines[0]);
        Assert.Equal(["192.0.2.31", "192.0.2.32"], lines[1..].Select(l => l.Split(',')[2]).Order());
        Assert.Contains(lines, l => l.Contains(",192.0.2.32,3,reject,fail,fail,", StringComparison.Ordinal));
        var failingLines = (await failing.Content.ReadAsStringAsync()).TrimEnd().Split("\r\n");
        Assert.Equal(2, failingLines.Length);
    }

    [Fact]
    public async Task A_reporter_name_that_is_a_formula_is_exported_as_text()
    {
        var domain = $"formula-{Guid.NewGuid():N}"[..20] + ".example";
        await Upload.FilesAsync(fixture.Client, ("formula.xml", ReportXml.Build($"formula-{Guid.NewGuid():N}", domain: domain, org: "=HYPERLINK(&quot;http://x.example&quot;,&quot;a&quot;)")));

        var csv = await fixture.Client.GetStringAsync($"/api/exports/reports.csv?domain={domain}");

        var row = csv.TrimEnd().Split("\r\n")[1];
        Assert.DoesNotContain(",=HYPERLINK", row, StringComparison.Ordinal);
        Assert.DoesNotContain(",\"=HYPERLINK", row, StringComparison.Ordinal);
        Assert.Contains("'=HYPERLINK", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_filter_is_a_problem_before_any_row_is_written()
    {
        using var response = await fixture.Client.GetAsync("/api/exports/records.csv?sourceIp=not-an-address");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

[Trait("Provider", "PostgreSql")]
public sealed class PostgreSqlExportsTests(PostgreSqlApiFixture fixture) : ExportsTests(fixture), IClassFixture<PostgreSqlApiFixture>;

[Trait("Provider", "Sqlite")]
public sealed class SqliteExportsTests(SqliteApiFixture fixture) : ExportsTests(fixture), IClassFixture<SqliteApiFixture>;
