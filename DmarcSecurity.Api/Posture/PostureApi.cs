using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Core.Addresses;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DmarcSecurity.Api.Posture;

/// <summary>A domain's DNS posture: the newest check, its history, and a check now.</summary>
public static class PostureApi
{
    public static IHostApplicationBuilder AddDnsPosture(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PostureOptions>().BindConfiguration(PostureOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PostureResolver>();
        builder.Services.TryAddSingleton(new MtaStsConnection());
        builder.Services.AddSingleton<MtaStsPolicyFetcher>();
        builder.Services.AddSingleton<DnsPostureChecker>();
        builder.Services.AddSingleton<DnsPostureService>();
        builder.Services.AddScheduledJob<DnsPostureJob>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPostureApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/domains").WithTags("DNS posture").RequireAuthorization(Policies.Viewer);
        group.MapGet("/{domain}/posture", GetPosture).WithName(nameof(GetPosture))
            .WithSummary("The newest DNS posture check of the domain (DMARC, SPF with its expansion, DKIM keys of the selectors in its reports, MTA-STS with its policy file, TLS-RPT), with when it ran.");
        group.MapGet("/{domain}/posture/history", GetPostureHistory).WithName(nameof(GetPostureHistory))
            .WithSummary("The domain's stored posture checks, newest first, with what changed at each.");
        group.MapPost("/{domain}/posture/check", CheckPosture).WithName(nameof(CheckPosture))
            .WithSummary("Check the domain's DNS posture now against the configured resolvers and store it; a change from the check before raises an alert.")
            .RequireAuthorization(Policies.Analyst);
        return endpoints;
    }

    public static async Task<Results<Ok<DnsPostureDto>, NotFound, ValidationProblem>> GetPosture(
        string domain, DnsPostureService posture, CancellationToken cancellationToken)
    {
        if (!DomainName.TryNormalise(domain, out var key))
        {
            return Invalid(domain);
        }

        return await posture.LatestAsync(key, cancellationToken) is { } latest ? TypedResults.Ok(latest) : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<List<PostureHistoryDto>>, ValidationProblem>> GetPostureHistory(
        string domain, DnsPostureService posture, CancellationToken cancellationToken) =>
        DomainName.TryNormalise(domain, out var key) ? TypedResults.Ok(await posture.HistoryAsync(key, cancellationToken)) : Invalid(domain);

    public static async Task<Results<Ok<DnsPostureDto>, ValidationProblem>> CheckPosture(
        string domain, ClaimsPrincipal user, DnsPostureService posture, CancellationToken cancellationToken) =>
        DomainName.TryNormalise(domain, out var key)
            ? TypedResults.Ok(await posture.CheckAsync(key, $"manual:{Actor.Of(user)}", cancellationToken))
            : Invalid(domain);

    private static ValidationProblem Invalid(string domain) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["domain"] = [$"'{TagListQuote(domain)}' is not a domain name."] });

    private static string TagListQuote(string text) => Core.Posture.TagList.Quote(text, 80);
}
