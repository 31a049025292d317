using System.Net;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Jobs;
using DmarcSecurity.Data.Reports;

namespace DmarcSecurity.Api.Tests;

/// <summary>The scheduled jobs in one place: listed with their schedule, run now by an Admin, with their history.</summary>
public abstract class JobsApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task Jobs_are_listed_run_now_and_their_runs_kept()
    {
        var jobs = await Upload.GetAsync<List<JobDto>>(fixture.Client, "/api/jobs");
        Assert.Equal(["anomaly-detection", "dns-posture", "known-forwarders", "retention", "severity-advice", "severity-training", "siem-export", "weekly-digest"], jobs.Select(j => j.Name));
        var retention = Assert.Single(jobs, j => j.Name == "retention");
        Assert.Equal(TimeSpan.FromHours(6), retention.Interval);
        Assert.NotNull(retention.NextRunAt);
        Assert.Null(Assert.Single(jobs, j => j.Name == "siem-export").Interval);

        using var response = await fixture.Client.PostAsync("/api/jobs/retention/run", null);
        var run = System.Text.Json.JsonSerializer.Deserialize<JobRunDto>(await response.Content.ReadAsStringAsync(), Upload.Json)!;
        using var unknown = await fixture.Client.PostAsync("/api/jobs/no-such-job/run", null);

        Assert.Equal((JobOutcome.Succeeded, $"manual:{ApiFixture.AdminEmail}"), (run.Outcome, run.Trigger));
        Assert.StartsWith("Removed ", run.Summary, StringComparison.Ordinal);
        Assert.NotNull(run.Seconds);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var runs = await Upload.GetAsync<PagedResult<JobRunDto>>(fixture.Client, "/api/jobs/retention/runs");
        Assert.Equal(run.Id, runs.Items[0].Id);
        var listed = Assert.Single(await Upload.GetAsync<List<JobDto>>(fixture.Client, "/api/jobs"), j => j.Name == "retention");
        Assert.Equal((run.Id, 0), (listed.LastRun!.Id, listed.FailuresInARow));
    }
}

public sealed class JobsApiPostgreSqlTests(PostgreSqlApiFixture fixture) : JobsApiTests(fixture), IClassFixture<PostgreSqlApiFixture>;

public sealed class JobsApiSqliteTests(SqliteApiFixture fixture) : JobsApiTests(fixture), IClassFixture<SqliteApiFixture>;
