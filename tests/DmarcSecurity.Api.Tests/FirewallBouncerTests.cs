using System.Diagnostics;
using System.Net.Http.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace DmarcSecurity.Api.Tests;

/// <summary>The real remediation component: Debian's crowdsec-firewall-bouncer in nftables mode, pointed at the Api
/// process, with a key declared in configuration. An enforced block lands in its nftables set; allowlisting the
/// address takes it out. The bouncer's table has a name of its own and is removed afterwards.</summary>
public sealed class FirewallBouncerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminEmail = "bouncer-admin@tests.example";
    private const string AdminPassword = "bouncer-admin-passphrase-42";
    private const string BouncerKey = "firewall-bouncer-key-for-tests-0123456789";
    private const string Address = "203.0.113.9";

    private string _database = "";
    private HostProcess? _api;
    private FirewallBouncer? _bouncer;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(FirewallBouncer.Program), $"{FirewallBouncer.Program} is missing: test.sh installs Debian's crowdsec-firewall-bouncer (scripts/bouncer.sh).");
        var (nftOk, nftOutput) = await FirewallBouncer.NftAsync("list tables");
        Assert.True(nftOk, $"nftables cannot run here (the bouncer needs it, as root): {nftOutput}");
        _database = await TestDatabases.CreateAsync(DbProvider.Sqlite);
        var environment = new Dictionary<string, string>
        {
            [$"ConnectionStrings__{ResourceNames.Database}"] = _database,
            ["Auth__SigningKey"] = ApiFixture.SigningKey,
            ["Enforcement__Bouncers__firewall__ApiKey"] = BouncerKey,
        };
        var dll = HostProcess.ProjectDll("DmarcSecurity.Api");
        await HostProcess.RunAsync(dll, environment, ["create-admin", "--email", AdminEmail], AdminPassword);
        _api = await HostProcess.StartAsync("api", dll, environment);
    }

    public async Task DisposeAsync()
    {
        if (_bouncer is not null)
        {
            await _bouncer.DisposeAsync();
        }

        _api?.Dispose();
        await TestDatabases.DropAsync(_database);
    }

    [Fact]
    public async Task An_enforced_block_reaches_the_bouncers_nftables_set_and_leaves_it_when_allowlisted()
    {
        _bouncer = await FirewallBouncer.StartAsync(_api!.BaseAddress, BouncerKey, output.WriteLine);
        await using (var db = Database())
        {
            var block = Seed.Decision(Address, action: "Block", reviewStatus: ReviewStatus.NotRequired, issuedAt: DateTimeOffset.UtcNow, severity: "Critical", score: 0.95);
            block.ExpiresAt = DateTimeOffset.UtcNow.AddHours(4);
            db.Decisions.Add(block);
            await db.SaveChangesAsync();
        }

        var decided = Stopwatch.StartNew();
        var blocked = await WaitForSetAsync(contains: true);
        var toBlock = decided.Elapsed;
        using var admin = await AdminAsync();
        using var allow = await admin.PostAsJsonAsync("/api/allowlist", new { network = Address, reason = "a partner's relay" });
        var lifted = Stopwatch.StartNew();
        var cleared = await WaitForSetAsync(contains: false);
        output.WriteLine($"decision to nftables set: {toBlock.TotalMilliseconds:N0} ms; allowlisting to removal: {lifted.Elapsed.TotalMilliseconds:N0} ms");

        Assert.True(blocked, $"{Address} never reached the set:\n{await SetAsync()}");
        Assert.True(allow.IsSuccessStatusCode, await allow.Content.ReadAsStringAsync());
        Assert.True(cleared, $"{Address} stayed in the set after allowlisting:\n{await SetAsync()}");
    }

    /// <summary>Polls the bouncer's set every 100 ms for up to 20 s (the bouncer pulls every second).</summary>
    private async Task<bool> WaitForSetAsync(bool contains)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if ((await SetAsync()).Contains(Address, StringComparison.Ordinal) == contains)
            {
                return true;
            }

            if (_bouncer!.HasExited)
            {
                Assert.Fail($"the bouncer exited with code {_bouncer.ExitCode}");
            }

            await Task.Delay(100);
        }

        return false;
    }

    private Task<string> SetAsync() => _bouncer!.SetAsync();

    private DmarcDbContext Database() =>
        new(new DbContextOptionsBuilder<DmarcDbContext>().UseSqlite(_database).Options);

    private async Task<HttpClient> AdminAsync()
    {
        var client = new HttpClient { BaseAddress = _api!.BaseAddress };
        using var login = await client.PostAsJsonAsync("/api/auth/login", new LoginRequest(AdminEmail, AdminPassword));
        client.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<TokenResponse>(Upload.Json))!.AccessToken);
        return client;
    }
}
