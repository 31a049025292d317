using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Data.Database;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Enforcement;

/// <summary>Authenticates a firewall bouncer by the key it sends in <c>X-Api-Key</c>, as remediation components do.
/// Bouncer keys and users' API keys are separate: neither opens the other's endpoints.</summary>
public sealed class BouncerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<DmarcDbContext> contexts)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bouncer";
    public const string BouncerIdClaim = "bouncer_id";
    public const string BouncerNameClaim = "bouncer_name";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString();
        if (presented.Length is 0 or > 200)
        {
            return AuthenticateResult.NoResult();
        }

        var hash = TokenService.Hash(presented);
        await using var db = await contexts.CreateDbContextAsync(Context.RequestAborted);
        var bouncer = await db.Bouncers.Where(b => b.KeyHash == hash && b.RevokedAt == null)
            .Select(b => new { b.Id, b.Name }).SingleOrDefaultAsync(Context.RequestAborted);
        if (bouncer is null)
        {
            return AuthenticateResult.Fail("Unknown or revoked bouncer key.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(BouncerIdClaim, bouncer.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(BouncerNameClaim, bouncer.Name),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
