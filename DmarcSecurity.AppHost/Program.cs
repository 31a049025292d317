using DmarcSecurity.AppHost;
using DmarcSecurity.ServiceDefaults;

// The whole platform for a developer or an operator: api, silo and web, and the database dmarcdb (SQLite in the
// repository's data/ folder by default; PostgreSQL and Redis of the machine's installed servers with --postgres).
var settings = AppHostSettings.Parse(args);
var builder = DistributedApplication.CreateBuilder(settings.AspireArgs);
var local = LocalResources.Add(builder, settings);

var orleans = builder.AddOrleans("orleans")
    .WithClusterId("dmarcsecurity")
    .WithServiceId("dmarcsecurity");
if (local.Cache is { } cluster)
{
    orleans.WithClustering(cluster);
}
else
{
    orleans.WithDevelopmentClustering();
}

var api = builder.AddProject<Projects.DmarcSecurity_Api>(ResourceNames.Api)
    .WithReference(local.Database)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();
var silo = builder.AddProject<Projects.DmarcSecurity_Grains>(ResourceNames.Silo)
    .WithReference(orleans)
    .WithReference(local.Database)
    .WithHttpHealthCheck("/health")
    .WaitFor(api); // the Api migrates the schema the silo works on
var web = builder.AddProject<Projects.DmarcSecurity_Web>(ResourceNames.Web)
    .WithReference(api)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WaitFor(api);
if (local.Cache is { } cache)
{
    // The silos' cluster; the Api's statistics cache; in a deployment also the Web app's sessions and keys (locally the
    // Web app keeps them in the data folder, which outlives the run: this Redis does not).
    silo.WithReference(cache).WaitFor(cache);
    api.WithReference(cache).WaitFor(cache);
    if (builder.ExecutionContext.IsPublishMode)
    {
        web.WithReference(cache);
    }
}

if (settings.SiloReplicas > 1)
{
    silo.WithReplicas(settings.SiloReplicas);
}

local.Configure(api, silo, web);

builder.Build().Run();
