namespace DmarcSecurity.Core.Grains;

/// <summary>Who a source is, as the Api found when a view looked it up, sent to the source's grain when the address
/// became, or stopped being, a verified known forwarder (<see cref="Enrichment.SourceIdentity.IsKnownForwarder"/>).</summary>
/// <param name="Service">The sending service from the services map; null when none.</param>
/// <param name="ServiceKind">Its kind (forwarder, mailbox-provider, ...).</param>
/// <param name="ServiceVerified">Known from the network, or from a reverse DNS name that resolves back to the address.</param>
public sealed record SourceIdentifiedEvent(string? Service, string? ServiceKind, bool ServiceVerified);
