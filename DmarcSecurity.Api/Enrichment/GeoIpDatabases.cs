using System.Net;
using System.Net.Sockets;
using MaxMind.Db;
using Microsoft.Extensions.Options;
using MaxMind.GeoIP2;
using Microsoft.Extensions.Caching.Memory;

namespace DmarcSecurity.Api.Enrichment;

/// <summary>What the geolocation and network databases say of one address.</summary>
public readonly record struct GeoFacts(string? Country, string? City, long? Asn, string? AsOrg)
{
    public bool IsComplete => Country is not null && City is not null && Asn is not null && AsOrg is not null;
}

/// <summary>
/// The configured databases in MaxMind's format: the City (or Country) and ASN databases through MaxMind's typed reader,
/// others through the plain reader and the layout they declare. A file is asked only for addresses of a family it
/// holds (an IPv6 address in an IPv4-only tree would land on some IPv4 record); a replaced file is loaded on the next
/// lookup after <see cref="GeoIpOptions.ReloadCheckInterval"/> and the cached answers go with the old one.
/// </summary>
public sealed partial class GeoIpDatabases : IDisposable
{
    private readonly List<WatchedDatabase> _databases = [];
    private readonly ILogger<GeoIpDatabases> _logger;
    private readonly int _cacheEntries;
    private MemoryCache _cache;

    public GeoIpDatabases(IOptions<EnrichmentOptions> options, ILogger<GeoIpDatabases> logger)
    {
        _logger = logger;
        var geo = options.Value.GeoIp;
        _cacheEntries = options.Value.CacheEntries;
        _cache = NewCache();
        var interval = geo.ReloadCheckInterval;
        if (!string.IsNullOrWhiteSpace(geo.CityDatabase))
        {
            _databases.Add(new WatchedDatabase("CityDatabase", geo.CityDatabase, TypedDatabase.OpenCity, interval, this));
        }

        if (!string.IsNullOrWhiteSpace(geo.AsnDatabase))
        {
            _databases.Add(new WatchedDatabase("AsnDatabase", geo.AsnDatabase, TypedDatabase.OpenAsn, interval, this));
        }

        foreach (var (name, database) in geo.Databases.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            var layout = database.Layout ?? GeoIpLayout.GeoIp2;
            _databases.Add(new WatchedDatabase($"Databases:{name}", database.Path!, path => new LayoutDatabase(path, layout), interval, this));
        }

        foreach (var database in _databases)
        {
            database.ReloadIfChanged();
        }
    }

    /// <summary>True when at least one database is configured and loaded.</summary>
    public bool HasCityOrCountry => _databases.Any(d => d.Current is { AnswersLocation: true });

    public bool HasAsn => _databases.Any(d => d.Current is { AnswersNetwork: true });

    /// <summary>The loaded databases: setting, database type, address family, build time.</summary>
    public IReadOnlyList<(string Setting, string Type, int IpVersion, DateTime Built)> Loaded =>
        _databases.Select(d => d.Current is { } c ? (d.Setting, c.DatabaseType, c.IpVersion, c.Built) : default)
            .Where(d => d.Setting is not null).ToList();

    public GeoFacts Lookup(IPAddress address)
    {
        if (_databases.Count == 0)
        {
            return default;
        }

        foreach (var database in _databases)
        {
            database.ReloadIfChanged();
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var cache = _cache;
        if (cache.TryGetValue(address, out GeoFacts cached))
        {
            return cached;
        }

        var facts = default(GeoFacts);
        foreach (var database in _databases)
        {
            if (database.Current is { } current && (address.AddressFamily == AddressFamily.InterNetwork || current.IpVersion == 6))
            {
                try
                {
                    current.Fill(address, ref facts);
                }
                catch (InvalidDatabaseException ex)
                {
                    LogCorrupt(_logger, database.Setting, ex.Message);
                }
            }

            if (facts.IsComplete)
            {
                break;
            }
        }

        cache.Set(address, facts, new MemoryCacheEntryOptions { Size = 1 });
        return facts;
    }

    public void Dispose()
    {
        foreach (var database in _databases)
        {
            database.Current?.Dispose();
        }

        _cache.Dispose();
    }

    private MemoryCache NewCache() => new(new MemoryCacheOptions { SizeLimit = _cacheEntries, CompactionPercentage = 0.25 });

    private void Reloaded(string setting, string path, IOpenedDatabase database)
    {
        var old = Interlocked.Exchange(ref _cache, NewCache());
        old.Dispose();
        LogLoaded(_logger, setting, path, database.DatabaseType, database.IpVersion, database.Built);
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information,
        Message = "Enrichment:GeoIp:{Setting}: loaded {Path} ({DatabaseType}, IPv{IpVersion}, built {Built:u})")]
    private static partial void LogLoaded(ILogger logger, string setting, string path, string databaseType, int ipVersion, DateTime built);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error,
        Message = "Enrichment:GeoIp:{Setting}: cannot load {Path}: {Reason}; the previous file (if any) stays in use")]
    private static partial void LogLoadFailed(ILogger logger, string setting, string path, string reason);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Enrichment:GeoIp:{Setting}: lookup failed: {Reason}")]
    private static partial void LogCorrupt(ILogger logger, string setting, string reason);

    /// <summary>One configured file, loaded again when its time or size changes.</summary>
    private sealed class WatchedDatabase(string setting, string path, Func<string, IOpenedDatabase> open, TimeSpan interval, GeoIpDatabases owner)
    {
        private readonly Lock _lock = new();
        private (DateTime Time, long Length) _stamp;
        private long _nextCheck;

        public string Setting { get; } = setting;

        public IOpenedDatabase? Current { get; private set; }

        public void ReloadIfChanged()
        {
            var now = Environment.TickCount64;
            if (now < Volatile.Read(ref _nextCheck) && Current is not null)
            {
                return;
            }

            lock (_lock)
            {
                if (now < _nextCheck)
                {
                    return;
                }

                _nextCheck = now + (long)interval.TotalMilliseconds;
                var file = new FileInfo(path);
                if (!file.Exists)
                {
                    return;
                }

                var stamp = (file.LastWriteTimeUtc, file.Length);
                if (stamp == _stamp)
                {
                    return;
                }

                try
                {
                    var database = open(path);
                    // Files are read whole into memory, so the replaced reader holds no file and lookups still running on
                    // it finish on the old data; it is left to the garbage collector rather than disposed under them.
                    Current = database;
                    _stamp = stamp;
                    owner.Reloaded(Setting, path, database);
                }
                catch (Exception ex) when (ex is InvalidDatabaseException or IOException or InvalidOperationException or UnauthorizedAccessException)
                {
                    LogLoadFailed(owner._logger, Setting, path, ex.Message);
                }
            }
        }
    }

    private interface IOpenedDatabase : IDisposable
    {
        string DatabaseType { get; }

        int IpVersion { get; }

        DateTime Built { get; }

        bool AnswersLocation { get; }

        bool AnswersNetwork { get; }

        void Fill(IPAddress address, ref GeoFacts facts);
    }

    /// <summary>MaxMind's own databases through its typed reader, which checks the database type on every call.</summary>
    private sealed class TypedDatabase : IOpenedDatabase
    {
        private readonly DatabaseReader _reader;
        private readonly Kind _kind;

        private TypedDatabase(string path, bool network)
        {
            _reader = new DatabaseReader(path, FileAccessMode.Memory);
            var type = _reader.Metadata.DatabaseType;
            _kind = network
                ? type.Contains("ISP", StringComparison.Ordinal) ? Kind.Isp
                : type.Contains("ASN", StringComparison.Ordinal) ? Kind.Asn : Kind.None
                : type.Contains("City", StringComparison.Ordinal) || type.Contains("Enterprise", StringComparison.Ordinal) ? Kind.City
                : type.Contains("Country", StringComparison.Ordinal) ? Kind.Country : Kind.None;
            if (_kind == Kind.None)
            {
                _reader.Dispose();
                throw new InvalidOperationException(
                    $"its database type '{type}' is not a {(network ? "ASN or ISP" : "City or Country")} database; " +
                    "for other layouts use Enrichment:GeoIp:Databases:<name>:Path with a Layout");
            }
        }

        private enum Kind
        {
            None,
            City,
            Country,
            Asn,
            Isp,
        }

        public string DatabaseType => _reader.Metadata.DatabaseType;

        public int IpVersion => _reader.Metadata.IPVersion;

        public DateTime Built => _reader.Metadata.BuildDate;

        public bool AnswersLocation => _kind is Kind.City or Kind.Country;

        public bool AnswersNetwork => _kind is Kind.Asn or Kind.Isp;

        public static IOpenedDatabase OpenCity(string path) => new TypedDatabase(path, network: false);

        public static IOpenedDatabase OpenAsn(string path) => new TypedDatabase(path, network: true);

        public void Fill(IPAddress address, ref GeoFacts facts)
        {
            switch (_kind)
            {
                case Kind.City when _reader.TryCity(address, out var city) && city is not null:
                    facts = facts with
                    {
                        Country = facts.Country ?? city.Country.IsoCode ?? city.RegisteredCountry.IsoCode,
                        City = facts.City ?? city.City.Name,
                    };
                    break;
                case Kind.Country when _reader.TryCountry(address, out var country) && country is not null:
                    facts = facts with { Country = facts.Country ?? country.Country.IsoCode ?? country.RegisteredCountry.IsoCode };
                    break;
                case Kind.Asn when _reader.TryAsn(address, out var asn) && asn is not null:
                    facts = facts with { Asn = facts.Asn ?? asn.AutonomousSystemNumber, AsOrg = facts.AsOrg ?? asn.AutonomousSystemOrganization };
                    break;
                case Kind.Isp when _reader.TryIsp(address, out var isp) && isp is not null:
                    facts = facts with { Asn = facts.Asn ?? isp.AutonomousSystemNumber, AsOrg = facts.AsOrg ?? isp.AutonomousSystemOrganization ?? isp.Isp };
                    break;
            }
        }

        public void Dispose() => _reader.Dispose();
    }

    /// <summary>Any database in MaxMind's file format, read as plain maps with the layout its setting names.</summary>
    private sealed class LayoutDatabase(string path, GeoIpLayout layout) : IOpenedDatabase
    {
        private readonly Reader _reader = new(path, FileAccessMode.Memory);

        public string DatabaseType => _reader.Metadata.DatabaseType;

        public int IpVersion => _reader.Metadata.IPVersion;

        public DateTime Built => _reader.Metadata.BuildDate;

        public bool AnswersLocation => true;

        public bool AnswersNetwork => true;

        public void Fill(IPAddress address, ref GeoFacts facts)
        {
            var record = _reader.Find<Dictionary<string, object>>(address);
            if (record is null)
            {
                return;
            }

            facts = layout switch
            {
                GeoIpLayout.IpLocationDb => facts with
                {
                    Country = facts.Country ?? Text(record, "country_code"),
                    City = facts.City ?? Text(record, "city"),
                    Asn = facts.Asn ?? Number(record, "autonomous_system_number"),
                    AsOrg = facts.AsOrg ?? Text(record, "autonomous_system_organization"),
                },
                _ => facts with
                {
                    Country = facts.Country ?? Text(Map(record, "country"), "iso_code") ?? Text(Map(record, "registered_country"), "iso_code"),
                    City = facts.City ?? Text(Map(Map(record, "city"), "names"), "en"),
                    Asn = facts.Asn ?? Number(record, "autonomous_system_number"),
                    AsOrg = facts.AsOrg ?? Text(record, "autonomous_system_organization"),
                },
            };
        }

        public void Dispose() => _reader.Dispose();

        private static Dictionary<string, object>? Map(Dictionary<string, object>? record, string key) =>
            record?.GetValueOrDefault(key) as Dictionary<string, object>;

        private static string? Text(Dictionary<string, object>? record, string key) =>
            record?.GetValueOrDefault(key) is string { Length: > 0 } text ? text : null;

        private static long? Number(Dictionary<string, object>? record, string key) =>
            record?.GetValueOrDefault(key) switch
            {
                long l => l,
                int i => i,
                ulong u => (long)u,
                uint u => u,
                ushort s => s,
                System.Numerics.BigInteger b => (long)b,
                string s when long.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
                _ => null,
            };
    }
}
