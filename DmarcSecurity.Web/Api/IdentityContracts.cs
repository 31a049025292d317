namespace DmarcSecurity.Web.Api;

/// <summary>Who a source is (<c>identity</c> of <c>GET /api/sources/{ip}</c> and of the top sources): reverse DNS and its
/// base domain, country and city, network, sending service. <see cref="ReverseDns"/> is Found, None, Pending, Failed or
/// Off; <see cref="Note"/> says what is missing (no geolocation database: where to get one); <see cref="ServiceVerified"/>
/// whether the service is known from the network or from a name that resolves back to the address.</summary>
public sealed record SourceIdentityDto(
    string Ip, string? Ptr, string? BaseDomain, string? Country, string? City, long? Asn, string? AsOrg, string? Service, string? ServiceKind,
    string? ReverseDns, string? Note, bool ServiceVerified = false)
{
    /// <summary>The kind in words: "mailbox provider", "security gateway".</summary>
    public string? KindText => ServiceKind?.Replace('-', ' ');
}
