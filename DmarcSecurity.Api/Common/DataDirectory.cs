namespace DmarcSecurity.Api.Common;

/// <summary>The folder for local state (the default SQLite database, the Development signing key):
/// <c>Storage:DataDirectory</c>, or <c>data</c> under the working directory. Created on first use.</summary>
internal static class DataDirectory
{
    public static string Resolve(IConfiguration configuration)
    {
        var path = Path.GetFullPath(configuration["Storage:DataDirectory"] is { Length: > 0 } dir ? dir : "data");
        Directory.CreateDirectory(path);
        return path;
    }
}
