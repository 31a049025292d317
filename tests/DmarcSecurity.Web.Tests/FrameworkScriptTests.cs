using System.Net;

namespace DmarcSecurity.Web.Tests;

/// <summary>Blazor's browser script is the SDK's own for .NET 10, served with the static assets.</summary>
[Collection(PlatformCollection.Name)]
public sealed class FrameworkScriptTests(Platform platform)
{
    [Fact]
    public async Task The_Web_app_serves_Blazors_own_script()
    {
        using var http = new HttpClient { BaseAddress = platform.Web.BaseAddress };
        foreach (var (name, value) in Platform.ProxyHeaders)
        {
            http.DefaultRequestHeaders.Add(name, value);
        }

        using var response = await http.GetAsync("/_framework/blazor.web.js");
        var script = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.True(script.Length > 100_000, $"only {script.Length} characters");
        Assert.Contains("_blazor", script, StringComparison.Ordinal);
    }
}
