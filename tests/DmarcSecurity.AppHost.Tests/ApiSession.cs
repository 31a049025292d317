using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

using DmarcSecurity.Testing;

namespace DmarcSecurity.AppHost.Tests;

/// <summary>The first Admin at the AppHost's Api: signs in with the printed one-time password, chooses a new password
/// (the Api allows nothing else first), signs in again and creates an Admin API key that the client then sends.</summary>
internal static class ApiSession
{
    public const string NewPassword = "apphost-e2e-passphrase";

    public static async Task<HttpClient> SignInAsync(Uri api, string email, string oneTimePassword)
    {
        using (var http = new HttpClient { BaseAddress = api })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LoginAsync(http, email, oneTimePassword));
            using var changed = await http.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = oneTimePassword, newPassword = NewPassword });
            Assert.True(changed.IsSuccessStatusCode, $"change-password: {changed.StatusCode} {await changed.Content.ReadAsStringAsync()}");
        }

        return await SignInWithPasswordAsync(api, email, NewPassword);
    }

    /// <summary>Signs in with a password of one's own and creates an Admin API key that the client then sends.</summary>
    public static async Task<HttpClient> SignInWithPasswordAsync(Uri api, string email, string password)
    {
        var http = new HttpClient { BaseAddress = api };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LoginAsync(http, email, password));
        using (var created = await http.PostAsJsonAsync("/api/api-keys", new { name = "apphost tests", role = "Admin" }))
        {
            Assert.True(created.IsSuccessStatusCode, $"api-keys: {created.StatusCode} {await created.Content.ReadAsStringAsync()}");
            http.DefaultRequestHeaders.Authorization = null;
            http.DefaultRequestHeaders.Add("X-Api-Key", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString());
        }

        return http;
    }

    private static async Task<string> LoginAsync(HttpClient http, string email, string password)
    {
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        Assert.True(login.IsSuccessStatusCode, $"login: {login.StatusCode} {await login.Content.ReadAsStringAsync()}");
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    /// <summary>Uploads files through <c>POST /api/ingest/files</c>, a few per request.</summary>
    public static async Task UploadAsync(HttpClient http, IEnumerable<(string Name, byte[] Content)> files, int perRequest = 10)
    {
        foreach (var batch in files.Chunk(perRequest))
        {
            using var form = new MultipartFormDataContent();
            foreach (var (name, content) in batch)
            {
                form.Add(new ByteArrayContent(content), "files", name);
            }

            using var response = await http.PostAsync("/api/ingest/files", form);
            Assert.True(response.IsSuccessStatusCode, $"ingest: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static async Task<JsonElement> GetAsync(HttpClient http, string path) => await http.GetFromJsonAsync<JsonElement>(path);

    /// <summary>Polls until <paramref name="ready"/> holds for the JSON at <paramref name="path"/>.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient http, string path, Func<JsonElement, bool> ready, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var json = await GetAsync(http, path);
            if (ready(json))
            {
                return json;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} did not reach the expected state within {timeout.TotalSeconds} s: {json}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A DMARC aggregate report dated yesterday with one record per (source, count, pass); failing mail rejected.</summary>
    public static byte[] Report(string domain, string reportId, IEnumerable<(string Ip, int Count, bool Pass)> records) =>
        AggregateReportXml.Build(domain, "receiver.example", reportId, 1, records.Select(r => (r.Ip, r.Count, r.Pass, r.Pass ? "none" : "reject")));
}
