using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Jobs;

namespace DmarcSecurity.Api.Anomaly;

public static class AnomalyApi
{
    public static WebApplicationBuilder AddAnomalyDetection(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AnomalyOptions>().BindConfiguration(AnomalyOptions.SectionName)
            .Validate(o => o.Interval >= TimeSpan.Zero && o.MinimumRows >= 2 && o.MaximumRows >= o.MinimumRows && o.ActiveDays >= 0 && o.Trees is >= 1 and <= 10_000,
                "Anomaly: Interval must not be negative, MinimumRows at least 2 and at most MaximumRows, ActiveDays not negative, Trees 1..10000.")
            .ValidateOnStart();
        builder.Services.AddScheduledJob<AnomalyJob>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAnomalyApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/anomaly").WithTags("Anomaly detection").RequireAuthorization(Policies.Admin)
            .MapPost("/run", RunAnomalyDetection).WithName(nameof(RunAnomalyDetection))
            .WithSummary("Trains the Isolation Forest on every source-day the grains hold and scores the active addresses now, " +
                "instead of at the daily run (after a run in progress; recorded with the job's runs); answers what it trained on and the most anomalous addresses.");
        return endpoints;
    }

    public static async Task<Ok<AnomalyRun>> RunAnomalyDetection(AnomalyJob job, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        TypedResults.Ok(await job.DetectNowAsync($"manual:{Actor.Of(user)}", cancellationToken));
}
