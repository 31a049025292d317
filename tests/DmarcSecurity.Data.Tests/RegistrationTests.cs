using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Schema;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Data.Tests;

public sealed class RegistrationTests
{
    [Theory]
    [InlineData("Data Source=/var/lib/dmarc/dmarc.db", DatabaseProvider.Sqlite)]
    [InlineData("data source=dmarc.db;Cache=Shared", DatabaseProvider.Sqlite)]
    [InlineData("Host=db;Port=5432;Database=dmarcdb;Username=dmarc", DatabaseProvider.PostgreSql)]
    [InlineData("Server=db;Database=dmarcdb", DatabaseProvider.PostgreSql)]
    public void Provider_is_chosen_by_the_connection_string(string connectionString, DatabaseProvider expected)
    {
        Assert.Equal(expected, DataServiceCollectionExtensions.DetectProvider(connectionString));
    }

    [Fact]
    public void Services_the_api_needs_are_registered_with_default_options()
    {
        using var services = DataFixture.BuildServices("Data Source=" + Path.Combine(Path.GetTempPath(), "unused.db"));

        Assert.NotNull(services.GetRequiredService<IReportIngestor>());
        Assert.NotNull(services.GetRequiredService<IReportQueries>());
        Assert.NotNull(services.GetRequiredService<IStatsQueries>());
        Assert.NotNull(services.GetRequiredService<SchemaMigrator>());
        Assert.Equal(25L * 1024 * 1024, services.GetRequiredService<IOptions<DataOptions>>().Value.MaxRawXmlBytes);
    }

    [Fact]
    public void Invalid_archive_cap_fails_validation_naming_the_setting()
    {
        using var services = DataFixture.BuildServices("Host=localhost", new Dictionary<string, string?> { ["Storage:MaxRawXmlBytes"] = "-1" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DataOptions>>().Value);

        Assert.Contains("Storage:MaxRawXmlBytes", error.Message);
    }

    [Fact]
    public void Each_provider_has_its_scripts_numbered_from_one_each_number_once_and_the_same_numbers_for_both()
    {
        // A number may be left free for a script that lands from another line of work (0006 is); the migrator
        // applies whatever is not yet applied, in order.
        var numbers = new List<IReadOnlyList<int>>();
        foreach (var provider in Enum.GetValues<DatabaseProvider>())
        {
            var scripts = SchemaMigrator.Scripts(provider);
            var versions = scripts.Select(s => s.Version).ToList();
            Assert.Equal(versions.Distinct().Order(), versions);
            Assert.Equal((1, "initial"), (versions[0], scripts[0].Name));
            numbers.Add(versions);
        }

        Assert.All(numbers, n => Assert.Equal(numbers[0], n));
    }
}
