using System.Net;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Web.Tests;

/// <summary>Signed-in sessions outlive the Web app's process and are shared by its replicas: in a folder without Redis,
/// in Redis with it. Sign-out ends the session everywhere.</summary>
[Collection(PlatformCollection.Name)]
public sealed class SharedSessionTests(Platform platform)
{
    private const string Page = "/decisions";

    [Fact]
    public async Task Without_Redis_a_restarted_Web_app_keeps_everyone_signed_in_and_stores_no_token_in_clear()
    {
        var state = Directory.CreateTempSubdirectory("dmarc-web-state-").FullName;
        var settings = new Dictionary<string, string> { ["Web__StatePath"] = state };
        FormClient browser;
        using (var first = await platform.StartWebAsync(settings))
        {
            browser = new FormClient(first.BaseAddress, "127.0.0.7");
            Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(Platform.AnalystEmail, Platform.Password)).Status);
            Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, Page))).Status);
        }

        using var second = await platform.StartWebAsync(settings);
        using var again = browser.To(second.BaseAddress, "127.0.0.7");
        browser.Dispose();

        var page = await again.SendAsync(new HttpRequestMessage(HttpMethod.Get, Page));

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("<h1", page.Body, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(state, "keys"), "key-*.xml"));
        var session = Assert.Single(Directory.GetFiles(Path.Combine(state, "sessions")));
        var stored = await File.ReadAllTextAsync(session);
        Assert.DoesNotContain("accessToken", stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("refreshToken", stored, StringComparison.OrdinalIgnoreCase);
        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task With_Redis_replicas_share_sessions_and_a_sign_out_on_one_ends_it_on_the_other()
    {
        using var redis = RedisServer.Start(own: true);
        var settings = new Dictionary<string, string> { ["ConnectionStrings__cache"] = redis.ConnectionString };
        using var one = await platform.StartWebAsync(settings);
        using var two = await platform.StartWebAsync(settings);
        using var onOne = new FormClient(one.BaseAddress, "127.0.0.8");
        Assert.Equal(HttpStatusCode.Redirect, (await onOne.SignInAsync(Platform.ViewerEmail, Platform.Password)).Status);
        using var onTwo = onOne.To(two.BaseAddress, "127.0.0.8");

        Assert.Equal(HttpStatusCode.OK, (await onTwo.SendAsync(new HttpRequestMessage(HttpMethod.Get, Page))).Status);

        var home = await onOne.SendAsync(new HttpRequestMessage(HttpMethod.Get, Page));
        var signOut = await onOne.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/account/logout")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = FormClient.FormToken(home.Body) }),
        });
        Assert.Equal(HttpStatusCode.Redirect, signOut.Status);
        var after = await onTwo.SendAsync(new HttpRequestMessage(HttpMethod.Get, Page));
        Assert.Equal(HttpStatusCode.Redirect, after.Status);
        Assert.Contains("/account/login", after.Location, StringComparison.Ordinal);
    }
}
