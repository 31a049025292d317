using System.ComponentModel.DataAnnotations;
using System.Net;
using DnsClient;

namespace DmarcSecurity.Api.Enrichment;

/// <summary>Source identity (section <c>Enrichment</c>): geolocation and network databases, reverse DNS, the Public
/// Suffix List. Looked up when a source is shown, never at ingestion.</summary>
public sealed class EnrichmentOptions : IValidatableObject
{
    public const string SectionName = "Enrichment";

    /// <summary>Debian's copy of the Public Suffix List (package <c>publicsuffix</c>).</summary>
    public const string DebianPublicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat";

    public GeoIpOptions GeoIp { get; set; } = new();

    public DnsOptions Dns { get; set; } = new();

    /// <summary>The Public Suffix List file; Debian's when not set (and none when that is missing: no base domains then).</summary>
    public string? PublicSuffixList { get; set; }

    /// <summary>How long a view waits for lookups not cached yet; what is not answered by then shows as pending and is
    /// filled in on a later view (the lookups go on in the background, each under the DNS timeout).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan WaitForLookups { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>The <c>known-forwarders</c> job's settings.</summary>
    public KnownForwardersOptions KnownForwarders { get; set; } = new();

    /// <summary>Addresses whose answers are kept in memory, for geolocation and for reverse DNS each.</summary>
    [Range(100, 10_000_000)]
    public int CacheEntries { get; set; } = 200_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Data annotations do not go into nested sections by themselves.
        foreach (var (prefix, section) in new (string, object)[] { ("Enrichment:GeoIp", GeoIp), ("Enrichment:Dns", Dns), ("Enrichment:KnownForwarders", KnownForwarders) })
        {
            var nested = new List<ValidationResult>();
            Validator.TryValidateObject(section, new ValidationContext(section), nested, validateAllProperties: true);
            foreach (var result in nested)
            {
                var members = result.MemberNames.Select(m => $"{prefix}:{m}").ToArray();
                yield return new ValidationResult($"{string.Join(", ", members)}: {result.ErrorMessage}", members);
            }
        }

        foreach (var (setting, path) in new[]
                 {
                     ("Enrichment:GeoIp:CityDatabase", GeoIp.CityDatabase), ("Enrichment:GeoIp:AsnDatabase", GeoIp.AsnDatabase),
                     ("Enrichment:PublicSuffixList", PublicSuffixList),
                 })
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
            {
                yield return new ValidationResult($"{setting}: no file at '{path}'.", [setting]);
            }
        }

        foreach (var (name, database) in GeoIp.Databases)
        {
            var setting = $"Enrichment:GeoIp:Databases:{name}";
            if (string.IsNullOrWhiteSpace(database.Path) || !File.Exists(database.Path))
            {
                yield return new ValidationResult($"{setting}:Path: no file at '{database.Path}'.", [setting + ":Path"]);
            }

            if (database.Layout is null || !Enum.IsDefined(database.Layout.Value))
            {
                yield return new ValidationResult(
                    $"{setting}:Layout must be one of {string.Join(", ", Enum.GetNames<GeoIpLayout>())}.", [setting + ":Layout"]);
            }
        }

        if (!DnsOptions.TryParseServers(Dns.Servers, out _, out var bad))
        {
            yield return new ValidationResult(
                $"Enrichment:Dns:Servers: '{bad}' is not an address with an optional port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53).",
                ["Enrichment:Dns:Servers"]);
        }

        if (Dns.MinimumTtl > Dns.MaximumTtl)
        {
            yield return new ValidationResult("Enrichment:Dns:MinimumTtl must not be above Enrichment:Dns:MaximumTtl.", ["Enrichment:Dns:MinimumTtl"]);
        }
    }
}

public sealed class GeoIpOptions
{
    /// <summary>MaxMind GeoLite2-City or GeoIP2-City (or a Country database): country and city.</summary>
    public string? CityDatabase { get; set; }

    /// <summary>MaxMind GeoLite2-ASN or GeoIP2-ISP: the network's number and organisation.</summary>
    public string? AsnDatabase { get; set; }

    /// <summary>Other databases in MaxMind's file format, by name, read with the layout they declare; asked after the
    /// two above for what those did not answer, in name order.</summary>
    public Dictionary<string, GeoIpDatabaseOptions> Databases { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often a database file is checked for replacement (by its time and size); a replaced file is loaded
    /// and its cached answers dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class GeoIpDatabaseOptions
{
    public string? Path { get; set; }

    public GeoIpLayout? Layout { get; set; }
}

/// <summary>How the records of a database are laid out.</summary>
public enum GeoIpLayout
{
    /// <summary>MaxMind's GeoIP2 layout (country.iso_code, city.names.en, autonomous_system_number, ...), for files the
    /// typed reader refuses by their database type (DB-IP's lite databases, vendors' own builds).</summary>
    GeoIp2,

    /// <summary>The flat layout of ip-location-db (sapics/ip-location-db) and similar: country_code, city, state1,
    /// latitude, longitude, autonomous_system_number, autonomous_system_organization; one file per family.</summary>
    IpLocationDb,
}

public sealed class DnsOptions
{
    /// <summary>Reverse DNS lookups on or off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Resolvers as a list of <c>host:port</c> (comma or space separated, port 53 when left out); the
    /// system's (/etc/resolv.conf) when empty.</summary>
    public string? Servers { get; set; }

    /// <summary>How long one query waits for its answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Queries sent again after a timeout.</summary>
    [Range(0, 5)]
    public int Retries { get; set; }

    /// <summary>Lookups in flight at once, across every view.</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>Floor of the time an answer is kept, whatever its TTL.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MinimumTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Ceiling of the time an answer is kept, whatever its TTL.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan MaximumTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long "no name" is kept when the answer carries no SOA to say (then clamped like the rest).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a timeout or resolver error is kept before the address is asked again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan FailureTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A resolver client on <see cref="Servers"/> (else the system's) with <see cref="Timeout"/> and
    /// <see cref="Retries"/>: no cache of its own (callers keep what they need), DNS errors as answers, TCP when an answer
    /// is truncated.</summary>
    public LookupClient CreateClient()
    {
        TryParseServers(Servers, out var servers, out _);
        var lookup = servers.Count > 0 ? new LookupClientOptions(servers.ToArray()) : new LookupClientOptions();
        lookup.Timeout = Timeout;
        lookup.Retries = Retries;
        lookup.UseCache = false;
        lookup.ThrowDnsErrors = false;
        lookup.UseTcpFallback = true;
        lookup.ContinueOnDnsError = false;
        lookup.ContinueOnEmptyResponse = false;
        return new LookupClient(lookup);
    }

    public static bool TryParseServers(string? text, out List<IPEndPoint> servers, out string? bad)
    {
        servers = [];
        bad = null;
        foreach (var item in (text ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Without a port, IPEndPoint gives port 0: the DNS port is meant. An explicit :0 is not a port.
            if (IPEndPoint.TryParse(item, out var endpoint) && !item.EndsWith(":0", StringComparison.Ordinal))
            {
                servers.Add(endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint);
                continue;
            }

            bad = item;
            return false;
        }

        return true;
    }
}

/// <summary>The <c>known-forwarders</c> job: who the most failing sources of the last days are, looked up so that the
/// grains of the known forwarders among them learn it without a view showing them.</summary>
public sealed class KnownForwardersOptions
{
    /// <summary>How often it runs; zero turns the schedule off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The UTC days it looks back over, today included.</summary>
    [Range(1, 30)]
    public int Days { get; set; } = 2;

    /// <summary>How many of the most failing sources it looks up.</summary>
    [Range(1, 1000)]
    public int Sources { get; set; } = 500;
}
