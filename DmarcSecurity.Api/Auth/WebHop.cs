using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Auth;

/// <summary>The Web app signs in and calls the Api for its users, so all its requests come from the Web server's
/// address: one browser's failed sign-ins would spend every user's anonymous rate limit, and the audit trail would name
/// the Web server. With the key both sides share (<c>Auth__WebHopKey</c>), the Web app also says whose request it
/// forwards; the Api believes <c>X-Client-Address</c> from a caller that shows that key, and from no one else.</summary>
internal static partial class WebHop
{
    public const string KeyHeader = "X-Web-Hop-Key";
    public const string ClientAddressHeader = "X-Client-Address";

    public static IApplicationBuilder UseWebHop(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var key = options.WebHopKey is { } configured ? Encoding.UTF8.GetBytes(configured) : null;
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebHop));
        return app.Use((context, next) =>
        {
            var headers = context.Request.Headers;
            if (headers.TryGetValue(KeyHeader, out var shown))
            {
                var trusted = key is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(shown.ToString()), key);
                if (!trusted)
                {
                    LogUntrustedHop(logger, context.Connection.RemoteIpAddress?.ToString());
                }
                else if (IPAddress.TryParse(headers[ClientAddressHeader].ToString(), out var client))
                {
                    context.Connection.RemoteIpAddress = client;
                }
            }

            // Nothing downstream reads them; the key in particular must not reach a log or a handler.
            headers.Remove(KeyHeader);
            headers.Remove(ClientAddressHeader);
            return next(context);
        });
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning,
        Message = "A request from {Address} showed a Web hop key that is not the configured one; its client address was ignored")]
    private static partial void LogUntrustedHop(ILogger logger, string? address);
}
