namespace DmarcSecurity.Core.Enrichment;

/// <summary>Who a source address is, as far as the platform knows when asked: its reverse DNS name and that name's
/// registrable (base) domain, where its network is, whose network it is, and which sending service that points to.</summary>
/// <param name="Ip">The address in its usual form.</param>
/// <param name="Ptr">The reverse DNS (PTR) name without the trailing dot; null when there is none or it is not known yet.</param>
/// <param name="BaseDomain">The registrable domain of <paramref name="Ptr"/> by the Public Suffix List (mail-wr1-f54.google.com: google.com).</param>
/// <param name="Country">ISO 3166-1 alpha-2 country code from the geolocation databases.</param>
/// <param name="City">City name (English) from the geolocation databases.</param>
/// <param name="Asn">Autonomous system number of the network the address is in.</param>
/// <param name="AsOrg">The autonomous system's organisation.</param>
/// <param name="Service">The sending service, from the platform's map of reverse DNS domains and ASNs (Google Workspace, Amazon SES, ...).</param>
/// <param name="ServiceKind">What kind of sender that service is (mailbox-provider, marketing, transactional, ...).</param>
/// <param name="ReverseDns">Whether the reverse DNS answer is known: a view that asked before it came shows <see cref="ReverseDnsStatus.Pending"/> and the next one shows the answer.</param>
/// <param name="Note">What is missing and how to get it (no geolocation database configured: where to download one), or null.</param>
/// <param name="ServiceVerified">The service is known from the network's ASN, or from a reverse DNS name that resolves
/// back to the address. A PTR name alone is whatever the address block's holder wrote: it names the service for the
/// views, but excuses nothing (<see cref="IsKnownForwarder"/>).</param>
public sealed record SourceIdentity(
    string Ip, string? Ptr, string? BaseDomain, string? Country, string? City, long? Asn, string? AsOrg, string? Service, string? ServiceKind,
    ReverseDnsStatus ReverseDns = ReverseDnsStatus.Off, string? Note = null, bool ServiceVerified = false)
{
    /// <summary>The kind of the services that pass other senders' mail on: forwarding services and mailing lists.</summary>
    public const string ForwarderKind = "forwarder";

    /// <summary>A known forwarder: a service of <see cref="ForwarderKind"/> in the services map, verified
    /// (<see cref="ServiceVerified"/>). DMARC failures of its mail are the forwarding's, as a receiver's forwarder
    /// override reason says.</summary>
    public bool IsKnownForwarder() => ServiceKind == ForwarderKind && ServiceVerified;
}

/// <summary>The state of an address's reverse DNS lookup.</summary>
public enum ReverseDnsStatus
{
    /// <summary>A PTR name was found.</summary>
    Found,

    /// <summary>The resolver answered that there is no PTR name (NXDOMAIN or no PTR record).</summary>
    None,

    /// <summary>The lookup is still running; the next view will show its answer.</summary>
    Pending,

    /// <summary>The resolver did not answer in time or answered with an error; tried again after a short while.</summary>
    Failed,

    /// <summary>Reverse DNS is switched off (Enrichment:Dns:Enabled=false).</summary>
    Off,
}
