using System.Diagnostics;
using System.Net;
using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Testing.Enrichment;

namespace DmarcSecurity.Api.Tests.Enrichment;

/// <summary>PTR lookups against a real dnsmasq on 127.0.0.1 serving the test records.</summary>
public sealed class ReverseDnsTests(EnrichmentWorld world) : IClassFixture<EnrichmentWorld>
{
    [Theory]
    [InlineData(EnrichmentWorld.Gmail, "mail-wr1-f54.google.com")]
    [InlineData(EnrichmentWorld.Exchange, "mail-dm6nam12on2071.outbound.protection.outlook.com")]
    [InlineData(EnrichmentWorld.Berlin, "mail.example.co.uk")]
    public async Task A_PTR_record_is_found_and_kept_for_its_TTL(string ip, string name)
    {
        using var dns = world.Resolver(o => { o.MinimumTtl = TimeSpan.FromMinutes(1); o.MaximumTtl = TimeSpan.FromHours(1); });

        var answer = await dns.LookupAsync(IPAddress.Parse(ip));

        Assert.Equal((ReverseDnsStatus.Found, name), (answer.Status, answer.Name));
        // dnsmasq answers with TTL 600 s, inside the floor and the ceiling.
        Assert.InRange((answer.Expires - DateTimeOffset.UtcNow).TotalSeconds, 590, 600);
    }

    [Theory]
    [InlineData(EnrichmentWorld.Lists, "mail-lists.googlegroups.com", true)]
    [InlineData(EnrichmentWorld.FakeLists, "mail-fake.googlegroups.com", false)]
    [InlineData(EnrichmentWorld.Gmail, "mail-wr1-f54.google.com", false)]
    public async Task A_name_is_confirmed_only_when_it_resolves_back_to_the_address(string ip, string name, bool confirmed)
    {
        using var dns = world.Resolver(_ => { });

        var answer = await dns.LookupAsync(IPAddress.Parse(ip));

        Assert.Equal((ReverseDnsStatus.Found, name, confirmed), (answer.Status, answer.Name, answer.Confirmed));
    }

    [Fact]
    public async Task A_TTL_above_the_ceiling_is_cut_to_it()
    {
        using var dns = world.Resolver(o => { o.MinimumTtl = TimeSpan.Zero; o.MaximumTtl = TimeSpan.FromMinutes(2); });

        var answer = await dns.LookupAsync(IPAddress.Parse(EnrichmentWorld.Gmail));

        Assert.InRange((answer.Expires - DateTimeOffset.UtcNow).TotalSeconds, 110, 120);
    }

    [Fact]
    public async Task NXDOMAIN_is_no_name_and_kept_for_the_negative_TTL()
    {
        using var dns = world.Resolver(o => { o.NegativeTtl = TimeSpan.FromMinutes(30); o.MinimumTtl = TimeSpan.FromMinutes(1); });

        var answer = await dns.LookupAsync(IPAddress.Parse(EnrichmentWorld.NoName));

        Assert.Equal((ReverseDnsStatus.None, (string?)null), (answer.Status, answer.Name));
        Assert.InRange((answer.Expires - DateTimeOffset.UtcNow).TotalMinutes, 29, 30);
    }

    [Fact]
    public async Task A_resolver_that_does_not_answer_times_out_as_failed()
    {
        using var dns = world.Resolver(o => o.FailureTtl = TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();

        var answer = await dns.LookupAsync(IPAddress.Parse(EnrichmentWorld.Silent));

        Assert.Equal(ReverseDnsStatus.Failed, answer.Status);
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 250, 1500);
        Assert.True(world.Quiet.Queries >= 1, "dnsmasq sent the query on to the silent resolver");
        Assert.InRange((answer.Expires - DateTimeOffset.UtcNow).TotalSeconds, 25, 30);
    }

    [Fact]
    public async Task A_resolver_port_with_nothing_listening_fails_within_the_timeout()
    {
        using var dns = world.Resolver(o => o.Servers = $"127.0.0.1:{Dnsmasq.FreePort()}");
        var clock = Stopwatch.StartNew();

        var answer = await dns.LookupAsync(IPAddress.Parse(EnrichmentWorld.Gmail));

        Assert.Equal(ReverseDnsStatus.Failed, answer.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Answers_come_from_the_cache_once_the_server_is_gone()
    {
        var own = await Dnsmasq.StartAsync(EnrichmentWorld.Ptr, localZones: ["2.0.192.in-addr.arpa"]);
        using var dns = world.Resolver(o => o.Servers = own.Server);
        var found = await dns.LookupAsync(IPAddress.Parse(EnrichmentWorld.Ses));
        var none = await dns.LookupAsync(IPAddress.Parse(EnrichmentWorld.NoName));
        own.Dispose();

        var again = await dns.LookupAsync(IPAddress.Parse(EnrichmentWorld.Ses));
        var noneAgain = await dns.LookupAsync(IPAddress.Parse(EnrichmentWorld.NoName));

        Assert.Equal((ReverseDnsStatus.Found, "a8-30.smtp-out.amazonses.com"), (again.Status, again.Name));
        Assert.Same(found, again);
        Assert.Equal(ReverseDnsStatus.None, noneAgain.Status);
        Assert.Same(none, noneAgain);
    }

    [Fact]
    public async Task Fifty_addresses_that_time_out_are_looked_up_in_parallel()
    {
        using var dns = world.Resolver(o => o.MaxConcurrency = 64);
        var addresses = Enumerable.Range(1, 50).Select(i => IPAddress.Parse($"198.51.100.{i}")).ToList();
        var clock = Stopwatch.StartNew();

        var answers = await Task.WhenAll(addresses.Select(dns.LookupAsync));

        Assert.All(answers, a => Assert.Equal(ReverseDnsStatus.Failed, a.Status));
        // Fifty sequential timeouts would take 15 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Concurrent_lookups_of_one_address_share_one_query()
    {
        using var dns = world.Resolver();
        var address = IPAddress.Parse("198.51.100.200");
        var before = world.Quiet.Queries;

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => dns.LookupAsync(address)));

        Assert.Single(answers.Distinct());
        await Task.Delay(100);
        Assert.Equal(1, world.Quiet.Queries - before);
    }
}
