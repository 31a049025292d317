using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using DmarcSecurity.Testing;
using DmarcSecurity.Testing.Enrichment;
using Microsoft.Playwright;

namespace DmarcSecurity.Web.Tests;

/// <summary>
/// The whole platform for end-to-end tests: a fresh PostgreSQL database, the Api, a silo and the Web app as real
/// processes on loopback ports, three users (Admin, Analyst, Viewer), a first batch of reports uploaded through the Api
/// and turned into alerts and decisions by the silo, and Debian's Chromium driven by Playwright.
/// The silo scores without history and anomaly, with a reputation list naming the hostile sender, so its first offence
/// lands in the analyst review queue: (pattern 1.0 × 0.30 + context 0.6 × 0.25 + reputation 1.0 × 0.30) ÷ 0.85 = 0.88,
/// high, rather than needing weeks of history.
/// </summary>
public sealed class Platform : IAsyncLifetime
{
    public const string Password = "e2e-passphrase-2026";
    public const string AdminEmail = "admin@e2e.example";
    public const string AnalystEmail = "analyst@e2e.example";
    public const string ViewerEmail = "viewer@e2e.example";

    /// <summary>The Web app's sign-in attempts per client address and minute: more than the browser tests make in a
    /// minute from 127.0.0.1, few enough for a test to use them up from another address.</summary>
    public const int SignInPermitsPerMinute = 20;

    /// <summary>What the TLS-ending proxy in front of the Web app adds to every request: outside Development the Web app
    /// sets Secure cookies and checks antiforgery tokens over HTTPS only. Loopback is a known proxy by default.</summary>
    public static readonly Dictionary<string, string> ProxyHeaders = new() { ["X-Forwarded-Proto"] = "https" };

    /// <summary>The Api's upload limit: above every file the tests upload, small enough to exceed on purpose.</summary>
    public const int MaxUploadBytes = 4 * 1024 * 1024;

    private readonly List<HostProcess> _hosts = [];
    private string _webHopKey = "";
    private string _connectionString = "";
    private string _workDirectory = "";
    private IPlaywright? _playwright;
    private TlsProxy? _proxy;
    private Dnsmasq? _dns;

    public HostProcess Api { get; private set; } = default!;

    public HostProcess Web { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>The Web app's address for the browser: through the TLS-ending proxy, as deployed.</summary>
    public string BrowserAddress => $"https://localhost:{_proxy!.Port}/";

    /// <summary>A browser context of the Web app as deployed: HTTPS through the proxy, whose certificate it accepts.</summary>
    public BrowserNewContextOptions ContextOptions(int width = 1280, int height = 720) => new()
    {
        BaseURL = BrowserAddress,
        IgnoreHTTPSErrors = true,
        ViewportSize = new ViewportSize { Width = width, Height = height },
    };

    /// <summary>The notification channel's receiver: what the Api delivered to it.</summary>
    public HttpReceiver Chat { get; private set; } = default!;

    /// <summary>The Api's watched folder <c>drop</c>, read hourly (and when its job is run now).</summary>
    public string DropFolder { get; private set; } = "";

    /// <summary>An HttpClient signed in to the Api as the Admin.</summary>
    public HttpClient AdminApi { get; private set; } = default!;

    /// <summary>Where screenshots go: test output, not committed (TestResults/ at the repository root).</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        _workDirectory = Directory.CreateTempSubdirectory("dmarc-e2e-").FullName;
        DropFolder = Directory.CreateDirectory(Path.Combine(_workDirectory, "drop")).FullName;
        var reputation = Path.Combine(_workDirectory, "reputation.csv");
        await File.WriteAllTextAsync(reputation, $"network,score,source\n{Reports.SeededHostile}/32,1.0,e2e-blocklist\n{Reports.UploadedHostile}/32,1.0,e2e-blocklist\n");
        _connectionString = await TestDatabases.CreateAsync(DbProvider.PostgreSql);
        var webHopKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(33));
        Chat = await HttpReceiver.StartAsync();

        var enrichment = await StartEnrichmentAsync();

        var apiEnvironment = new Dictionary<string, string>(enrichment)
        {
            ["ConnectionStrings__dmarcdb"] = _connectionString,
            ["Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(66)),
            ["Auth__WebHopKey"] = webHopKey,
            ["Ingestion__MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Auth__PermitsPerMinute"] = "100000",
            ["Auth__AnonymousPermitsPerMinute"] = "100000",
            // The shortest lifetime the Api allows, within the Web app's one-minute refresh margin: every page the tests
            // open refreshes its session's tokens first, so the refresh and rotation path runs under every test.
            ["Auth__AccessTokenLifetime"] = "00:01:00",
            // A Slack channel for high alerts, received by a real HTTP server of the tests'.
            ["Notifications__Channels__soc__Kind"] = "Slack",
            ["Notifications__Channels__soc__Url"] = Chat.Url.ToString(),
            ["Notifications__PublicBaseUrl"] = "https://dmarc.example/",
            // A watched folder read hourly: its reader is a job the jobs page runs now.
            ["Ingestion__Folders__drop__Path"] = DropFolder,
            ["Ingestion__Folders__drop__PollInterval"] = "01:00:00",
            ["Ingestion__Folders__drop__SettleTime"] = "00:00:00",
        };
        var apiDll = HostProcess.ProjectDll("DmarcSecurity.Api");
        await HostProcess.RunAsync(apiDll, apiEnvironment, ["create-admin", "--email", AdminEmail], Password);
        Api = Start(await HostProcess.StartAsync("api", apiDll, apiEnvironment));
        Start(await HostProcess.StartAsync("silo", HostProcess.ProjectDll("DmarcSecurity.Grains"), new Dictionary<string, string>
        {
            ["ConnectionStrings__dmarcdb"] = _connectionString,
            ["Threat__ReputationCsvPath"] = reputation,
            ["Threat__ReputationWeight"] = "0.3",
            ["Threat__HistoryWeight"] = "0",
            ["Threat__AnomalyWeight"] = "0",
            // Orleans ports of its own, so it never meets another silo on this machine's default ports.
            ["Orleans__Endpoints__SiloPort"] = HostProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Endpoints__GatewayPort"] = HostProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));
        _webHopKey = webHopKey;
        Web = Start(await StartWebAsync(new Dictionary<string, string> { ["Web__StatePath"] = Path.Combine(_workDirectory, "web") }));
        _proxy = new TlsProxy(Web.BaseAddress);

        AdminApi = await AdminClientAsync();
        await CreateUserAsync(AnalystEmail, "Analyst");
        await CreateUserAsync(ViewerEmail, "Viewer");
        await SeedAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        _proxy?.Dispose();
        _dns?.Dispose();
        AdminApi?.Dispose();
        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        if (Chat is not null)
        {
            await Chat.DisposeAsync();
        }

        await TestDatabases.DropAsync(_connectionString);
        Directory.Delete(_workDirectory, recursive: true);
    }

    /// <summary>Who the seeded senders are: a City and an ASN database written for the run, and a dnsmasq serving their
    /// PTR records, so the pages show real identities (and the hostile sender's none-too-friendly host name).</summary>
    private async Task<Dictionary<string, string>> StartEnrichmentAsync()
    {
        var city = Path.Combine(_workDirectory, "GeoLite2-City.mmdb");
        var asn = Path.Combine(_workDirectory, "GeoLite2-ASN.mmdb");
        static MmdbNetwork City(string network, string country, string name) => new(network, new Dictionary<string, object>
        {
            ["country"] = new Dictionary<string, object> { ["iso_code"] = country },
            ["city"] = new Dictionary<string, object> { ["names"] = new Dictionary<string, object> { ["en"] = name } },
        });
        static MmdbNetwork Network(string network, int number, string organisation) => new(network, new Dictionary<string, object>
        {
            ["autonomous_system_number"] = number, ["autonomous_system_organization"] = organisation,
        });
        await Mmdb.WriteAsync(city, "GeoLite2-City", 6,
            [City($"{Reports.KnownSender}/32", "US", "Mountain View"), City("192.0.2.10/32", "US", "Denver"), City($"{Reports.SeededHostile}/32", "RU", "Moscow"),
             City($"{Reports.UploadedHostile}/32", "NL", "Amsterdam")]);
        await Mmdb.WriteAsync(asn, "GeoLite2-ASN", 4,
            [Network($"{Reports.KnownSender}/32", 15169, "GOOGLE"), Network("192.0.2.10/32", 11377, "SENDGRID"),
             Network($"{Reports.SeededHostile}/32", 64511, "BULLETPROOF-HOSTING"), Network($"{Reports.UploadedHostile}/32", 64512, "EXAMPLE-VPS")]);
        _dns = await Dnsmasq.StartAsync(new Dictionary<string, string>
        {
            [Reports.KnownSender] = "mail-wr1-f54.google.com",
            ["192.0.2.10"] = "o1.ptr4613.sendgrid.net",
            [Reports.SeededHostile] = "198-51-100-66.static.bulk-sender.example",
        }, localZones: [Reports.SeedDomain], configuration:
        [
            // What the seed domain publishes, for its DNS posture: DMARC reporting to a service that accepts it, SPF with
            // an include, TLS-RPT, and an MTA-STS record whose policy host has no address.
            $"txt-record=_dmarc.{Reports.SeedDomain},\"v=DMARC1; p=reject; rua=mailto:dmarc@{Reports.SeedDomain},mailto:agg@reports.example.net\"",
            $"txt-record={Reports.SeedDomain}._report._dmarc.reports.example.net,\"v=DMARC1\"",
            $"txt-record={Reports.SeedDomain},\"v=spf1 ip4:{Reports.KnownSender} include:_spf.{Reports.SeedDomain} -all\"",
            $"txt-record=_spf.{Reports.SeedDomain},\"v=spf1 ip4:192.0.2.10 ?all\"",
            $"txt-record=_smtp._tls.{Reports.SeedDomain},\"v=TLSRPTv1; rua=mailto:tls@{Reports.SeedDomain}\"",
            $"txt-record=_mta-sts.{Reports.SeedDomain},\"v=STSv1; id=20261207\"",
        ]);
        return new Dictionary<string, string>
        {
            ["Enrichment__GeoIp__CityDatabase"] = city,
            ["Enrichment__GeoIp__AsnDatabase"] = asn,
            ["Enrichment__Dns__Servers"] = _dns.Server,
            ["Enrichment__Dns__Timeout"] = "00:00:00.500",
        };
    }

    /// <summary>A new browser page at <paramref name="width"/>×<paramref name="height"/>, signed in as <paramref name="email"/>.</summary>
    public async Task<IPage> SignInAsync(string email, int width = 1280, int height = 720)
    {
        var context = await Browser.NewContextAsync(ContextOptions(width, height));
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await SubmitSignInAsync(page, email);
        await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));
        await WaitForInteractiveAsync(page);
        return page;
    }

    public static async Task SubmitSignInAsync(IPage page, string email)
    {
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("button[type=submit]");
    }

    /// <summary>Clicks <paramref name="button"/> until <paramref name="appears"/> shows: a click on a freshly loaded page
    /// can land on the prerendered markup before the page's circuit has connected (over TLS that takes a moment).</summary>
    public static async Task ClickUntilAsync(ILocator button, ILocator appears)
    {
        for (var attempt = 0; ; attempt++)
        {
            await button.ClickAsync();
            try
            {
                await appears.WaitForAsync(new LocatorWaitForOptions { Timeout = 2_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 10)
            {
            }
        }
    }

    /// <summary>Waits until the page's circuit has rendered it (the layout says so), so clicks reach the server and the
    /// elements found are the interactive ones, not prerendered markup about to be replaced.</summary>
    public static Task WaitForInteractiveAsync(IPage page) =>
        page.WaitForFunctionAsync("() => document.querySelector('.rz-layout[data-interactive=true]') !== null");

    /// <summary>Polls the Api until <paramref name="ready"/> holds for the JSON at <paramref name="path"/> (the silo works
    /// asynchronously).</summary>
    public async Task<JsonElement> WaitForApiAsync(string path, Func<JsonElement, bool> ready, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var json = await AdminApi.GetFromJsonAsync<JsonElement>(path);
            if (ready(json))
            {
                return json;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} did not reach the expected state: {json}");
            }

            await Task.Delay(250);
        }
    }

    private HostProcess Start(HostProcess host)
    {
        _hosts.Add(host);
        return host;
    }

    /// <summary>The Admin's client sends an API key: the tests outlive the one-minute access tokens.</summary>
    private async Task<HttpClient> AdminClientAsync()
    {
        var http = new HttpClient { BaseAddress = Api.BaseAddress };
        using (var login = await http.PostAsJsonAsync("/api/auth/login", new { email = AdminEmail, password = Password }))
        {
            login.EnsureSuccessStatusCode();
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using (var created = await http.PostAsJsonAsync("/api/api-keys", new { name = "end-to-end tests", role = "Admin" }))
        {
            created.EnsureSuccessStatusCode();
            http.DefaultRequestHeaders.Authorization = null;
            http.DefaultRequestHeaders.Add("X-Api-Key", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString());
        }

        return http;
    }

    private async Task CreateUserAsync(string email, string role)
    {
        using var created = await AdminApi.PostAsJsonAsync("/api/users", new { email, displayName = role + " user", role, password = Password });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    /// <summary>The first reports, uploaded through the Api: the silo turns them into alerts and a pending decision.</summary>
    /// <summary>Another Web app process in front of this platform's Api, with <paramref name="settings"/> on top: a
    /// replica, or the Web app restarted. The caller stops it.</summary>
    public Task<HostProcess> StartWebAsync(IReadOnlyDictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["services__api__http__0"] = Api.BaseAddress.ToString().TrimEnd('/'),
            ["SignIn__PermitsPerMinute"] = SignInPermitsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Auth__WebHopKey"] = _webHopKey,
        };
        return HostProcess.StartAsync("web", HostProcess.ProjectDll("DmarcSecurity.Web"), environment);
    }

    /// <summary>Adds <paramref name="each"/> approved decisions with strong evidence and as many dismissed ones with weak
    /// evidence, issued and expired weeks ago, for the learned-severity model to train on.</summary>
    public async Task SeedVerdictsAsync(int each)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var issued = DateTimeOffset.UtcNow.AddDays(-20);
        for (var i = 0; i < 2 * each; i++)
        {
            var approved = i % 2 == 0;
            var pattern = approved ? 0.7 + (0.01 * i) : 0.05 + (0.01 * i);
            var breakdown = string.Create(System.Globalization.CultureInfo.InvariantCulture, $$$"""
                {"pattern":{"value":{{{pattern}}},"weight":0.3,"contribution":{{{0.3 * pattern}}},"inputs":{"failRatio":{{{pattern}}},"volume":1}},
                 "context":{"value":0.5,"weight":0.25,"contribution":0.125,"inputs":{}},"history":{"value":0,"weight":0.2,"contribution":0,"inputs":{}},
                 "reputation":{"value":0,"weight":0.15,"contribution":0,"inputs":{}},"anomaly":{"value":0,"weight":0.1,"contribution":0,"inputs":{}} }
                """);
            await using var insert = new Npgsql.NpgsqlCommand("""
                INSERT INTO decisions (id, ip, scope, cidr, action, severity, score, breakdown, ttl_seconds, issued_at, expires_at, origin, reason,
                    simulated, suppressed_by_allowlist, repeat_offences, review_status, reviewed_by, reviewed_at)
                VALUES (@id, @ip, 'Ip', @ip || '/32', 'Review', 'High', @score, @breakdown, 86400, @issued, @issued + interval '1 day', 'dmarc',
                    'Seeded verdict.', false, false, 0, @review, 'earlier@e2e.example', @issued + interval '1 hour')
                """, connection);
            insert.Parameters.AddWithValue("id", Guid.NewGuid());
            insert.Parameters.AddWithValue("ip", $"198.18.7.{i + 1}");
            insert.Parameters.AddWithValue("score", (0.3 * pattern) + 0.125);
            insert.Parameters.AddWithValue("breakdown", breakdown);
            insert.Parameters.AddWithValue("issued", issued);
            insert.Parameters.AddWithValue("review", approved ? "Approved" : "Dismissed");
            await insert.ExecuteNonQueryAsync();
        }
    }

    private async Task SeedAsync()
    {
        using var form = new MultipartFormDataContent();
        foreach (var (name, content) in Reports.Seed())
        {
            form.Add(new ByteArrayContent(content), "files", name);
        }

        using var response = await AdminApi.PostAsync("/api/ingest/files", form);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await WaitForApiAsync($"/api/decisions?ip={Reports.SeededHostile}", json => json.GetProperty("items").GetArrayLength() > 0);
        await WaitForApiAsync("/api/alerts", json => json.GetProperty("items").GetArrayLength() > 0);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DmarcSecurity.sln")))
            {
                return dir.FullName;
            }
        }

        return Path.GetTempPath();
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<Platform>
{
    public const string Name = "platform";
}
