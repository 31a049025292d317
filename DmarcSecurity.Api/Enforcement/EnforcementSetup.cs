using Microsoft.AspNetCore.Authentication;

namespace DmarcSecurity.Api.Enforcement;

internal static class EnforcementSetup
{
    public static WebApplicationBuilder AddEnforcement(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EnforcementOptions>()
            .BindConfiguration(EnforcementOptions.SectionName)
            .Validate(o => o.Bouncers.All(b => b.Value.ApiKey is { Length: >= EnforcementOptions.MinimumKeyLength }),
                $"Every Enforcement__Bouncers__<name>__ApiKey must be at least {EnforcementOptions.MinimumKeyLength} characters.")
            .Validate(o => o.Bouncers.Keys.All(name => Common.TextField.CheckName(name) is null),
                "Enforcement__Bouncers__<name>: a bouncer's name is 1-100 characters without control characters.")
            .ValidateOnStart();
        builder.Services.AddSingleton<DecisionStream>();
        builder.Services.AddSingleton<BouncerService>();
        builder.Services.AddHostedService<ConfiguredBouncersService>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BouncerAuthenticationHandler>(BouncerAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(Auth.Policies.Bouncer, p => p
            .AddAuthenticationSchemes(BouncerAuthenticationHandler.SchemeName)
            .RequireClaim(BouncerAuthenticationHandler.BouncerIdClaim));
        return builder;
    }
}
