using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Jobs;

namespace DmarcSecurity.Api.Enrichment;

public static class EnrichmentSetup
{
    public static IHostApplicationBuilder AddEnrichment(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EnrichmentOptions>().BindConfiguration(EnrichmentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<GeoIpDatabases>();
        builder.Services.AddSingleton<ReverseDns>(s => new ReverseDns(
            s.GetRequiredService<Microsoft.Extensions.Options.IOptions<EnrichmentOptions>>(), s.GetRequiredService<ILogger<ReverseDns>>()));
        builder.Services.AddSingleton<PublicSuffixListSource>();
        builder.Services.AddSingleton(_ => SenderServices.Load());
        builder.Services.AddSingleton<KnownForwarders>();
        builder.Services.AddSingleton<SourceIdentities>();
        builder.Services.AddScheduledJob<KnownForwardersJob>();
        return builder;
    }

    public static IEndpointRouteBuilder MapEnrichmentApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/enrichment").WithTags("Enrichment").RequireAuthorization(Policies.Viewer)
            .MapGet("/status", GetEnrichmentStatus).WithName(nameof(GetEnrichmentStatus))
            .WithSummary("The geolocation databases loaded, the resolvers used for reverse DNS, the Public Suffix List, the sender services map; where to get a database when none is set.");
        return endpoints;
    }

    public static Ok<EnrichmentStatusDto> GetEnrichmentStatus(
        GeoIpDatabases geo, ReverseDns dns, PublicSuffixListSource suffixes, SenderServices services) =>
        TypedResults.Ok(new EnrichmentStatusDto(
            geo.Loaded.Select(d => new GeoIpDatabaseDto(d.Setting, d.Type, d.IpVersion, d.Built)).ToList(),
            geo.HasCityOrCountry || geo.HasAsn ? null : SourceIdentities.GeoIpHint,
            dns.Enabled, dns.Servers, suffixes.List is null ? null : suffixes.Path, suffixes.List?.RuleCount ?? 0, services.All.Count));
}

public sealed record GeoIpDatabaseDto(string Setting, string DatabaseType, int IpVersion, DateTime BuiltAt);

/// <param name="GeoIpHint">Where to get a geolocation database, when none is loaded.</param>
public sealed record EnrichmentStatusDto(
    IReadOnlyList<GeoIpDatabaseDto> GeoIpDatabases, string? GeoIpHint, bool ReverseDns, IReadOnlyList<string> DnsServers,
    string? PublicSuffixList, int PublicSuffixRules, int SenderServices);
