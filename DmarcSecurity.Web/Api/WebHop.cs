using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Web.Api;

/// <summary>The key the Web app shows the Api on every request (section <c>Auth</c>, shared with the Api), so the Api
/// may believe the client address the Web app names.</summary>
internal sealed class WebHopOptions
{
    public const string SectionName = "Auth";

    /// <summary><c>Auth__WebHopKey</c>: at least 32 characters; required outside Development.</summary>
    [MinLength(32, ErrorMessage = "Auth__WebHopKey must be at least 32 characters.")]
    public string? WebHopKey { get; set; }
}

/// <summary>
/// Every request to the Api (the signed-in user's calls, sign-in, refresh, sign-out, the upload proxy) carries
/// <c>X-Web-Hop-Key</c> and <c>X-Client-Address</c>: the address of the browser this Web app is serving, which the Api
/// uses for its limits and audit trail in place of the Web app's own. Without a key (allowed in Development only) neither
/// header is sent. The address comes from <see cref="ClientConnection"/> of the request or circuit being served.
/// </summary>
internal sealed class WebHopHandler(IOptions<WebHopOptions> options, IHttpContextAccessor httpContextAccessor) : DelegatingHandler
{
    public const string KeyHeader = "X-Web-Hop-Key";
    public const string AddressHeader = "X-Client-Address";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (options.Value.WebHopKey is { Length: > 0 } key)
        {
            request.Headers.Remove(KeyHeader);
            request.Headers.Remove(AddressHeader);
            request.Headers.Add(KeyHeader, key);
            if ((ClientConnection.Current ?? httpContextAccessor.HttpContext?.Connection.RemoteIpAddress) is { } address)
            {
                request.Headers.Add(AddressHeader, Session.SignInLimiter.Normalize(address).ToString());
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// The address of the browser being served. An HTTP request knows it (its connection, rewritten only for a known
/// proxy); an interactive circuit is told it by the page that started it (<c>App</c> passes it to <c>Routes</c>, whose
/// parameters the browser cannot change), and <see cref="ApiClient"/> makes it current around each call to the Api.
/// </summary>
internal sealed class ClientConnection
{
    private static readonly AsyncLocal<IPAddress?> s_current = new();

    /// <summary>The address for Api calls made in this flow of execution, when a circuit has set one.</summary>
    public static IPAddress? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    public IPAddress? Address { get; set; }
}
