using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Web.Session;

/// <summary>The Web app's own limit on sign-in attempts, section <c>SignIn</c>.</summary>
internal sealed class SignInOptions
{
    public const string SectionName = "SignIn";

    /// <summary>Sign-in attempts (right or wrong) one client address may make per minute: <c>SignIn__PermitsPerMinute</c>.</summary>
    [Range(1, 1_000_000, ErrorMessage = "SignIn__PermitsPerMinute must be between 1 and 1,000,000.")]
    public int PermitsPerMinute { get; set; } = 10;
}

/// <summary>
/// Sign-in attempts per client address, counted here before they reach the Api: the Api sees every UI sign-in arrive
/// from the Web app, so its own limit alone would let one client use up the sign-ins of everyone behind this app. The
/// address is the connection's (rewritten by the forwarded-headers middleware only for a known proxy), never a header
/// the client chose.
/// </summary>
internal sealed class SignInLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _limiter;

    public SignInLimiter(IOptions<SignInOptions> options)
    {
        var permits = options.Value.PermitsPerMinute;
        _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    /// <summary>Takes one attempt from <paramref name="address"/>'s allowance; false when it has none left this minute.</summary>
    public bool TryAcquire(IPAddress? address)
    {
        using var lease = _limiter.AttemptAcquire(Normalize(address));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>An IPv4 client on a dual-stack socket is the same client as on an IPv4 one.</summary>
    public static IPAddress Normalize(IPAddress? address) =>
        address is null ? IPAddress.None : address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
