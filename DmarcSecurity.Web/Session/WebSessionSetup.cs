using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.ServiceDefaults.Health;
using DmarcSecurity.Web.Api;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace DmarcSecurity.Web.Session;

internal static class WebSessionSetup
{
    /// <summary>The Api's address, as Aspire injects it: <c>services__api__http__0</c>.</summary>
    public static Uri ApiAddress(IConfiguration configuration) =>
        configuration[$"services:{ResourceNames.Api}:http:0"] is { Length: > 0 } value
            ? new Uri(value)
            : throw new InvalidOperationException(
                $"The Api's address is not configured: set services__{ResourceNames.Api}__http__0 (for example http://127.0.0.1:5080).");

    /// <summary>The Api by its service name; service discovery resolves it from <c>services__api__http__0</c>.</summary>
    public static readonly Uri ApiByName = new($"http://{ResourceNames.Api}");

    public static WebApplicationBuilder AddWebSession(this WebApplicationBuilder builder)
    {
        // Read here for a clear message at start; the clients go by the service name, except the upload's (below).
        var address = ApiAddress(builder.Configuration);
        var api = ApiByName;
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<WebHopOptions>().BindConfiguration(WebHopOptions.SectionName).ValidateDataAnnotations()
            .Validate(options => development || !string.IsNullOrWhiteSpace(options.WebHopKey),
                "Auth__WebHopKey is not set: outside Development the Web app needs the key it shares with the Api (at least 32 characters).")
            .ValidateOnStart();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<ClientConnection>();
        builder.Services.AddTransient<WebHopHandler>();
        builder.Services.AddHttpClient<ApiClient>(http => http.BaseAddress = api).AddHttpMessageHandler<WebHopHandler>();
        builder.Services.AddHttpClient(ApiClient.AnonymousClient, http => http.BaseAddress = api).AddHttpMessageHandler<WebHopHandler>();
        builder.AddSharedSessionState();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddOptions<SignInOptions>().BindConfiguration(SignInOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SignInLimiter>();
        builder.Services.AddScoped<AccountService>();
        builder.Services.AddScoped<UploadProxy>();
        builder.Services.AddHttpClient(UploadProxy.Client, http =>
            {
                http.BaseAddress = address;
                http.Timeout = TimeSpan.FromMinutes(10);
            })
            // An upload is streamed once and cannot be retried, so it goes without the shared handlers (retries, timeouts,
            // and with them service discovery): straight to the configured address.
            .ConfigureAdditionalHttpMessageHandlers((handlers, services) =>
            {
                handlers.Clear();
                handlers.Add(services.GetRequiredService<WebHopHandler>());
            });

        // Outside Development TLS ends at the proxy in front and the app itself speaks HTTP, so the cookies are marked Secure
        // whatever the request's scheme: a browser sends them over HTTPS only.
        var cookieSecurity = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        builder.Services.AddAntiforgery(options => options.Cookie.SecurePolicy = cookieSecurity);
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = "dmarcsecurity.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = cookieSecurity;
                options.LoginPath = "/account/login";
                options.LogoutPath = "/account/logout";
                options.AccessDeniedPath = "/account/denied";
                options.ReturnUrlParameter = "returnUrl";
                // The sign-in page decides where to go next (LoginUrl.SafeReturn, encoded for a Location header); the handler's
                // own redirect to the raw returnUrl would put its decoded, possibly non-ASCII text in the header.
                options.Events.OnRedirectToReturnUrl = _ => Task.CompletedTask;
                options.Events.OnValidatePrincipal = async context =>
                {
                    var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionStore>();
                    if (context.Principal?.FindFirst(WebClaims.SessionId)?.Value is not { } sessionId
                        || !await sessions.IsActiveAsync(sessionId, context.HttpContext.RequestAborted))
                    {
                        context.RejectPrincipal();
                    }
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(WebPolicies.Analyst, policy => policy.RequireRole(Roles.Analyst, Roles.Admin))
            .AddPolicy(WebPolicies.Admin, policy => policy.RequireRole(Roles.Admin));
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    /// <summary>
    /// Scripts only from this site's own files (Blazor's, Radzen's, the app's: none inline, none evaluated), no plugins,
    /// no base element pointing elsewhere, forms posting only here, no framing. Styles stay open to inline ones: Radzen
    /// sets style attributes on its components.
    /// </summary>
    public const string ContentSecurityPolicy =
        "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Headers every page carries: no sniffing, no framing, no referrer leaks, scripts from here only.</summary>
    public static WebApplication UseWebSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            return next(context);
        });
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
            // The cookies are Secure, so a form posted over plain HTTP could never carry its antiforgery cookie back:
            // say what is wrong instead of failing on it. Probes still answer over HTTP.
            app.Use(async (context, next) =>
            {
                var path = context.Request.Path;
                if (context.Request.IsHttps || path.StartsWithSegments(HealthEndpoints.HealthPath) || path.StartsWithSegments(HealthEndpoints.AlivePath))
                {
                    await next(context);
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsync(
                    "This app is served over HTTPS only. Behind a proxy that ends TLS, list it in ForwardedHeaders__KnownProxies " +
                    "or ForwardedHeaders__KnownNetworks so its X-Forwarded-Proto is believed.");
            });
        }

        return app;
    }
}
