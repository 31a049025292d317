using System.Collections.Concurrent;
using System.Net;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Web.Tests;

/// <summary>The hop from the Web app to the Api: the Web app names the browser's address to the Api with the shared
/// key, and refuses to run without that key outside Development.</summary>
public sealed class WebHopTests
{
    private const string Key = "web-hop-key-for-the-tests-0123456789abcdef";

    [Fact]
    public async Task Outside_Development_the_Web_app_refuses_to_start_without_the_hop_key()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunWebAsync(key: null));

        Assert.Contains("Auth__WebHopKey is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hop_key_shorter_than_32_characters_stops_the_Web_app_with_its_name()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RunWebAsync(key: "too-short"));

        Assert.Contains("Auth__WebHopKey must be at least 32 characters.", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The Api here is a listener that records what reaches it and refuses the sign-in, so the test sees the
    /// Web app's requests exactly as sent.</summary>
    [Fact]
    public async Task A_sign_in_reaches_the_Api_with_the_hop_key_and_the_browser_address()
    {
        var port = HostProcess.FreePort();
        using var api = new HttpListener();
        api.Prefixes.Add($"http://127.0.0.1:{port}/");
        api.Start();
        var seen = new ConcurrentQueue<(string Path, string? Key, string? Address)>();
        _ = Task.Run(async () =>
        {
            while (api.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await api.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                seen.Enqueue((context.Request.Url!.AbsolutePath, context.Request.Headers["X-Web-Hop-Key"], context.Request.Headers["X-Client-Address"]));
                context.Response.StatusCode = 401;
                context.Response.Close();
            }
        });
        using var web = await StartWebAsync(new Uri($"http://127.0.0.1:{port}"), Key);
        using var browser = new FormClient(web.BaseAddress, "127.0.0.2");

        var answer = await browser.SignInAsync("someone@e2e.example", "not-the-password-at-all");

        Assert.Contains("Wrong email or password, or the account is locked for a while after too many failed sign-ins.", answer.Body, StringComparison.Ordinal);
        var signIn = Assert.Single(seen);
        Assert.Equal(("/api/auth/login", Key, "127.0.0.2"), signIn);
    }

    private static Task<HostProcess> StartWebAsync(Uri api, string? key) =>
        HostProcess.StartAsync("web", HostProcess.ProjectDll("DmarcSecurity.Web"), Environment(api, key));

    /// <summary>Runs the Web app (in Production, as every test host) until it exits; throws with its output when it fails.</summary>
    private static Task RunWebAsync(string? key) =>
        HostProcess.RunAsync(HostProcess.ProjectDll("DmarcSecurity.Web"), Environment(new Uri("http://127.0.0.1:9"), key),
            ["--urls", $"http://127.0.0.1:{HostProcess.FreePort()}"], "").WaitAsync(TimeSpan.FromSeconds(60));

    private static Dictionary<string, string> Environment(Uri api, string? key)
    {
        var environment = new Dictionary<string, string> { ["services__api__http__0"] = api.ToString().TrimEnd('/') };
        if (key is not null)
        {
            environment["Auth__WebHopKey"] = key;
        }

        return environment;
    }
}
