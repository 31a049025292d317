using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace DmarcSecurity.Benchmarks;

/// <summary>The Api for benchmarks: an Admin made with the Api's own create-admin command, a fresh signing key, and
/// rate limits out of the way.</summary>
internal static class ApiHost
{
    public const string Email = "bench@bench.example";
    public const string Password = "benchmark-passphrase-1";

    /// <summary>The key the Web app and the Api share, so the Api believes the browser addresses the Web app names.</summary>
    public const string WebHopKey = "benchmark-web-hop-key-0123456789abcdef-0123456789";

    public static async Task<HostProcess> StartAsync(string apiDll, string connectionString, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__dmarcdb"] = connectionString,
            ["Auth__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(66)),
            ["Auth__PermitsPerMinute"] = "1000000",
            ["Auth__WebHopKey"] = WebHopKey,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        await HostProcess.RunAsync(apiDll, environment, ["create-admin", "--email", Email], Password);
        return await HostProcess.StartAsync("api", apiDll, environment);
    }

    /// <summary>A client that sends an Analyst API key made by the benchmark's Admin.</summary>
    public static async Task<HttpClient> CreateAnalystClientAsync(HostProcess api)
    {
        var http = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email = Email, password = Password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await http.PostAsJsonAsync("/api/api-keys", new { name = "benchmark", role = "Analyst" });
        created.EnsureSuccessStatusCode();
        var key = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString();
        http.DefaultRequestHeaders.Authorization = null;
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }
}
