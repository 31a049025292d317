using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using DmarcSecurity.Api.ApiKeys;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Enforcement;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.ServiceDefaults.Health;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Auth;

internal static class AuthSetup
{
    /// <summary>Picks the API-key handler when the header is present, the bearer handler otherwise.</summary>
    private const string DefaultScheme = "BearerOrApiKey";

    private const string CorsPolicy = "configured-origins";

    public static WebApplicationBuilder AddAuth(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Resolved now so a missing or short key stops the process at start, naming the setting.
        services.AddSingleton(SigningKey.Resolve(builder.Configuration, builder.Environment));
        services.AddSingleton<TokenService>();
        services.AddSingleton<AuditWriter>();
        services.AddSingleton<IPasswordHasher<UserEntity>, PasswordHasher<UserEntity>>();
        services.AddSingleton<AuthService>();
        services.AddSingleton<UserService>();
        services.AddSingleton<ApiKeyService>();
        services.AddHostedService<BootstrapAdminService>();

        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, DefaultScheme, o => o.ForwardDefaultSelector = context =>
                // The bouncers' endpoints take bouncer keys only; there a user's key is never looked up.
                context.Request.Path.StartsWithSegments(BouncersApi.PathPrefix) ? BouncerAuthenticationHandler.SchemeName
                : context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) ? ApiKeyAuthenticationHandler.SchemeName
                : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        var development = builder.Environment.IsDevelopment();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenService>((o, tokens) =>
            {
                o.MapInboundClaims = false;
                // Outside Development a refused token gets a bare "Bearer" challenge: why it failed helps only a forger.
                o.IncludeErrorDetails = development;
                o.TokenValidationParameters = tokens.ValidationParameters();
                o.Events = new JwtBearerEvents { OnTokenValidated = RejectStaleTokensAsync };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.SignedIn, p => p.RequireAuthenticatedUser())
            .AddPolicy(Policies.Viewer, p => RequireRole(p, UserRole.Viewer))
            .AddPolicy(Policies.Analyst, p => RequireRole(p, UserRole.Analyst))
            .AddPolicy(Policies.Admin, p => RequireRole(p, UserRole.Admin));

        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(PartitionFor);
            o.OnRejected = RejectAsync;
        });

        var origins = builder.Configuration.GetSection($"{AuthOptions.SectionName}:{nameof(AuthOptions.CorsOrigins)}").Get<string[]>() ?? [];
        services.AddCors(o => o.AddPolicy(CorsPolicy, p =>
        {
            // No origins configured: the policy allows none, so browsers on other origins are refused.
            p.WithOrigins(origins).AllowAnyHeader().WithMethods("GET", "POST", "PUT", "DELETE");
        }));
        return builder;
    }

    public static WebApplication UseAuth(this WebApplication app)
    {
        app.UseWebHop();
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseMiddleware<AuditMiddleware>();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The role or a higher one, and no pending one-time password (such a user may only change it).</summary>
    private static void RequireRole(AuthorizationPolicyBuilder policy, UserRole minimum) => policy
        .RequireAuthenticatedUser()
        .RequireRole(Enum.GetValues<UserRole>().Where(r => r >= minimum).Select(r => r.ToString()))
        .RequireAssertion(context => !context.User.HasClaim(AuthClaims.MustChangePassword, "true"));

    /// <summary>A token whose user was disabled, or whose role or password changed since it was issued, is refused.</summary>
    private static async Task RejectStaleTokensAsync(TokenValidatedContext context)
    {
        var principal = context.Principal!;
        var contexts = context.HttpContext.RequestServices.GetRequiredService<IDbContextFactory<DmarcDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(context.HttpContext.RequestAborted);
        var id = principal.UserId();
        var stamp = principal.FindFirst(AuthClaims.SecurityStamp)?.Value;
        var current = await db.Users.Where(u => u.Id == id).Select(u => new { u.Disabled, u.SecurityStamp }).SingleOrDefaultAsync(context.HttpContext.RequestAborted);
        if (current is null || current.Disabled || current.SecurityStamp != stamp)
        {
            context.Fail("The token's user is disabled or its access changed since the token was issued.");
        }
    }

    /// <summary>Per user (all their API keys and sessions share one budget, so more keys buy no more requests), or per
    /// client address for anonymous requests; health probes are not limited.</summary>
    private static RateLimitPartition<string> PartitionFor(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments(HealthEndpoints.HealthPath) || path.StartsWithSegments(HealthEndpoints.AlivePath))
        {
            return RateLimitPartition.GetNoLimiter("health");
        }

        var options = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
        var user = context.User;
        var (key, permits) = path.StartsWithSegments(BouncersApi.PathPrefix)
            // Bouncers pull every few seconds with keys of 256 random bits: the signed-in budget, per bouncer.
            ? ($"bouncer:{user.FindFirstValue(BouncerAuthenticationHandler.BouncerIdClaim) ?? context.Connection.RemoteIpAddress?.ToString()}", options.PermitsPerMinute)
            : user.Identity?.IsAuthenticated == true ? ($"user:{user.UserId()}", options.PermitsPerMinute)
            : ($"ip:{context.Connection.RemoteIpAddress}", options.AnonymousPermitsPerMinute);
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var response = rejected.HttpContext.Response;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = rejected.HttpContext,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = "Slow down and retry after the time in Retry-After." },
        });
    }
}
