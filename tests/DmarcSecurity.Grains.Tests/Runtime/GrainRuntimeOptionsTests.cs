using DmarcSecurity.Data;
using DmarcSecurity.Grains.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Grains.Tests.Runtime;

public sealed class GrainRuntimeOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_as_documented()
    {
        using var services = Build([]);

        var options = services.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value;

        Assert.Equal(64, options.Partitions);
        Assert.Equal(1000, options.BatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), options.KeepAliveInterval);
        Assert.Equal(TimeSpan.FromMinutes(15), options.IdleEviction);
        Assert.Equal((TimeSpan.FromSeconds(1), 2), (options.ProbeTimeout, options.MissedProbesLimit));
    }

    [Theory]
    [InlineData("Grains:BatchSize", "0", "Grains:BatchSize")]
    [InlineData("Grains:Partitions", "5000", "Grains:Partitions")]
    [InlineData("Grains:KeepAliveInterval", "00:05:00", "Grains:KeepAliveInterval")]
    [InlineData("Grains:ProbeTimeout", "00:00:00.001", "Grains:ProbeTimeout")]
    [InlineData("Grains:MaxConcurrentCommits", "0", "Grains:MaxConcurrentCommits")]
    public void A_bad_setting_fails_validation_naming_it(string setting, string value, string message)
    {
        using var services = Build(new Dictionary<string, string?> { [setting] = value });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value);

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Two_handlers_for_one_grain_type_are_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PartitionKeeper.DistinctTypes([new CounterGrain(), new CounterGrain()]));

        Assert.Contains("'counter'", error.Message);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddDmarcData("Data Source=" + Path.Combine(Path.GetTempPath(), "unused-grains.db"));
        services.AddGrainRuntimeServices();
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
