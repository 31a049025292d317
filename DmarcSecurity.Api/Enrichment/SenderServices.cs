using DmarcSecurity.Core.Enrichment;

namespace DmarcSecurity.Api.Enrichment;

/// <summary>A sending service and what kind of sender it is.</summary>
public sealed record SenderService(string Name, string Kind, IReadOnlyList<string> Domains, IReadOnlyList<long> Asns);

/// <summary>
/// The platform's map from reverse DNS domains and ASNs to sending services (the embedded <c>sender-services.csv</c>;
/// its header says how it is kept). A source is named by the longest listed domain its PTR name ends in, and only when
/// none does, by its ASN.
/// </summary>
public sealed class SenderServices
{
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "mailbox-provider", "marketing", "transactional", "crm", "ticketing", "security-gateway", SourceIdentity.ForwarderKind, "hosting", "isp", "saas",
    };

    private readonly Dictionary<string, SenderService> _byDomain = new(StringComparer.Ordinal);
    private readonly Dictionary<long, SenderService> _byAsn = [];

    private SenderServices(IReadOnlyList<SenderService> all)
    {
        All = all;
        foreach (var service in all)
        {
            foreach (var domain in service.Domains)
            {
                if (!_byDomain.TryAdd(domain, service))
                {
                    throw new FormatException($"sender services: {domain} is listed for {_byDomain[domain].Name} and {service.Name}.");
                }
            }

            foreach (var asn in service.Asns)
            {
                if (!_byAsn.TryAdd(asn, service))
                {
                    throw new FormatException($"sender services: AS{asn} is listed for {_byAsn[asn].Name} and {service.Name}.");
                }
            }
        }
    }

    public IReadOnlyList<SenderService> All { get; }

    /// <summary>The embedded map.</summary>
    public static SenderServices Load()
    {
        using var stream = typeof(SenderServices).Assembly.GetManifestResourceStream("sender-services.csv")
            ?? throw new InvalidOperationException("The sender services map is not embedded.");
        using var reader = new StreamReader(stream);
        return Parse(reader);
    }

    public static SenderServices Parse(TextReader reader)
    {
        var services = new List<SenderService>();
        var number = 0;
        var header = true;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (header)
            {
                header = false;
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != 4 || fields[0].Trim().Length == 0 || !Kinds.Contains(fields[1].Trim()))
            {
                throw new FormatException($"sender services, line {number}: expected name,kind,domains,asns with a known kind: {line}");
            }

            var domains = fields[2].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(d => d.ToLowerInvariant()).ToList();
            var asns = fields[3].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(a => long.TryParse(a, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
                    ? n : throw new FormatException($"sender services, line {number}: '{a}' is not an ASN."))
                .ToList();
            if (domains.Count == 0 && asns.Count == 0)
            {
                throw new FormatException($"sender services, line {number}: a service needs a domain or an ASN.");
            }

            services.Add(new SenderService(fields[0].Trim(), fields[1].Trim(), domains, asns));
        }

        return new SenderServices(services);
    }

    /// <summary>The service a source with this PTR name and ASN belongs to, or null.</summary>
    public SenderService? Match(string? ptr, long? asn)
    {
        if (!string.IsNullOrEmpty(ptr))
        {
            var name = ptr.TrimEnd('.').ToLowerInvariant();
            for (var at = 0; ; at++)
            {
                if (_byDomain.TryGetValue(name[at..], out var service))
                {
                    return service;
                }

                at = name.IndexOf('.', at);
                if (at < 0)
                {
                    break;
                }
            }
        }

        return asn is { } number && _byAsn.TryGetValue(number, out var byAsn) ? byAsn : null;
    }
}
