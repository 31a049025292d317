using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace DmarcSecurity.Benchmarks;

/// <summary>
/// The dashboard's first render, server-side, with 1,000,000 records stored on PostgreSQL: 1,000 reports of 1,000
/// records over the last 90 days and 20 domains, uploaded through the real Api; then the real Web app, signed in
/// through its form, is asked for the dashboard (prerendered with every card's data, so the response is complete only
/// when all eight charts' figures are in it) for several periods and a domain, five times each after one warm-up.
/// Needs DMARC_TEST_POSTGRES, DMARC_API_DLL and DMARC_WEB_DLL; bench/run.sh sets them.
/// </summary>
public static partial class DashboardBenchmark
{
    private const int Reports = 1_000;
    private const int RecordsPerReport = 1_000;
    private const int Runs = 5;

    public static async Task RunAsync(TextWriter output)
    {
        var admin = Environment.GetEnvironmentVariable("DMARC_TEST_POSTGRES") ?? throw new InvalidOperationException("DMARC_TEST_POSTGRES is not set: run bench/run.sh.");
        var apiDll = Environment.GetEnvironmentVariable("DMARC_API_DLL") ?? throw new InvalidOperationException("DMARC_API_DLL is not set: run bench/run.sh.");
        var webDll = Environment.GetEnvironmentVariable("DMARC_WEB_DLL") ?? throw new InvalidOperationException("DMARC_WEB_DLL is not set: run bench/run.sh.");

        output.WriteLine();
        output.WriteLine($"== dashboard: first render with {Reports * RecordsPerReport:N0} records on PostgreSQL ==");
        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        var files = new byte[Reports][];
        Parallel.For(0, Reports, i => files[i] = IngestBenchmark.Gzip(ReportGenerator.Generate(
            RecordsPerReport, seed: i, domain: $"bench{i % 20}.example", org: (i % 4) switch { 0 => "google.com", 1 => "Yahoo! Inc.", 2 => "Mail.Ru", _ => "Enterprise Outlook" },
            day: today.AddDays(-(i % 90) - 1))));

        var connectionString = await BenchDatabase.CreateAsync(admin, "dashboard");
        var redis = Environment.GetEnvironmentVariable("DMARC_TEST_REDIS");
        using var api = await ApiHost.StartAsync(apiDll, connectionString,
            redis is null ? null : new Dictionary<string, string> { ["ConnectionStrings__cache"] = redis });
        using (var http = await ApiHost.CreateAnalystClientAsync(api))
        {
            var loading = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, Reports / 10), new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (batch, ct) =>
                await IngestBenchmark.PostAsync(http, Enumerable.Range(batch * 10, 10).Select(i => ($"r{i}.xml.gz", files[i])).ToArray(), ct));
            output.WriteLine($"stored {Reports * RecordsPerReport:N0} records in {loading.Elapsed.TotalSeconds:F0} s (not timed)");
            await ApiAnswersAsync(output, http, today, redis);
        }

        using var web = await HostProcess.StartAsync("web", webDll, new Dictionary<string, string>
        {
            ["services__api__http__0"] = api.BaseAddress.ToString().TrimEnd('/'),
            ["Auth__WebHopKey"] = ApiHost.WebHopKey,
            ["Web__StatePath"] = Directory.CreateTempSubdirectory("dmarc-bench-web-").FullName,
        });
        using var browser = await SignInAsync(web.BaseAddress);
        output.WriteLine("Web app renders (the Api's answers cached after the first):");
        foreach (var (label, path) in new[]
        {
            ("last 30 days, all domains (the default)", "/"),
            ("last 90 days, all domains", "/?period=90"),
            ("all time, all domains", "/?period=0"),
            ("last 90 days, one domain", "/?period=90&domain=bench3.example"),
        })
        {
            await RenderAsync(browser, path);
            var times = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                var clock = Stopwatch.StartNew();
                var html = await RenderAsync(browser, path);
                times.Add(clock.Elapsed.TotalMilliseconds);
                if (!html.Contains("data-card=\"compliance\"", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{path} rendered without its charts.");
                }
            }

            times.Sort();
            output.WriteLine($"{label,-42} median {times[Runs / 2],6:F0} ms   max {times[^1],6:F0} ms   ({Runs} renders)");
        }
    }

    /// <summary>The Api's dashboard answer for the default view (the last 30 days, all domains): uncached (each sample
    /// another key: top 21, 22, ...) and cached (the same key again).</summary>
    private static async Task ApiAnswersAsync(TextWriter output, HttpClient http, DateTimeOffset today, string? redis)
    {
        var from = today.AddDays(-30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        async Task<double> TimeAsync(int top)
        {
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync($"/api/stats/dashboard?from={from}&top={top}");
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            return clock.Elapsed.TotalMilliseconds;
        }

        var uncached = new List<double>();
        for (var run = 0; run < Runs; run++)
        {
            uncached.Add(await TimeAsync(21 + run));
        }

        await TimeAsync(20);
        var cached = new List<double>();
        for (var run = 0; run < Runs * 4; run++)
        {
            cached.Add(await TimeAsync(20));
        }

        uncached.Sort();
        cached.Sort();
        output.WriteLine($"Api /api/stats/dashboard, last 30 days ({(redis is null ? "no Redis: memory cache" : "Redis as the shared layer")}): " +
                         $"first (uncached) median {uncached[Runs / 2]:F0} ms, max {uncached[^1]:F0} ms ({Runs}); " +
                         $"repeated (cached) median {cached[cached.Count / 2]:F1} ms, max {cached[^1]:F1} ms ({cached.Count})");
    }

    private static async Task<string> RenderAsync(HttpClient browser, string path)
    {
        using var response = await browser.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Signs in through the Web app's own form, as a browser behind the TLS-ending proxy would (the Web app's
    /// cookies are Secure outside Development, so they are kept by hand and the proxy's header is sent).</summary>
    private static async Task<HttpClient> SignInAsync(Uri web)
    {
        var browser = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = web,
            Timeout = TimeSpan.FromMinutes(2),
        };
        browser.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        void Keep(HttpResponseMessage response)
        {
            foreach (var line in response.Headers.TryGetValues("Set-Cookie", out var lines) ? lines : [])
            {
                var pair = line.Split(';', 2)[0].Split('=', 2);
                cookies[pair[0]] = pair[1];
            }

            browser.DefaultRequestHeaders.Remove("Cookie");
            browser.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        using var page = await browser.GetAsync("/account/login");
        Keep(page);
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        using var response = await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.Email"] = ApiHost.Email,
            ["Input.Password"] = ApiHost.Password,
        }));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"sign-in answered {(int)response.StatusCode}");
        }

        Keep(response);
        return browser;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
