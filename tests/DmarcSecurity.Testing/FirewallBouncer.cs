using System.Diagnostics;

namespace DmarcSecurity.Testing;

/// <summary>
/// Debian's crowdsec-firewall-bouncer in nftables mode, pulling from an Api every second with a bouncer key, in tables
/// of its own (removed on dispose). Needs root for nftables.
/// </summary>
public sealed class FirewallBouncer : IAsyncDisposable
{
    public const string Program = "/usr/bin/crowdsec-firewall-bouncer";
    private const string SetName = "dmarcsec-blacklists";
    private readonly string _table = $"dmarcsec_t{Guid.NewGuid():N}"[..20];
    private readonly string _folder = Directory.CreateTempSubdirectory("dmarcsec-bouncer-").FullName;
    private readonly Process _process;

    private FirewallBouncer(Uri api, string apiKey, Action<string>? log)
    {
        var config = Path.Combine(_folder, "bouncer.yaml");
        File.WriteAllText(config, $"""
            mode: nftables
            pid_dir: {_folder}/
            update_frequency: 1s
            daemonize: false
            log_mode: stdout
            log_level: info
            api_url: {api}
            api_key: {apiKey}
            insecure_skip_verify: false
            disable_ipv6: false
            deny_action: DROP
            deny_log: false
            supported_decisions_types:
              - ban
            blacklists_ipv4: {SetName}
            blacklists_ipv6: dmarcsec6-blacklists
            nftables:
              ipv4:
                enabled: true
                set-only: false
                table: {_table}
                chain: dmarcsec-chain
              ipv6:
                enabled: true
                set-only: false
                table: {_table}6
                chain: dmarcsec6-chain
            prometheus:
              enabled: false
              listen_addr: 127.0.0.1
              listen_port: 60601
            """);
        _process = Process.Start(new ProcessStartInfo(Program, ["-c", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        void Keep(string? line)
        {
            if (line is not null)
            {
                log?.Invoke($"[bouncer] {line}");
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the bouncer; fails with the reason when the program is missing or nftables cannot run here.</summary>
    public static async Task<FirewallBouncer> StartAsync(Uri api, string apiKey, Action<string>? log = null)
    {
        if (!File.Exists(Program))
        {
            throw new InvalidOperationException($"{Program} is missing: scripts/bouncer.sh installs Debian's crowdsec-firewall-bouncer.");
        }

        var (nftOk, nftOutput) = await NftAsync("list tables");
        return nftOk ? new FirewallBouncer(api, apiKey, log)
            : throw new InvalidOperationException($"nftables cannot run here (the bouncer needs it, as root): {nftOutput}");
    }

    /// <summary>The bouncer's IPv4 set as nft lists it; empty text until the bouncer made it.</summary>
    public async Task<string> SetAsync() => (await NftAsync($"list set ip {_table} {SetName}")).Output;

    /// <summary>Whether the bouncer has made its set yet.</summary>
    public async Task<bool> ReadyAsync() => (await NftAsync($"list set ip {_table} {SetName}")).Ok;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        await NftAsync($"delete table ip {_table}");
        await NftAsync($"delete table ip6 {_table}6");
        Directory.Delete(_folder, recursive: true);
    }

    public static async Task<(bool Ok, string Output)> NftAsync(string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("nft", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode == 0, await stdout + await stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, e.Message);
        }
    }
}
