using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace DmarcSecurity.ServiceDefaults.Tests;

/// <summary>What the service defaults' sampler keeps: whole traces people look for, and about one in a hundred of the
/// traces the silo starts many times a second (grain timers, Orleans placing, activating and deactivating grains).</summary>
public sealed class TraceSamplingTests
{
    [Fact]
    public void Timer_and_grain_lifecycle_traces_are_kept_one_in_a_hundred_and_the_rest_whole()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.AddServiceDefaults();
        using var host = builder.Build();
        // The tracer provider listens from the moment it is made.
        _ = host.Services.GetRequiredService<TracerProvider>();
        using var orleans = new ActivitySource("Microsoft.Orleans.Runtime");
        using var own = new ActivitySource("DmarcSecurity.Grains");

        int Kept(ActivitySource source, string name)
        {
            var kept = 0;
            for (var i = 0; i < 10_000; i++)
            {
                using var activity = source.StartActivity(name);
                kept += activity is { Recorded: true } ? 1 : 0;
            }

            return kept;
        }

        Assert.InRange(Kept(orleans, "activate grain"), 50, 200);
        Assert.InRange(Kept(orleans, "deactivate grain"), 50, 200);
        Assert.InRange(Kept(orleans, "IGrainTimerInvoker/Pump"), 50, 200);
        Assert.Equal(10_000, Kept(own, "grains.commit"));

        // Under a kept trace, a lifecycle span is kept with it.
        using (var root = own.StartActivity("upload"))
        {
            Assert.True(root!.Recorded);
            using var child = orleans.StartActivity("activate grain");
            Assert.True(child!.Recorded);
        }
    }
}
