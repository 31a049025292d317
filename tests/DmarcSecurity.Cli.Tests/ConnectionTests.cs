using DmarcSecurity.Cli.Hosting;
using DmarcSecurity.Cli.Tests.Infrastructure;
using DmarcSecurity.Data.Identity;

namespace DmarcSecurity.Cli.Tests;

public sealed class ConnectionTests(CliApi api) : IClassFixture<CliApi>
{
    [Fact]
    public async Task Without_an_api_key_the_tool_exits_2_and_says_how_to_give_one()
    {
        var run = await CliRun.RunAsync(["decisions", "list"], new Dictionary<string, string> { [CliHost.ApiVariable] = CliApi.Address }, api.Factory.Server.CreateHandler());

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            "dmarcsec: No API key: pass --api-key or set DMARCSEC_API_KEY. Create one on the API keys page of the web app or with POST /api/api-keys.",
            run.Error.Trim());
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task An_api_nobody_listens_on_exits_2_naming_the_address()
    {
        // A real connection (no test handler) to a port nothing listens on.
        var run = await CliRun.RunAsync(["--api", "http://127.0.0.1:9", "--api-key", api.AdminApiKey, "decisions", "list"], new Dictionary<string, string>(), handler: null);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dmarcsec: Cannot reach the Api at http://127.0.0.1:9/: ", line);
        Assert.EndsWith("Is it running, and is --api (or DMARCSEC_API) its address?", line);
    }

    [Fact]
    public async Task An_api_address_that_is_not_a_url_exits_2()
    {
        var run = await api.RunAsync("--api", "localhost:5080", "decisions", "list");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("dmarcsec: --api must be the Api's http or https address, such as http://127.0.0.1:5080/; 'localhost:5080' is not.", run.Error.Trim());
    }

    [Fact]
    public async Task A_key_the_api_does_not_know_exits_2_with_the_refusal()
    {
        var run = await api.RunAsync("--api-key", "dsk_not-a-key-of-this-api", "decisions", "list");

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("dmarcsec: The Api refused the API key (401 Unauthorized)", run.Error.Trim());
    }

    [Fact]
    public async Task A_viewer_key_uploading_reports_gets_one_line_saying_the_role_may_not()
    {
        var viewerKey = await api.CreateUserWithKeyAsync("viewer@cli-tests.example", UserRole.Viewer);

        var run = await api.RunAsync("--api-key", viewerKey, "ingest", Samples.Path("rfc7489-example.xml"));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dmarcsec: The API key may not do this (403 Forbidden)", line);
    }

    [Fact]
    public async Task The_api_key_never_appears_in_what_the_tool_prints()
    {
        var key = api.AdminApiKey;
        var wrongKey = key[..^4] + "zzzz";
        var runs = new List<CliRun>
        {
            await api.RunAsync("--api-key", key, "ingest", Samples.Path("hostile-xxe.xml"), Samples.Path("rfc7489-example.xml")),
            await api.RunAsync("--api-key", key, "ingest-ids", Samples.Path("hostile-eve.json")),
            await api.RunAsync("--api-key", key, "decisions", "list"),
            await api.RunAsync("--api-key", key, "decisions", "list", "--json"),
            await api.RunAsync("--api-key", key, "train"),
            await api.RunAsync("--api-key", key, "run", "--once", "--enforce"),
            await api.RunAsync("--api-key", key, "simulate", "--count", "2", "--seed", "5", "--ids"),
            await api.RunAsync("--api-key", wrongKey, "decisions", "list"),
            await CliRun.RunAsync(["--api", "http://127.0.0.1:9", "--api-key", key, "train"], new Dictionary<string, string>(), handler: null),
            await api.RunAsync("--api-key", key, "decisions", "list", "--bogus"),
        };

        Assert.All(runs, run =>
        {
            Assert.DoesNotContain(key, run.All);
            Assert.DoesNotContain(wrongKey, run.All);
        });
        Assert.Contains(runs, run => run.ExitCode == 0);
    }
}
