using System.Xml.Linq;

namespace DmarcSecurity.Deployment.Tests;

/// <summary>Keeps azure.yaml, infra/ and the container properties of the service projects in step with the settings the
/// services read. Offline: the files are read as text; nothing is deployed.</summary>
public sealed class DeploymentTests
{
    /// <summary>Every setting a service reads, as an environment variable: README "Configuration" and ARCHITECTURE
    /// section 5 (Aspire's names), plus the ASP.NET Core host settings. A name set in infra/ must be one of these.</summary>
    private static readonly HashSet<string> KnownSettings = new(StringComparer.Ordinal)
    {
        "ConnectionStrings__dmarcdb", "ConnectionStrings__cache",
        "Storage__DataDirectory", "Storage__MaxRawXmlBytes",
        "Ingestion__MaxUploadBytes", "Ingestion__MaxFilesPerUpload", "Ingestion__MaxDecompressedBytes",
        "Ingestion__MaxCompressionRatio", "Ingestion__MaxArchiveEntries", "Ingestion__MaxNestingDepth", "Ingestion__TempDirectory",
        "Auth__SigningKey", "Auth__BootstrapAdminEmail", "Auth__AccessTokenLifetime", "Auth__RefreshTokenLifetime",
        "Auth__LockoutThreshold", "Auth__LockoutWindow", "Auth__LockoutDuration",
        "Auth__PermitsPerMinute", "Auth__AnonymousPermitsPerMinute", "Auth__WebHopKey", "Auth__MaxApiKeysPerUser",
        "AllowedHosts",
        "Threat__Enforce", "Threat__DefaultTtl", "Threat__MaxTtl",
        "Threat__PatternWeight", "Threat__ContextWeight", "Threat__HistoryWeight", "Threat__ReputationWeight", "Threat__AnomalyWeight",
        "Threat__ReputationCsvPath",
        "Grains__Partitions", "Grains__PollInterval", "Grains__IdleEviction", "Grains__BatchSize", "Grains__KeepAliveInterval",
        "Grains__DueScanInterval", "Grains__MaxConcurrentCommits", "Grains__MaxWritesPerCommit", "Grains__ProbeTimeout", "Grains__MissedProbesLimit",
        "Orleans__ClusterId", "Orleans__ServiceId", "Orleans__Clustering__ProviderType", "Orleans__Clustering__ServiceKey",
        "Orleans__Endpoints__SiloPort", "Orleans__Endpoints__GatewayPort", "Orleans__Endpoints__AdvertisedIPAddress",
        "services__api__http__0",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES",
        "ASPNETCORE_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS",
    };

    private static readonly string[] IndexedSettings = ["Auth__CorsOrigins__", "ForwardedHeaders__KnownProxies__", "ForwardedHeaders__KnownNetworks__"];

    /// <summary>Indexed settings (<c>Auth__CorsOrigins__0</c>, <c>__1</c>, ...).</summary>
    private static bool IsKnown(string name) =>
        KnownSettings.Contains(name) ||
        IndexedSettings.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(name[prefix.Length..], out _));

    private static readonly Dictionary<string, string[]> Required = new(StringComparer.Ordinal)
    {
        ["api"] = ["ConnectionStrings__dmarcdb", "ConnectionStrings__cache", "Auth__SigningKey", "Auth__WebHopKey", "AllowedHosts", "ForwardedHeaders__KnownNetworks__0", "ASPNETCORE_ENVIRONMENT", "OTEL_SERVICE_NAME"],
        ["silo"] = ["ConnectionStrings__dmarcdb", "ConnectionStrings__cache", "Orleans__Clustering__ProviderType", "Orleans__Clustering__ServiceKey", "ASPNETCORE_ENVIRONMENT", "OTEL_SERVICE_NAME"],
        ["web"] = ["services__api__http__0", "ConnectionStrings__cache", "Auth__WebHopKey", "AllowedHosts", "ForwardedHeaders__KnownNetworks__0", "ASPNETCORE_ENVIRONMENT", "OTEL_SERVICE_NAME"],
    };

    /// <summary>Settings that hold secrets come from a Container App secret, never a plain value.</summary>
    private static readonly string[] SecretSettings = ["ConnectionStrings__dmarcdb", "ConnectionStrings__cache", "Auth__SigningKey", "Auth__WebHopKey"];

    private static readonly Dictionary<string, string> ServiceProjects = new(StringComparer.Ordinal)
    {
        ["api"] = "DmarcSecurity.Api",
        ["web"] = "DmarcSecurity.Web",
        ["silo"] = "DmarcSecurity.Grains",
    };

    [Fact]
    public void The_infra_defines_one_container_app_per_service()
    {
        Assert.Equal(ServiceProjects.Keys.Order(), DeploymentFiles.ContainerApps().Keys.Order());
    }

    [Fact]
    public void Every_environment_variable_set_on_a_container_app_is_one_the_services_read()
    {
        var unknown = DeploymentFiles.ContainerApps().Values
            .SelectMany(app => app.Environment.Where(e => !IsKnown(e.Name)).Select(e => $"{app.Service}: {e.Name}"))
            .ToList();
        Assert.True(unknown.Count == 0, "Set in infra/ but read by no service: " + string.Join(", ", unknown));
    }

    [Fact]
    public void Each_container_app_sets_the_variables_its_service_needs_once()
    {
        foreach (var (service, app) in DeploymentFiles.ContainerApps())
        {
            var names = app.Environment.Select(e => e.Name).ToList();
            Assert.Empty(names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => $"{service}: {g.Key}"));
            var missing = Required[service].Except(names).ToList();
            Assert.True(missing.Count == 0, $"{service} lacks {string.Join(", ", missing)}");
            Assert.Contains(app.Environment, e => e.Name == "ASPNETCORE_ENVIRONMENT" && e.Value == "'Production'");
            Assert.Contains(app.Environment, e => e.Name == "OTEL_SERVICE_NAME" && e.Value == $"'{service}'");
        }
    }

    [Fact]
    public void Secrets_reach_the_services_through_container_app_secrets()
    {
        foreach (var (service, app) in DeploymentFiles.ContainerApps())
        {
            foreach (var entry in app.Environment)
            {
                if (SecretSettings.Contains(entry.Name))
                {
                    Assert.True(entry.Kind == "secretRef", $"{service}: {entry.Name} must come from a secret, not a plain value");
                }

                if (entry.Kind == "secretRef")
                {
                    Assert.Contains(entry.Value.Trim('\''), app.SecretNames);
                }
            }
        }
    }

    [Fact]
    public void The_connection_string_secret_is_an_npgsql_string_that_requires_tls()
    {
        var text = string.Concat(DeploymentFiles.BicepFiles().Select(File.ReadAllText));
        var line = text.Split('\n').Single(l => l.TrimStart().StartsWith("var connectionString =", StringComparison.Ordinal));
        foreach (var part in new[] { "Host=", "Database=${databaseName}", "Username=", "Password=", "SslMode=Require" })
        {
            Assert.Contains(part, line, StringComparison.Ordinal);
        }

        Assert.Contains("var databaseName = 'dmarcdb'", text, StringComparison.Ordinal);
        Assert.Contains("@secure()\nparam postgresAdminPassword", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("@secure()\nparam authSigningKey", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("@secure()\nparam webHopKey", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_parameter_file_and_main_bicep_agree()
    {
        var declared = DeploymentFiles.BicepParameters("infra/main.bicep");
        var supplied = DeploymentFiles.ParameterFileNames("infra/main.parameters.json");

        var unknown = supplied.Where(p => !declared.ContainsKey(p)).ToList();
        Assert.True(unknown.Count == 0, "main.parameters.json sets parameters main.bicep does not declare: " + string.Join(", ", unknown));

        var missing = declared.Where(p => !p.Value && !supplied.Contains(p.Key)).Select(p => p.Key).ToList();
        Assert.True(missing.Count == 0, "main.bicep parameters without a default are missing from main.parameters.json: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_module_receives_every_parameter_it_declares_without_a_default()
    {
        var declared = DeploymentFiles.BicepParameters("infra/resources.bicep");
        var main = DeploymentFiles.Read("infra/main.bicep");
        foreach (var (name, hasDefault) in declared)
        {
            if (!hasDefault)
            {
                Assert.Matches($@"\n\s+{name}:", main);
            }
        }
    }

    [Fact]
    public void Azure_yaml_names_exactly_the_three_services_with_existing_projects()
    {
        var services = DeploymentFiles.AzureYamlServices();
        Assert.Equal(ServiceProjects.Keys.Order(), services.Keys.Order());
        foreach (var (name, service) in services)
        {
            Assert.Equal("containerapp", service.Host);
            Assert.Equal("dotnet", service.Language);
            Assert.NotNull(service.Project);
            var directory = Path.GetFullPath(Path.Combine(DeploymentFiles.Root, service.Project));
            Assert.Equal(Path.GetFullPath(Path.Combine(DeploymentFiles.Root, ServiceProjects[name])), directory.TrimEnd(Path.DirectorySeparatorChar));
            Assert.True(File.Exists(Path.Combine(directory, ServiceProjects[name] + ".csproj")), $"{name}: no project at {service.Project}");
        }

        Assert.Contains("path: ./infra", DeploymentFiles.Read("azure.yaml"), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_service_project_builds_an_image_on_the_port_its_container_app_targets()
    {
        var apps = DeploymentFiles.ContainerApps();
        foreach (var (service, directory) in ServiceProjects)
        {
            var project = DeploymentFiles.Project(directory);
            var repository = project.Descendants("ContainerRepository").Select(e => e.Value).SingleOrDefault();
            Assert.Equal($"dmarcsecurity-{service}", repository);
            Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", project.Descendants("ContainerBaseImage").Single().Value);
            Assert.Equal("app", project.Descendants("ContainerUser").Single().Value);

            var port = int.Parse(project.Descendants("ContainerPort").Single().Attribute("Include")!.Value, System.Globalization.CultureInfo.InvariantCulture);
            var httpPorts = project.Descendants("ContainerEnvironmentVariable")
                .Single(e => (string?)e.Attribute("Include") == "ASPNETCORE_HTTP_PORTS").Attribute("Value")!.Value;
            Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), httpPorts);

            var app = apps[service];
            if (service == "silo")
            {
                Assert.False(app.HasIngress, "the silo takes no traffic");
                Assert.Matches(@"minReplicas:\s*(siloReplicas|[1-9])", app.Block);
            }
            else
            {
                Assert.True(app.ExternalIngress, $"{service} needs external ingress");
                Assert.Equal(port, app.TargetPort);
            }
        }
    }
}
