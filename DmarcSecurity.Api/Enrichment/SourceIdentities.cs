using System.Net;
using DmarcSecurity.Core.Enrichment;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Enrichment;

/// <summary>
/// Answers who a source is when a view asks: geolocation and network from the databases (in memory, cached), reverse
/// DNS from the cache or from lookups started now, all addresses of a view at once under the DNS concurrency bound; the
/// view waits at most <see cref="EnrichmentOptions.WaitForLookups"/> and shows the rest as pending, while the lookups
/// finish and fill the cache for the next view. Nothing here runs at ingestion. The known forwarders a view finds are
/// told to their grains (<see cref="KnownForwarders"/>).
/// </summary>
public sealed partial class SourceIdentities(
    GeoIpDatabases geo, ReverseDns dns, SenderServices services, PublicSuffixListSource suffixes, IOptions<EnrichmentOptions> options,
    KnownForwarders? forwarders = null)
{
    /// <summary>Where to get a database when none is configured; shown by the API and the UI.</summary>
    public const string GeoIpHint =
        "No geolocation database is configured. Create a free MaxMind account (https://www.maxmind.com/en/geolite2/signup), " +
        "download GeoLite2-City and GeoLite2-ASN (.mmdb, or keep them fresh with geoipupdate) and set " +
        "Enrichment__GeoIp__CityDatabase and Enrichment__GeoIp__AsnDatabase to their paths.";

    public async Task<SourceIdentity> IdentifyAsync(IPAddress address, CancellationToken cancellationToken) =>
        (await IdentifyAsync([address], cancellationToken))[0];

    /// <summary>The identities of <paramref name="addresses"/>, in the same order.</summary>
    /// <param name="wait">How long to wait for lookups not cached yet; <see cref="EnrichmentOptions.WaitForLookups"/> by default.</param>
    public async Task<IReadOnlyList<SourceIdentity>> IdentifyAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken, TimeSpan? wait = null)
    {
        var lookups = addresses.Select(dns.LookupAsync).ToArray();
        var all = Task.WhenAll(lookups);
        var waitFor = wait ?? options.Value.WaitForLookups;
        if (!all.IsCompleted && waitFor > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(all, Task.Delay(waitFor, stop.Token));
            await stop.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }

        var note = geo.HasCityOrCountry || geo.HasAsn ? null : GeoIpHint;
        var identities = new SourceIdentity[addresses.Count];
        for (var i = 0; i < addresses.Count; i++)
        {
            var ptr = lookups[i].IsCompletedSuccessfully ? lookups[i].Result : null;
            identities[i] = Identity(addresses[i], ptr, note);
        }

        EnrichmentTelemetry.Identities.Add(addresses.Count);
        if (forwarders is not null)
        {
            await forwarders.TellAsync(identities, cancellationToken);
        }

        return identities;
    }

    /// <summary>The identities of addresses given as text (as the database stores them); text that is not an address
    /// gets none.</summary>
    public async Task<IReadOnlyDictionary<string, SourceIdentity>> IdentifyAsync(IEnumerable<string> addresses, CancellationToken cancellationToken)
    {
        var parsed = addresses.Distinct(StringComparer.Ordinal)
            .Select(text => (Text: text, Ok: IPAddress.TryParse(text, out var address), Address: address))
            .Where(a => a.Ok)
            .ToList();
        var identities = await IdentifyAsync(parsed.Select(a => a.Address!).ToList(), cancellationToken);
        return parsed.Select((a, i) => (a.Text, Identity: identities[i])).ToDictionary(a => a.Text, a => a.Identity, StringComparer.Ordinal);
    }

    private SourceIdentity Identity(IPAddress address, PtrAnswer? ptr, string? note)
    {
        var facts = geo.Lookup(address);
        var name = ptr?.Name;
        var service = services.Match(name, facts.Asn);
        // Verified by a name that resolves back to the address, or by the network alone.
        var verified = service is not null && (ptr?.Confirmed == true || services.Match(null, facts.Asn) == service);
        return new SourceIdentity(
            address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString(),
            name, suffixes.List?.RegistrableDomain(name), facts.Country, facts.City, facts.Asn, facts.AsOrg, service?.Name, service?.Kind,
            ptr?.Status ?? ReverseDnsStatus.Pending, note, verified);
    }
}

/// <summary>The Public Suffix List file, loaded once at start; none (and no base domains) when the file is missing.</summary>
public sealed partial class PublicSuffixListSource
{
    public PublicSuffixListSource(IOptions<EnrichmentOptions> options, ILogger<PublicSuffixListSource> logger)
    {
        Path = options.Value.PublicSuffixList is { Length: > 0 } path ? path : EnrichmentOptions.DebianPublicSuffixList;
        if (File.Exists(Path))
        {
            List = PublicSuffixList.Load(Path);
        }
        else
        {
            LogMissing(logger, Path);
        }
    }

    public string Path { get; }

    public PublicSuffixList? List { get; }

    [LoggerMessage(EventId = 7020, Level = LogLevel.Warning,
        Message = "No Public Suffix List at {Path} (Debian package publicsuffix, or set Enrichment:PublicSuffixList): sources show no base domain")]
    private static partial void LogMissing(ILogger logger, string path);
}
