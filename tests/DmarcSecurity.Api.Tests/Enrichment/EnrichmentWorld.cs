using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Testing.Enrichment;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Tests.Enrichment;

/// <summary>
/// The outside world of the enrichment tests, made at test time: a City database (IPv6 tree, IPv4 aliased), an ASN
/// database holding IPv4 only, and two ip-location-db files (an IPv4 city file and an IPv6 ASN file), all written by
/// MaxMind::DB::Writer; a dnsmasq serving the PTR records of the senders below, NXDOMAIN for 192.0.2.0/24 and sending
/// 198.51.100.0/24 to a resolver that never answers.
/// </summary>
public sealed class EnrichmentWorld : IAsyncLifetime
{
    public const string Gmail = "209.85.128.54";
    public const string Exchange = "40.92.10.71";
    public const string Ses = "54.240.8.30";
    public const string Proofpoint = "81.2.69.5";
    public const string Berlin = "2001:db8:1::25";
    public const string Lists = "203.0.113.25";

    /// <summary>Named as Google Groups by its PTR record, but the name does not resolve back to it: anyone can write such a name.</summary>
    public const string FakeLists = "203.0.113.66";

    /// <summary>A Mailman list server, forward-confirmed, that no view shows: the known-forwarders job finds it.</summary>
    public const string Mailman = "203.0.113.27";
    public const string NoName = "192.0.2.7";
    public const string Silent = "198.51.100.99";

    public static readonly IReadOnlyDictionary<string, string> Ptr = new Dictionary<string, string>
    {
        [Gmail] = "mail-wr1-f54.google.com",
        [Exchange] = "mail-dm6nam12on2071.outbound.protection.outlook.com",
        [Ses] = "a8-30.smtp-out.amazonses.com",
        [Proofpoint] = "mx0a-00123401.pphosted.com",
        [Berlin] = "mail.example.co.uk",
        [Lists] = "mail-lists.googlegroups.com",
        [FakeLists] = "mail-fake.googlegroups.com",
        [Mailman] = "mail.list.org",
    };

    public string Folder { get; } = Directory.CreateTempSubdirectory("dmarc-enrich-").FullName;

    public string CityFile => Path.Combine(Folder, "GeoLite2-City.mmdb");

    public string AsnFile => Path.Combine(Folder, "GeoLite2-ASN.mmdb");

    public string FlatCityV4File => Path.Combine(Folder, "dbip-city-ipv4.mmdb");

    public string FlatAsnV6File => Path.Combine(Folder, "asn-ipv6.mmdb");

    public Dnsmasq Dns { get; private set; } = null!;

    public SilentResolver Quiet { get; } = new();

    public async Task InitializeAsync()
    {
        Assert.True(Mmdb.Available, "perl with MaxMind::DB::Writer (libmaxmind-db-writer-perl) and mmdblookup (mmdb-bin) are needed: test.sh installs them");
        Assert.True(Dnsmasq.Available, "dnsmasq is needed: test.sh installs it");
        await WriteCityAsync(CityFile, "GB", "London");
        await Mmdb.WriteAsync(AsnFile, "GeoLite2-ASN", 4,
        [
            Asn("209.85.128.0/17", 15169, "GOOGLE"),
            Asn("40.92.0.0/15", 8075, "MICROSOFT-CORP-MSN-AS-BLOCK"),
            Asn("54.240.0.0/18", 16509, "AMAZON-02"),
            Asn("81.2.69.0/24", 20712, "Andrews & Arnold Ltd"),
            // Where the first 32 bits of 2001:db8:1::/48 fall: an IPv6 lookup that wrongly walks this IPv4 tree lands here.
            Asn("32.1.13.0/24", 64500, "WRONG-FAMILY"),
        ]);
        await Mmdb.WriteAsync(FlatCityV4File, "ip-location-db dbip-city-ipv4", 4,
            [new MmdbNetwork("192.0.2.0/24", new Dictionary<string, object> { ["country_code"] = "FR", ["city"] = "Paris", ["latitude"] = 48.86, ["longitude"] = 2.35 })],
            FlatTypes);
        await Mmdb.WriteAsync(FlatAsnV6File, "ip-location-db asn-ipv6", 6,
            [new MmdbNetwork("2001:db8:1::/48", new Dictionary<string, object> { ["autonomous_system_number"] = 3320, ["autonomous_system_organization"] = "Deutsche Telekom AG" })],
            FlatTypes, aliasIpv4: false);
        Dns = await Dnsmasq.StartAsync(Ptr, ttl: 600, localZones: ["2.0.192.in-addr.arpa"],
            forwardZones: new Dictionary<string, System.Net.IPEndPoint> { ["100.51.198.in-addr.arpa"] = Quiet.EndPoint },
            // Forward-confirmed: the list server's name resolves back to it.
            extra: [$"--address=/{Ptr[Lists]}/{Lists}", $"--address=/{Ptr[Mailman]}/{Mailman}"]);
    }

    public static readonly IReadOnlyDictionary<string, string> FlatTypes = new Dictionary<string, string> { ["city"] = "utf8_string" };

    /// <summary>The City database with 81.2.69.0/24 in the given country and city, and the other networks fixed.</summary>
    public static Task WriteCityAsync(string path, string londonCountry, string londonCity) =>
        Mmdb.WriteAsync(path, "GeoLite2-City", 6,
        [
            City("81.2.69.0/24", londonCountry, londonCity),
            City("209.85.128.0/17", "US", "Mountain View"),
            City("40.92.0.0/15", "US", "Boydton"),
            City("54.240.0.0/18", "US", "Ashburn"),
            City("2001:db8:1::/48", "DE", "Berlin"),
        ]);

    public Dictionary<string, string> Settings(bool dns = true) => new()
    {
        ["Enrichment:GeoIp:CityDatabase"] = CityFile,
        ["Enrichment:GeoIp:AsnDatabase"] = AsnFile,
        ["Enrichment:GeoIp:Databases:dbip-city-v4:Path"] = FlatCityV4File,
        ["Enrichment:GeoIp:Databases:dbip-city-v4:Layout"] = "IpLocationDb",
        ["Enrichment:GeoIp:Databases:asn-v6:Path"] = FlatAsnV6File,
        ["Enrichment:GeoIp:Databases:asn-v6:Layout"] = "IpLocationDb",
        ["Enrichment:Dns:Enabled"] = dns ? "true" : "false",
        ["Enrichment:Dns:Servers"] = Dns.Server,
        ["Enrichment:Dns:Timeout"] = "00:00:00.300",
    };

    public static IOptions<EnrichmentOptions> Options(Action<EnrichmentOptions> configure)
    {
        var options = new EnrichmentOptions();
        configure(options);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    public GeoIpDatabases Geo(Action<GeoIpOptions>? configure = null) => new(Options(o =>
    {
        o.GeoIp.CityDatabase = CityFile;
        o.GeoIp.AsnDatabase = AsnFile;
        o.GeoIp.Databases["dbip-city-v4"] = new GeoIpDatabaseOptions { Path = FlatCityV4File, Layout = GeoIpLayout.IpLocationDb };
        o.GeoIp.Databases["asn-v6"] = new GeoIpDatabaseOptions { Path = FlatAsnV6File, Layout = GeoIpLayout.IpLocationDb };
        configure?.Invoke(o.GeoIp);
    }), NullLogger<GeoIpDatabases>.Instance);

    public ReverseDns Resolver(Action<DnsOptions>? configure = null) => new(Options(o =>
    {
        o.Dns.Servers = Dns.Server;
        o.Dns.Timeout = TimeSpan.FromMilliseconds(300);
        configure?.Invoke(o.Dns);
    }), NullLogger<ReverseDns>.Instance);

    public Task DisposeAsync()
    {
        Dns?.Dispose();
        Quiet.Dispose();
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }

    private static MmdbNetwork City(string network, string country, string city) => new(network, new Dictionary<string, object>
    {
        ["country"] = new Dictionary<string, object> { ["iso_code"] = country, ["names"] = new Dictionary<string, object> { ["en"] = country } },
        ["city"] = new Dictionary<string, object> { ["names"] = new Dictionary<string, object> { ["en"] = city } },
        ["location"] = new Dictionary<string, object> { ["accuracy_radius"] = 100 },
    });

    private static MmdbNetwork Asn(string network, int number, string organisation) => new(network, new Dictionary<string, object>
    {
        ["autonomous_system_number"] = number,
        ["autonomous_system_organization"] = organisation,
    });
}
