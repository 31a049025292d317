namespace DmarcSecurity.Core.Tests.Support;

/// <summary>The files under Samples/, copied next to the test assembly.</summary>
internal static class Samples
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);

    public static byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    public static FileStream Open(string name) => File.OpenRead(PathOf(name));
}
