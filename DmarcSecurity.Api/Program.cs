using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Database;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Reports;
using DmarcSecurity.Api.Stats;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDatabase();
builder.AddIngestion();
builder.AddApiConventions();

var app = builder.Build();

app.UseApiConventions();
app.MapDefaultEndpoints();
app.MapIngestApi();
app.MapReportsApi();
app.MapRecordsApi();
app.MapStatsApi();

app.Run();

/// <summary>Entry point, public so integration tests can host the Api.</summary>
public partial class Program;
