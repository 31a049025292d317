using System.Net;
using System.Text.RegularExpressions;
using DmarcSecurity.Testing;

namespace DmarcSecurity.Web.Tests;

/// <summary>
/// The Web app's sign-in form driven over HTTP from a chosen loopback address (127.0.0.2, 127.0.0.3, ...), so a test can
/// be several clients at once: every connection is bound to that address before it connects. Cookies are kept by hand,
/// because the Web app marks them Secure and a cookie container would not send those back over plain HTTP.
/// </summary>
internal sealed partial class FormClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public FormClient(Uri web, string localAddress, bool throughProxy = true)
    {
        var handler = LoopbackClient.HandlerFrom(localAddress);
        handler.UseCookies = false;
        handler.AllowAutoRedirect = false;
        _http = new HttpClient(handler) { BaseAddress = web };
        foreach (var (name, value) in throughProxy ? Platform.ProxyHeaders : [])
        {
            _http.DefaultRequestHeaders.Add(name, value);
        }
    }

    /// <summary>The cookies the Web app set, as the Set-Cookie lines it sent (name → whole line).</summary>
    public Dictionary<string, string> SetCookies { get; } = new(StringComparer.Ordinal);

    public bool HasCookie(string name) => _cookies.ContainsKey(name);

    /// <summary>The same browser (its cookies) talking to another Web app: a replica, or the same app restarted.</summary>
    public FormClient To(Uri web, string localAddress)
    {
        var other = new FormClient(web, localAddress);
        foreach (var (name, value) in _cookies)
        {
            other._cookies[name] = value;
        }

        return other;
    }

    /// <summary>Opens the sign-in page and submits its form; the answer is not followed if it redirects.</summary>
    public async Task<Answer> SignInAsync(string email, string password, string? returnUrl = null)
    {
        var path = returnUrl is null ? "/account/login" : "/account/login?returnUrl=" + Uri.EscapeDataString(returnUrl);
        var page = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
        Assert.True(page.Status == HttpStatusCode.OK, $"GET {path} answered {(int)page.Status}: {page.Body}");
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = FormToken(page.Body),
                ["Input.Email"] = email,
                ["Input.Password"] = password,
            }),
        });
    }

    public async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            if (_cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
            }

            using var response = await _http.SendAsync(request);
            if (response.Headers.TryGetValues("Set-Cookie", out var lines))
            {
                foreach (var line in lines)
                {
                    var pair = line.Split(';', 2)[0];
                    var name = pair.Split('=', 2)[0];
                    var value = pair.Split('=', 2)[1];
                    SetCookies[name] = line;
                    if (value.Length == 0 || line.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                    {
                        _cookies.Remove(name);
                    }
                    else
                    {
                        _cookies[name] = value;
                    }
                }
            }

            return new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Location?.OriginalString,
                response.Headers.RetryAfter?.ToString());
        }
    }

    /// <summary>The antiforgery token of the first form on a page.</summary>
    public static string FormToken(string html) =>
        TokenPattern().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("The page has no antiforgery token: " + html);

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public sealed record Answer(HttpStatusCode Status, string Body, string? Location, string? RetryAfter);
}
