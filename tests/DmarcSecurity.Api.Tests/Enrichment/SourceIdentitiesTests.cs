using System.Diagnostics;
using System.Net;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Core.Enrichment;
using Microsoft.Extensions.Logging.Abstractions;

namespace DmarcSecurity.Api.Tests.Enrichment;

public sealed class SourceIdentitiesTests(EnrichmentWorld world) : IClassFixture<EnrichmentWorld>
{
    private SourceIdentities Identities(Action<EnrichmentOptions> configure)
    {
        var options = EnrichmentWorld.Options(o =>
        {
            o.GeoIp.CityDatabase = world.CityFile;
            o.GeoIp.AsnDatabase = world.AsnFile;
            o.Dns.Servers = world.Dns.Server;
            o.Dns.Timeout = TimeSpan.FromMilliseconds(300);
            configure(o);
        });
        return new SourceIdentities(
            new GeoIpDatabases(options, NullLogger<GeoIpDatabases>.Instance), new ReverseDns(options, NullLogger<ReverseDns>.Instance),
            SenderServices.Load(), new PublicSuffixListSource(options, NullLogger<PublicSuffixListSource>.Instance), options);
    }

    [Fact]
    public async Task A_page_of_50_sources_that_do_not_answer_waits_about_one_timeout_not_fifty()
    {
        var identities = Identities(o => o.WaitForLookups = TimeSpan.FromSeconds(5));
        var page = Enumerable.Range(1, 50).Select(i => IPAddress.Parse($"198.51.100.{100 + i}")).ToList();
        var clock = Stopwatch.StartNew();

        var answers = await identities.IdentifyAsync(page, CancellationToken.None);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.All(answers, a => Assert.Equal(ReverseDnsStatus.Failed, a.ReverseDns));
        Assert.Equal(page.Select(a => a.ToString()), answers.Select(a => a.Ip));
    }

    [Fact]
    public async Task A_view_shows_what_is_known_by_its_deadline_and_the_rest_as_pending()
    {
        var identities = Identities(o => o.WaitForLookups = TimeSpan.FromMilliseconds(50));
        var addresses = new[] { IPAddress.Parse(EnrichmentWorld.Gmail), IPAddress.Parse("198.51.100.250") };
        await identities.IdentifyAsync(addresses[0], CancellationToken.None);
        await Task.Delay(200);
        var clock = Stopwatch.StartNew();

        var answers = await identities.IdentifyAsync(addresses, CancellationToken.None);

        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(250), $"took {clock.Elapsed}");
        Assert.Equal(("mail-wr1-f54.google.com", "Google Workspace", ReverseDnsStatus.Found), (answers[0].Ptr, answers[0].Service, answers[0].ReverseDns));
        Assert.Equal(ReverseDnsStatus.Pending, answers[1].ReverseDns);
        Assert.Equal(("US", 15169L), (answers[0].Country, answers[0].Asn));
    }
}
