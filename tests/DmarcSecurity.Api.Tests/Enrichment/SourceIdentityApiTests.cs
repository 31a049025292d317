using System.Net;
using System.Text.Json;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Stats;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DmarcSecurity.Api.Tests.Enrichment;

/// <summary>The identity of sources through the real Api, with the test databases and dnsmasq of <see cref="EnrichmentWorld"/>.</summary>
public sealed class SourceIdentityApiTests(PostgreSqlApiFixture fixture, EnrichmentWorld world)
    : IClassFixture<PostgreSqlApiFixture>, IClassFixture<EnrichmentWorld>, IAsyncLifetime
{
    private const string Domain = "identity.example";
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory = fixture.CreateFactory(world.Settings());
        _client = _factory.CreateClient();
        _client.DefaultRequestHeaders.Add("X-Api-Key", fixture.AdminApiKey);
        var existing = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(_client, $"/api/reports?domain={Domain}");
        if (existing.TotalCount == 0)
        {
            await Upload.FilesAsync(_client, ("identity.xml", ReportXml.Build("identity-1", Domain, "google.com", null, null,
                new TestRecord(EnrichmentWorld.Gmail, 500), new TestRecord(EnrichmentWorld.Exchange, 300), new TestRecord(EnrichmentWorld.Ses, 200),
                new TestRecord(EnrichmentWorld.Berlin, 40, "reject", "fail", "fail"), new TestRecord(EnrichmentWorld.Silent, 10, "reject", "fail", "fail"))));
        }
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task A_source_shows_who_it_is()
    {
        var source = await Upload.GetAsync<JsonElement>(_client, $"/api/sources/{EnrichmentWorld.Gmail}");

        var identity = source.GetProperty("identity").Deserialize<SourceIdentity>(Upload.Json);
        Assert.Equal(
            new SourceIdentity(EnrichmentWorld.Gmail, "mail-wr1-f54.google.com", "google.com", "US", "Mountain View", 15169, "GOOGLE",
                "Google Workspace", "mailbox-provider", ReverseDnsStatus.Found, null),
            identity);
    }

    [Fact]
    public async Task An_IPv6_source_gets_its_network_from_the_IPv6_database()
    {
        var source = await Upload.GetAsync<JsonElement>(_client, $"/api/sources/{Uri.EscapeDataString(EnrichmentWorld.Berlin)}");

        var identity = source.GetProperty("identity").Deserialize<SourceIdentity>(Upload.Json)!;
        Assert.Equal(("mail.example.co.uk", "example.co.uk", "DE", "Berlin", 3320L, "Deutsche Telekom AG", (string?)null),
            (identity.Ptr, identity.BaseDomain, identity.Country, identity.City, identity.Asn, identity.AsOrg, identity.Service));
    }

    [Fact]
    public async Task Top_sources_carry_service_reverse_DNS_and_country()
    {
        var rows = await Upload.GetAsync<List<SourceStatsDto>>(_client, $"/api/stats/sources?domain={Domain}&top=10");

        var byIp = rows.ToDictionary(r => r.SourceIp, r => r.Identity);
        Assert.Equal(("Microsoft 365", "mail-dm6nam12on2071.outbound.protection.outlook.com", "US", 8075L),
            (byIp[EnrichmentWorld.Exchange]!.Service, byIp[EnrichmentWorld.Exchange]!.Ptr, byIp[EnrichmentWorld.Exchange]!.Country, byIp[EnrichmentWorld.Exchange]!.Asn));
        Assert.Equal(("Amazon SES", "transactional", "amazonses.com"),
            (byIp[EnrichmentWorld.Ses]!.Service, byIp[EnrichmentWorld.Ses]!.ServiceKind, byIp[EnrichmentWorld.Ses]!.BaseDomain));
        Assert.Equal(ReverseDnsStatus.Failed, byIp[EnrichmentWorld.Silent]!.ReverseDns);
    }

    [Fact]
    public async Task The_dashboard_top_sources_carry_the_service()
    {
        var dashboard = await Upload.GetAsync<DashboardDto>(_client, $"/api/stats/dashboard?domain={Domain}&top=5");

        Assert.Equal("Google Workspace", dashboard.TopSources[0].Identity?.Service);
        Assert.Contains(dashboard.TopFailing, r => r.SourceIp == EnrichmentWorld.Berlin && r.Identity?.Country == "DE");
    }

    [Fact]
    public async Task A_view_that_does_not_wait_shows_pending_and_the_next_view_the_name()
    {
        var settings = world.Settings();
        settings["Enrichment:WaitForLookups"] = "00:00:00";
        await using var factory = fixture.CreateFactory(settings);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", fixture.AdminApiKey);

        var first = (await Upload.GetAsync<JsonElement>(client, $"/api/sources/{EnrichmentWorld.Exchange}")).GetProperty("identity");
        SourceIdentity? later = null;
        for (var i = 0; i < 50 && later?.ReverseDns != ReverseDnsStatus.Found; i++)
        {
            await Task.Delay(50);
            later = (await Upload.GetAsync<JsonElement>(client, $"/api/sources/{EnrichmentWorld.Exchange}")).GetProperty("identity").Deserialize<SourceIdentity>(Upload.Json);
        }

        Assert.Equal("Pending", first.GetProperty("reverseDns").GetString());
        Assert.Equal("US", first.GetProperty("country").GetString());
        Assert.Equal(("mail-dm6nam12on2071.outbound.protection.outlook.com", "Microsoft 365"), (later?.Ptr, later?.Service));
    }

    [Fact]
    public async Task Without_a_geolocation_database_the_api_says_where_to_get_one()
    {
        await using var factory = fixture.CreateFactory([]);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", fixture.AdminApiKey);

        var identity = (await Upload.GetAsync<JsonElement>(client, $"/api/sources/{EnrichmentWorld.Gmail}")).GetProperty("identity").Deserialize<SourceIdentity>(Upload.Json)!;
        var status = await Upload.GetAsync<EnrichmentStatusDto>(client, "/api/enrichment/status");

        Assert.Equal((null, null, ReverseDnsStatus.Off), (identity.Country, identity.Asn, identity.ReverseDns));
        Assert.Contains("https://www.maxmind.com/en/geolite2/signup", identity.Note);
        Assert.Contains("Enrichment__GeoIp__CityDatabase", status.GeoIpHint);
        Assert.Empty(status.GeoIpDatabases);
    }

    [Fact]
    public async Task The_status_lists_the_loaded_databases_and_resolvers()
    {
        var status = await Upload.GetAsync<EnrichmentStatusDto>(_client, "/api/enrichment/status");

        Assert.Equal(
            ["AsnDatabase GeoLite2-ASN v4", "CityDatabase GeoLite2-City v6", "Databases:asn-v6 ip-location-db asn-ipv6 v6", "Databases:dbip-city-v4 ip-location-db dbip-city-ipv4 v4"],
            status.GeoIpDatabases.Select(d => $"{d.Setting} {d.DatabaseType} v{d.IpVersion}").Order(StringComparer.Ordinal));
        Assert.Equal([world.Dns.Server], status.DnsServers);
        Assert.Null(status.GeoIpHint);
        Assert.True(status.SenderServices >= 150);
        Assert.True(status.PublicSuffixRules > 5000);
    }

    [Fact]
    public async Task A_missing_database_file_stops_the_Api_at_start_naming_the_setting()
    {
        var settings = world.Settings();
        settings["Enrichment:GeoIp:CityDatabase"] = "/nonexistent/GeoLite2-City.mmdb";
        await using var factory = fixture.CreateFactory(settings);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => Task.Run(() => factory.CreateClient()));

        Assert.Contains("Enrichment:GeoIp:CityDatabase", error.ToString());
    }
}
