using DmarcSecurity.Api.Anomaly;
using DmarcSecurity.Api.Alerts;
using DmarcSecurity.Api.ApiKeys;
using DmarcSecurity.Api.Audit;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Decisions;
using DmarcSecurity.Api.Enforcement;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Api.Exports;
using DmarcSecurity.Api.Folders;
using DmarcSecurity.Api.Grains;
using DmarcSecurity.Api.Notifications;
using DmarcSecurity.Api.Posture;
using DmarcSecurity.Api.Retention;
using DmarcSecurity.Api.Siem;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Api.Learning;
using DmarcSecurity.Api.FailureReports;
using DmarcSecurity.Api.Ingestion.Tailing;
using DmarcSecurity.Api.Mailboxes;
using DmarcSecurity.Api.Reports;
using DmarcSecurity.Api.Stats;
using DmarcSecurity.Api.TlsReports;
using DmarcSecurity.Api.Users;
using DmarcSecurity.Data.Hosting;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddDmarcDatabase(ResourceNames.Database);
builder.AddAuth();
builder.AddIngestion();
builder.AddStatsCache();
builder.AddMailboxes();
builder.AddGraphMailboxes();
builder.AddWatchedFolders();
builder.AddIdsTailers();
builder.AddAlerts();
builder.AddDecisions();
builder.AddEnforcement();
builder.AddNotifications();
builder.AddRetention();
builder.AddAnomalyDetection();
builder.AddSeverityModels();
builder.AddSiemExport();
builder.AddEnrichment();
builder.AddDnsPosture();
builder.AddApiConventions();

var app = builder.Build();

if (args is [CreateAdminCommand.Name, ..])
{
    return await CreateAdminCommand.RunAsync(app, args);
}

app.UseApiConventions();
app.UseAuth();
app.MapDefaultEndpoints();
app.MapAuthApi();
app.MapUsersApi();
app.MapApiKeysApi();
app.MapAuditApi();
app.MapIngestApi();
app.MapIdsIngestApi();
app.MapAnomalyApi();
app.MapModelsApi();
app.MapJobsApi();
app.MapIngestionHistoryApi();
app.MapMailboxesApi();
app.MapReportsApi();
app.MapReportConflictsApi();
app.MapTlsReportsApi();
app.MapFailureReportsApi();
app.MapRecordsApi();
app.MapExportsApi();
app.MapStatsApi();
app.MapAlertsApi();
app.MapAlertRulesApi();
app.MapSuppressionsApi();
app.MapDecisionsApi();
app.MapAllowlistApi();
app.MapDomainsApi();
app.MapPostureApi();
app.MapSourcesApi();
app.MapEnrichmentApi();
app.MapSiloApi();
app.MapBouncersApi();
app.MapNotificationsApi();

app.Run();
return 0;

/// <summary>Entry point, public so integration tests can host the Api.</summary>
public partial class Program;
