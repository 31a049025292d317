using DmarcSecurity.AppHost;

namespace DmarcSecurity.AppHost.Tests;

public sealed class PostgresServerTests
{
    [Fact]
    public void The_highest_installed_version_is_chosen()
    {
        var root = Directory.CreateTempSubdirectory("pg-bin-").FullName;
        try
        {
            foreach (var version in new[] { "9.6", "15", "13", "16-broken" })
            {
                Directory.CreateDirectory(Path.Combine(root, version, "bin"));
                if (version != "16-broken")
                {
                    File.WriteAllText(Path.Combine(root, version, "bin", "initdb"), "");
                    File.WriteAllText(Path.Combine(root, version, "bin", "pg_ctl"), "");
                }
            }

            Directory.CreateDirectory(Path.Combine(root, "17", "bin")); // no initdb: client only

            Assert.Equal(Path.Combine(root, "15", "bin"), PostgresServer.FindServerBinaries(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void No_server_binaries_is_null() =>
        Assert.Null(PostgresServer.FindServerBinaries(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
}
