using System.IO.Compression;

namespace DmarcSecurity.Cli.Tests.Infrastructure;

public static class Samples
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Samples", name);

    /// <summary>A fresh folder under the temp folder for one test's files.</summary>
    public static string NewFolder()
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dmarcsec-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Copies a sample into <paramref name="folder"/> gzipped, as most receivers send their reports.</summary>
    public static string Gzipped(string name, string folder)
    {
        var target = System.IO.Path.Combine(folder, name + ".gz");
        using var input = File.OpenRead(Path(name));
        using var output = File.Create(target);
        using var gzip = new GZipStream(output, CompressionLevel.Optimal);
        input.CopyTo(gzip);
        return target;
    }
}
