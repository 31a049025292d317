using DmarcSecurity.Web.Api;
using DmarcSecurity.Web.Components.Shared;

namespace DmarcSecurity.Web.Tests;

public sealed class LoginUrlTests
{
    [Theory]
    [InlineData("/reports?domain=a.example", "/reports?domain=a.example")]
    [InlineData("/", "/")]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/account/login", "/")]
    [InlineData("/reports?domain=bücher.example", "/reports?domain=b%C3%BCcher.example")]
    [InlineData("/domains/日本.example", "/domains/%E6%97%A5%E6%9C%AC.example")]
    [InlineData("/reports?domain=a b", "/reports?domain=a%20b")]
    [InlineData("/reports\r\nSet-Cookie: x=1", "/")]
    [InlineData("/😀", "/%F0%9F%98%80")]
    public void Only_local_pages_are_returned_to(string? requested, string expected) =>
        Assert.Equal(expected, LoginUrl.SafeReturn(requested));
}

public sealed class ApiPathTests
{
    [Fact]
    public void Empty_values_are_left_out_and_the_rest_escaped_invariantly()
    {
        var from = new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.FromHours(2));

        var path = ApiPath.For("/api/x", ("domain", "a b.example"), ("reporter", null), ("from", from), ("top", 10), ("blank", " "), ("flag", true));

        Assert.Equal("/api/x?domain=a%20b.example&from=2026-11-19T22%3A00%3A00.0000000Z&top=10&flag=true", path);
    }
}
