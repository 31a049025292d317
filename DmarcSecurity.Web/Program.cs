using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.ServiceDefaults.Health;
using DmarcSecurity.Web;
using DmarcSecurity.Web.Api;
using DmarcSecurity.Web.Components;
using DmarcSecurity.Web.Session;
using Radzen;

var builder = WebApplication.CreateBuilder(args);

// Serve the static assets of the build output (the app's and its packages', such as Radzen's) in every environment,
// not only Development: the tests and the local platform run the built app. A published app has no such manifest and
// serves from its wwwroot as usual.
builder.WebHost.UseStaticWebAssets();

builder.AddServiceDefaults();
builder.AddWebSession();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddRadzenComponents();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}

app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseWebSecurityHeaders();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapDefaultEndpoints();
app.MapStaticAssets();
app.MapAccountEndpoints();
app.MapUploadEndpoint();
// The app's own Content-Security-Policy already forbids framing; Blazor would add a second header allowing 'self'.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);

app.Run();

/// <summary>Entry point, public so tests can host the Web app.</summary>
public partial class Program;
