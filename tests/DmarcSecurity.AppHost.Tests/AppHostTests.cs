using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>The default mode: SQLite in the data folder, one localhost silo, no Redis.</summary>
[Collection(SqliteAppHost.Name)]
public sealed class AppHostTests(AppHostFixture apphost)
{
    [Fact]
    public async Task Every_service_is_healthy_on_SQLite_in_the_data_folder_with_one_localhost_silo()
    {
        var database = Path.Combine(apphost.DataDirectory, "dmarcsecurity.db");
        Assert.Equal($"Data Source={database}", await apphost.App.GetConnectionStringAsync("dmarcdb"));
        Assert.True(File.Exists(database), $"{database} was not created");
        // The development signing key goes to the same data folder, not to the launch profile's.
        Assert.True(File.Exists(Path.Combine(apphost.DataDirectory, "signing-key")), "the Api did not get the data folder");

        using var http = new HttpClient();
        using var api = await http.GetAsync(new Uri(apphost.Api, "/health"));
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        using var web = await http.GetAsync(new Uri(apphost.Web, "/health"));
        Assert.Equal(HttpStatusCode.OK, web.StatusCode);

        var silo = apphost.App.GetEndpoint("silo", "http");
        var health = JsonDocument.Parse(await http.GetStringAsync(new Uri(silo, "/health"))).RootElement;
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        var cluster = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "orleans-cluster");
        Assert.Equal(1, cluster.GetProperty("data").GetProperty("activeSilos").GetInt32());

        var model = apphost.App.Services.GetRequiredService<DistributedApplicationModel>();
        Assert.DoesNotContain(model.Resources, r => r.Name is "cache" or "postgres");
    }

    [Fact]
    public async Task A_service_stopped_on_purpose_stays_stopped_until_it_is_started_again()
    {
        var model = apphost.App.Services.GetRequiredService<DistributedApplicationModel>();
        var commands = apphost.App.Services.GetRequiredService<ResourceCommandService>();
        var notifications = apphost.App.Services.GetRequiredService<ResourceNotificationService>();
        var web = model.Resources.Single(r => r.Name == "web");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var stopped = await commands.ExecuteCommandAsync(web, KnownResourceCommands.StopCommand, timeout.Token);
        Assert.True(stopped.Success, stopped.Message);
        var ended = await notifications.WaitForResourceAsync("web", e => e.Snapshot.State?.Text is "Exited" or "Finished", timeout.Token);
        // A crash would be started again after 1 s; a stop is left alone.
        await Task.Delay(TimeSpan.FromSeconds(5), timeout.Token);
        Assert.True(notifications.TryGetCurrentState(ended.ResourceId, out var after), "no state for web");
        var stateAfter = after.Snapshot.State?.Text;

        var started = await commands.ExecuteCommandAsync(web, KnownResourceCommands.StartCommand, timeout.Token);
        await notifications.WaitForResourceHealthyAsync("web", timeout.Token);

        Assert.Contains(stateAfter, new[] { "Exited", "Finished" });
        Assert.True(started.Success, started.Message);
    }
}
