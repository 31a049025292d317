namespace DmarcSecurity.Web.Api;

/// <summary>Who a source is (<c>identity</c> of <c>GET /api/sources/{ip}</c> and of the top sources): reverse DNS and its
/// base domain, country and city, network, sending service. <see cref="ReverseDns"/> is Found, None, Pending, Failed or
/// Off; <see cref="Note"/> says what is missing (no geolocation database: where to get one).</summary>
public sealed record SourceIdentityDto(
    string Ip, string? Ptr, string? BaseDomain, string? Country, string? City, long? Asn, string? AsOrg, string? Service, string? ServiceKind,
    string? ReverseDns, string? Note)
{
    /// <summary>"United States (US)", or the code alone when .NET does not know it.</summary>
    public string? CountryName
    {
        get
        {
            if (Country is null)
            {
                return null;
            }

            try
            {
                return $"{new System.Globalization.RegionInfo(Country).EnglishName} ({Country})";
            }
            catch (ArgumentException)
            {
                return Country;
            }
        }
    }

    /// <summary>The kind in words: "mailbox provider", "security gateway".</summary>
    public string? KindText => ServiceKind?.Replace('-', ' ');
}
