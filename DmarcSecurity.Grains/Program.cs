using DmarcSecurity.Data.Hosting;
using DmarcSecurity.Grains;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.ServiceDefaults.Health;

// The silo: owns grain partitions, consumes the grain inbox, writes states, alerts, decisions and outbox messages.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDmarcDatabase(ResourceNames.Database);
builder.AddDmarcGrains();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
