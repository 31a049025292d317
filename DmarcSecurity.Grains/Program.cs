using DmarcSecurity.Data.Hosting;
using DmarcSecurity.Grains;
using DmarcSecurity.Grains.Runtime;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.ServiceDefaults.Health;
using Orleans.Dashboard;

// The silo: an Orleans silo whose partition grains pump the grain inbox into the domain and source-IP grains, which
// write their states, alerts, decisions and outbox messages.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDmarcDatabase(ResourceNames.Database);
builder.AddDmarcGrains();

var app = builder.Build();

app.MapDefaultEndpoints(HealthReportJson.WriteWithDetailsAsync);
app.MapOrleansDashboard(OrleansSettings.DashboardPath);

app.Run();
