using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Stats;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task Senders_are_grouped_by_service_and_the_authorised_ones_decide_the_policy_readiness()
    {
        string Authorised(string service) => $"/api/domains/{Domain}/authorised-services/{Uri.EscapeDataString(service)}";
        await Upload.GetAsync<Grains.DomainSendersDto>(_client, $"/api/domains/{Domain}/senders"); // reverse DNS answers come in
        foreach (var service in new[] { "Google Workspace", "Microsoft 365", "Amazon SES", "example.co.uk" })
        {
            await _client.DeleteAsync(Authorised(service));
        }

        var none = await Upload.GetAsync<Grains.DomainSendersDto>(_client, $"/api/domains/{Domain.ToUpperInvariant()}/senders");
        foreach (var service in new[] { "Google Workspace", "Microsoft 365", "Amazon SES" })
        {
            using var put = await _client.PutAsJsonAsync(Authorised(service), new Grains.AuthoriseServiceRequest("sends for us"));
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        }

        var ready = await Upload.GetAsync<Grains.DomainSendersDto>(_client, $"/api/domains/{Domain}/senders");
        (await _client.PutAsJsonAsync(Authorised("example.co.uk"), new Grains.AuthoriseServiceRequest(null))).Dispose();
        using var revoked = await _client.DeleteAsync(Authorised("Amazon SES"));
        using var revokedAgain = await _client.DeleteAsync(Authorised("Amazon SES"));
        var blocked = await Upload.GetAsync<Grains.DomainSendersDto>(_client, $"/api/domains/{Domain}/senders");

        Assert.Equal(Domain, none.Domain);
        Assert.Equal((5, 5L), (none.SourcesCounted, none.SourcesTotal));
        Assert.Equal(
            [("Google Workspace", "mailbox-provider", 500L, 1.0), ("Microsoft 365", "mailbox-provider", 300L, 1.0), ("Amazon SES", "transactional", 200L, 1.0),
                ("example.co.uk", null, 40L, 0.0)],
            none.Services.Take(4).Select(s => (s.Service, s.Kind, s.Messages, s.PassRate)));
        Assert.All(none.Services, s => Assert.False(s.Authorised));
        Assert.Equal((false, false, (double?)null), (none.Readiness.Quarantine, none.Readiness.Reject, none.Readiness.AuthorisedPassRate));
        Assert.Equal(["No sending service is marked as authorised: mark the services that send this domain's mail."], none.Readiness.Blockers);
        Assert.Equal(3, none.Readiness.CalledOut.Count);

        Assert.Equal((true, true, (double?)1.0), (ready.Readiness.Quarantine, ready.Readiness.Reject, ready.Readiness.AuthorisedPassRate));
        Assert.Empty(ready.Readiness.Blockers);
        Assert.Empty(ready.Readiness.CalledOut);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (revoked.StatusCode, revokedAgain.StatusCode));
        Assert.Equal((false, false), (blocked.Readiness.Quarantine, blocked.Readiness.Reject));
        Assert.Equal(["example.co.uk (authorised) passes DMARC on 0.0% of its 40 messages; 40 would be quarantined. Align its DKIM signature or SPF."],
            blocked.Readiness.Blockers);
        Assert.Equal(["Amazon SES is not authorised but 200 of its messages pass DMARC: authorise it, or remove its DKIM key or SPF include."],
            blocked.Readiness.CalledOut);
        Assert.Equal(800.0 / 840, blocked.Readiness.AuthorisedPassRate!.Value, 6);

        var csv = (await _client.GetStringAsync($"/api/exports/domains/{Domain}/senders.csv")).Split("\r\n");
        Assert.Equal("domain,service,kind,sources,messages,passing,failing,forwarded,pass_rate,authorised,unauthorised_passing,top_sources", csv[0]);
        Assert.Equal($"{Domain},Google Workspace,mailbox-provider,1,500,500,0,0,1,true,false,{EnrichmentWorld.Gmail}", csv[1]);
        Assert.Equal($"{Domain},Amazon SES,transactional,1,200,200,0,0,1,false,true,{EnrichmentWorld.Ses}", csv[3]);
        Assert.Equal($"{Domain},example.co.uk,,1,40,0,40,0,0,true,false,{EnrichmentWorld.Berlin}", csv[4]);
    }

    [Fact]
    public async Task A_known_forwarder_is_forwarding_not_failing_and_leaves_the_top_failing_to_the_spoofer()
    {
        const string lists = "lists.example";
        var existing = await Upload.GetAsync<PagedResult<ReportSummaryDto>>(_client, $"/api/reports?domain={lists}");
        if (existing.TotalCount == 0)
        {
            // A mailing list breaks DKIM and SPF for 300 messages and the receiver gives no override reason; a spoofer
            // fails 50, and another one whose PTR name claims Google Groups, without resolving back to it, fails 20.
            await Upload.FilesAsync(_client, ("lists.xml", ReportXml.Build("lists-1", lists, "google.com", null, null,
                new TestRecord(EnrichmentWorld.Gmail, 500), new TestRecord(EnrichmentWorld.Lists, 300, "none", "fail", "fail"),
                new TestRecord(EnrichmentWorld.NoName, 50, "none", "fail", "fail"), new TestRecord(EnrichmentWorld.FakeLists, 20, "none", "fail", "fail"))));
        }

        await Upload.GetAsync<List<SourceStatsDto>>(_client, $"/api/stats/sources?domain={lists}&top=10"); // reverse DNS answers come in

        var dashboard = await Upload.GetAsync<DashboardDto>(_client, $"/api/stats/dashboard?domain={lists}&top=1");
        var failing = await Upload.GetAsync<List<SourceStatsDto>>(_client, $"/api/stats/sources?domain={lists}&top=5&order=failing");
        var page = await Upload.GetAsync<PagedResult<SourceStatsDto>>(_client, $"/api/sources?domain={lists}&order=failing");
        var senders = await Upload.GetAsync<Grains.DomainSendersDto>(_client, $"/api/domains/{lists}/senders");
        var csv = (await _client.GetStringAsync($"/api/exports/sources.csv?domain={lists}")).TrimEnd().Split("\r\n");

        Assert.Equal([EnrichmentWorld.NoName], dashboard.TopFailing.Select(s => s.SourceIp));
        Assert.Equal([EnrichmentWorld.NoName, EnrichmentWorld.FakeLists], failing.Select(s => s.SourceIp));
        var forwarder = Assert.Single(page.Items, s => s.SourceIp == EnrichmentWorld.Lists);
        Assert.Equal((300L, 300L, "Google Groups", "forwarder", true),
            (forwarder.Failing, forwarder.Forwarded, forwarder.Identity?.Service, forwarder.Identity?.ServiceKind, forwarder.Identity?.ServiceVerified));
        var fake = failing[1];
        Assert.Equal((20L, 0L, "Google Groups", false), (fake.Failing, fake.Forwarded, fake.Identity?.Service, fake.Identity?.ServiceVerified));
        Assert.Equal((50L, 0L), page.Items.Where(s => s.SourceIp == EnrichmentWorld.NoName).Select(s => (s.Failing, s.Forwarded)).Single());
        var groups = Assert.Single(senders.Services, s => s.Service == "Google Groups");
        Assert.Equal(("forwarder", 2, 320L, 300L), (groups.Kind, groups.Sources, groups.Failing, groups.Forwarded));
        Assert.StartsWith($"{EnrichmentWorld.Lists},300,300,300,1,1,Google Groups,forwarder,mail-lists.googlegroups.com,googlegroups.com,", csv[2]);

        // The list server's grain heard it is a known forwarder, once however many views saw it; the impostor's did not.
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync();
        var told = await db.GrainInbox.Where(e => e.EventType == GrainEventTypes.SourceIdentified).ToListAsync();
        var listEvent = Assert.Single(told, e => e.GrainKey == EnrichmentWorld.Lists);
        Assert.Equal(GrainTypes.SourceIp, listEvent.GrainType);
        Assert.Equal(new SourceIdentifiedEvent("Google Groups", "forwarder", true), JsonSerializer.Deserialize(listEvent.Payload, GrainEventJson.Default.SourceIdentifiedEvent));
        Assert.DoesNotContain(told, e => e.GrainKey == EnrichmentWorld.FakeLists);
    }

    [Fact]
    public async Task The_known_forwarders_job_finds_a_list_server_among_the_most_failing_sources_that_no_view_showed()
    {
        const string domain = "job-lists.example";
        var yesterday = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-1), TimeSpan.Zero);
        await Upload.FilesAsync(_client, ("job-lists.xml", ReportXml.Build($"job-lists-{Guid.NewGuid():N}", domain, "google.com", yesterday, null,
            new TestRecord(EnrichmentWorld.Mailman, 120, "none", "fail", "fail"), new TestRecord(EnrichmentWorld.NoName, 30, "none", "fail", "fail"))));

        using var run = await _client.PostAsync("/api/jobs/known-forwarders/run", null);
        var result = await run.Content.ReadFromJsonAsync<JsonElement>(Upload.Json);

        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Equal("Succeeded", result.GetProperty("outcome").GetString());
        Assert.Matches(@"^Looked up the \d+ most failing sources of the last 2 days: 1 known forwarders \(Mailman mailing lists\), 0 lookups not answered in time\.$",
            result.GetProperty("summary").GetString());
        await using var db = await _factory.Services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContextAsync();
        var told = await db.GrainInbox.Where(e => e.EventType == GrainEventTypes.SourceIdentified && e.GrainKey == EnrichmentWorld.Mailman).ToListAsync();
        Assert.Equal(new SourceIdentifiedEvent("Mailman mailing lists", "forwarder", true),
            JsonSerializer.Deserialize(Assert.Single(told).Payload, GrainEventJson.Default.SourceIdentifiedEvent));
    }

    [Fact]
    public async Task A_source_shows_who_it_is()
    {
        var source = await Upload.GetAsync<JsonElement>(_client, $"/api/sources/{EnrichmentWorld.Gmail}");

        var identity = source.GetProperty("identity").Deserialize<SourceIdentity>(Upload.Json);
        Assert.Equal(
            new SourceIdentity(EnrichmentWorld.Gmail, "mail-wr1-f54.google.com", "google.com", "US", "Mountain View", 15169, "GOOGLE",
                "Google Workspace", "mailbox-provider", ReverseDnsStatus.Found, null, ServiceVerified: true),
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
    public async Task Every_source_is_exported_as_CSV_in_the_ranking_order_with_who_it_is()
    {
        await Upload.GetAsync<List<SourceStatsDto>>(_client, $"/api/stats/sources?domain={Domain}&top=10"); // reverse DNS answers come in

        var byMessages = (await _client.GetStringAsync($"/api/exports/sources.csv?domain={Domain}")).TrimEnd().Split("\r\n");
        var failing = (await _client.GetStringAsync($"/api/exports/sources.csv?domain={Domain}&order=failing")).TrimEnd().Split("\r\n");

        Assert.Equal("source_ip,messages,failing,forwarded,failure_rate,domains,service,kind,reverse_dns,base_domain,country,city,asn,as_org", byMessages[0]);
        Assert.Equal(
            [EnrichmentWorld.Gmail, EnrichmentWorld.Exchange, EnrichmentWorld.Ses, EnrichmentWorld.Berlin, EnrichmentWorld.Silent],
            byMessages[1..].Select(l => l.Split(',')[0]));
        Assert.Equal($"{EnrichmentWorld.Gmail},500,0,0,0,1,Google Workspace,mailbox-provider,mail-wr1-f54.google.com,google.com,US,Mountain View,15169,GOOGLE",
            byMessages[1]);
        Assert.Equal($"{EnrichmentWorld.Berlin},40,40,0,1,1,,,mail.example.co.uk,example.co.uk,DE,Berlin,3320,Deutsche Telekom AG", failing[1]);
        Assert.Equal(3, failing.Length);
        using var bad = await _client.GetAsync($"/api/exports/sources.csv?domain={Domain}&order=newest");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_top_sources_carry_the_service()
    {
        var dashboard = await Upload.GetAsync<DashboardDto>(_client, $"/api/stats/dashboard?domain={Domain}&top=5");

        Assert.Equal("Google Workspace", dashboard.TopSources[0].Identity?.Service);
        Assert.Contains(dashboard.TopFailing, r => r.SourceIp == EnrichmentWorld.Berlin && r.Identity?.Country == "DE");
    }

    [Fact]
    public async Task Countries_add_up_every_source_of_the_period_by_geolocation_with_the_rest_unknown()
    {
        var map = await Upload.GetAsync<Stats.CountryMapDto>(_client, $"/api/stats/countries?domain={Domain}&from=2000-01-01&to=2100-01-01");
        var none = await Upload.GetAsync<Stats.CountryMapDto>(_client, $"/api/stats/countries?domain={Domain}&from=2000-01-01&to=2000-01-02");
        using var bad = await _client.GetAsync($"/api/stats/countries?domain={Domain}&from=2025-02-01&to=2025-01-01");

        // Three US networks, the IPv6 Berlin source, and the documentation address no database places.
        Assert.Equal(
            [new("US", 3, 1000, 0), new("DE", 1, 40, 40), new(Stats.CountryStats.Unknown, 1, 10, 10)],
            map.Countries);
        Assert.Null(map.Note);
        Assert.Empty(none.Countries);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Without_a_geolocation_database_every_country_is_unknown_and_the_map_says_where_to_get_one()
    {
        await using var factory = fixture.CreateFactory([]);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", fixture.AdminApiKey);

        var map = await Upload.GetAsync<Stats.CountryMapDto>(client, $"/api/stats/countries?domain={Domain}");

        Assert.Equal([new(Stats.CountryStats.Unknown, 5, 1050, 50)], map.Countries);
        Assert.Contains("Enrichment__GeoIp__CityDatabase", map.Note);
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
