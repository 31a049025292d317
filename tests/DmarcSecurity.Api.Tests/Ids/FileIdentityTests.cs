using System.Diagnostics;
using System.Globalization;
using DmarcSecurity.Api.Ingestion.Tailing;

namespace DmarcSecurity.Api.Tests.Ids;

public sealed class FileIdentityTests
{
    [Fact]
    public async Task On_Linux_a_file_is_known_by_the_inode_stat_reports_and_keeps_it_when_renamed()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // elsewhere the creation time stands in for the inode
        }

        var folder = Directory.CreateTempSubdirectory("dmarc-inode-").FullName;
        var path = Path.Combine(folder, "eve.json");
        await File.WriteAllTextAsync(path, "{}\n");
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        var inode = long.Parse((await stat.StandardOutput.ReadToEndAsync()).Trim(), CultureInfo.InvariantCulture);
        await stat.WaitForExitAsync();

        var before = FileIdentities.Of(path)!.Value;
        File.Move(path, path + ".1");
        await File.WriteAllTextAsync(path, "");
        await using var open = File.OpenRead(path + ".1");

        Assert.Equal((inode, 3L), (before.Identity.Inode, before.Size));
        Assert.Equal(before, FileIdentities.Of(open.SafeFileHandle));
        Assert.NotEqual(before.Identity, FileIdentities.Of(path)!.Value.Identity);
        Assert.Null(FileIdentities.Of(Path.Combine(folder, "missing")));
    }
}
