using System.Net;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Testing.Enrichment;
using Microsoft.Extensions.Logging.Abstractions;

namespace DmarcSecurity.Api.Tests.Enrichment;

public sealed class GeoIpDatabasesTests(EnrichmentWorld world) : IClassFixture<EnrichmentWorld>
{
    [Theory]
    [InlineData(EnrichmentWorld.Gmail, "US", "Mountain View", 15169L, "GOOGLE")]
    [InlineData(EnrichmentWorld.Exchange, "US", "Boydton", 8075L, "MICROSOFT-CORP-MSN-AS-BLOCK")]
    [InlineData(EnrichmentWorld.Proofpoint, "GB", "London", 20712L, "Andrews & Arnold Ltd")]
    public async Task Typed_databases_answer_as_libmaxminddb_reads_them(string ip, string country, string city, long asn, string asOrg)
    {
        using var geo = world.Geo();

        var facts = geo.Lookup(IPAddress.Parse(ip));

        Assert.Equal(new GeoFacts(country, city, asn, asOrg), facts);
        Assert.Equal(await Mmdb.LookupAsync(world.CityFile, ip, "country", "iso_code"), facts.Country);
        Assert.Equal(await Mmdb.LookupAsync(world.CityFile, ip, "city", "names", "en"), facts.City);
        Assert.Equal(await Mmdb.LookupAsync(world.AsnFile, ip, "autonomous_system_number"), facts.Asn?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(await Mmdb.LookupAsync(world.AsnFile, ip, "autonomous_system_organization"), facts.AsOrg);
    }

    [Fact]
    public async Task An_IPv6_address_is_not_looked_up_in_an_IPv4_only_database()
    {
        using var geo = world.Geo();

        var facts = geo.Lookup(IPAddress.Parse(EnrichmentWorld.Berlin));

        // The ASN comes from the IPv6 ip-location-db file; the IPv4-only ASN file's record at 32.1.13.0/24 is never used.
        Assert.Equal(new GeoFacts("DE", "Berlin", 3320, "Deutsche Telekom AG"), facts);
        Assert.Null(await Mmdb.LookupAsync(world.AsnFile, EnrichmentWorld.Berlin, "autonomous_system_number"));
        Assert.Equal("3320", await Mmdb.LookupAsync(world.FlatAsnV6File, EnrichmentWorld.Berlin, "autonomous_system_number"));
    }

    [Fact]
    public void An_IPv4_mapped_IPv6_address_is_looked_up_as_IPv4()
    {
        using var geo = world.Geo();

        var facts = geo.Lookup(IPAddress.Parse("::ffff:" + EnrichmentWorld.Gmail));

        Assert.Equal(new GeoFacts("US", "Mountain View", 15169, "GOOGLE"), facts);
    }

    [Fact]
    public async Task A_database_in_the_ip_location_db_layout_answers_what_the_typed_ones_do_not()
    {
        using var geo = world.Geo();

        var facts = geo.Lookup(IPAddress.Parse(EnrichmentWorld.NoName));

        Assert.Equal(new GeoFacts("FR", "Paris", null, null), facts);
        Assert.Equal("FR", await Mmdb.LookupAsync(world.FlatCityV4File, EnrichmentWorld.NoName, "country_code"));
        Assert.Equal("Paris", await Mmdb.LookupAsync(world.FlatCityV4File, EnrichmentWorld.NoName, "city"));
    }

    [Fact]
    public void A_file_the_typed_reader_refuses_is_not_used_as_the_City_database()
    {
        using var geo = new GeoIpDatabases(EnrichmentWorld.Options(o => o.GeoIp.CityDatabase = world.FlatCityV4File), NullLogger<GeoIpDatabases>.Instance);

        var facts = geo.Lookup(IPAddress.Parse(EnrichmentWorld.NoName));

        Assert.False(geo.HasCityOrCountry);
        Assert.Equal(default, facts);
    }

    [Fact]
    public async Task A_replaced_database_file_is_loaded_and_its_old_answers_forgotten()
    {
        var path = Path.Combine(world.Folder, "reload-City.mmdb");
        await EnrichmentWorld.WriteCityAsync(path, "GB", "London");
        using var geo = new GeoIpDatabases(
            EnrichmentWorld.Options(o => { o.GeoIp.CityDatabase = path; o.GeoIp.ReloadCheckInterval = TimeSpan.FromMilliseconds(100); }),
            NullLogger<GeoIpDatabases>.Instance);
        var address = IPAddress.Parse(EnrichmentWorld.Proofpoint);
        Assert.Equal("London", geo.Lookup(address).City);

        await EnrichmentWorld.WriteCityAsync(path, "IE", "Dublin");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (geo.Lookup(address).City == "London" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(("IE", "Dublin"), (geo.Lookup(address).Country, geo.Lookup(address).City));
        Assert.Equal("Dublin", await Mmdb.LookupAsync(path, EnrichmentWorld.Proofpoint, "city", "names", "en"));
    }

    [Fact]
    public void Without_databases_nothing_is_known_and_nothing_fails()
    {
        using var geo = new GeoIpDatabases(EnrichmentWorld.Options(_ => { }), NullLogger<GeoIpDatabases>.Instance);

        Assert.Equal(default, geo.Lookup(IPAddress.Parse(EnrichmentWorld.Gmail)));
        Assert.False(geo.HasCityOrCountry || geo.HasAsn);
    }
}
