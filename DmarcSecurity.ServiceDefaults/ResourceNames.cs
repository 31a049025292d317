namespace DmarcSecurity.ServiceDefaults;

/// <summary>Resource and connection names shared by the hosts, the AppHost and the tests (Aspire's naming).</summary>
public static class ResourceNames
{
    public const string Database = "dmarcdb";
    public const string Api = "api";
    public const string Web = "web";
    public const string Silo = "silo";
    public const string Cache = "cache";
}
