using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace DmarcSecurity.Deployment.Tests;

/// <summary>
/// The AppHost's publish manifest (<c>--publisher manifest</c>) and infra/ describe the same deployment: PostgreSQL and
/// Redis are connection-string parameters the deployment fills in, and each service gets, in infra/, the connection
/// strings and Orleans clustering settings the manifest gives it.
/// </summary>
public sealed class ManifestTests
{
    private static readonly Lazy<JsonElement> Manifest = new(Publish);

    [Theory]
    [InlineData("dmarcdb")]
    [InlineData("cache")]
    public void A_database_or_Redis_is_a_secret_connection_string_parameter(string name)
    {
        var resource = Manifest.Value.GetProperty("resources").GetProperty(name);

        Assert.Equal("parameter.v0", resource.GetProperty("type").GetString());
        Assert.Equal($"{{{name}.value}}", resource.GetProperty("connectionString").GetString());
        Assert.True(resource.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
    }

    [Fact]
    public void The_manifest_names_the_three_services_and_their_connections_only()
    {
        var resources = Manifest.Value.GetProperty("resources").EnumerateObject()
            .ToDictionary(r => r.Name, r => r.Value.GetProperty("type").GetString());

        Assert.Equal("project.v0", resources["api"]);
        Assert.Equal("project.v0", resources["silo"]);
        Assert.Equal("project.v0", resources["web"]);
        Assert.DoesNotContain(resources.Values, type => type is "executable.v0" or "container.v0");
    }

    [Fact]
    public void Infra_gives_each_service_the_connection_strings_and_clustering_of_the_manifest()
    {
        var apps = DeploymentFiles.ContainerApps();
        foreach (var service in new[] { "api", "silo", "web" })
        {
            var env = Manifest.Value.GetProperty("resources").GetProperty(service).GetProperty("env").EnumerateObject()
                .Where(e => e.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || e.Name.StartsWith("Orleans__Clustering__", StringComparison.Ordinal)
                    || e.Name is "Orleans__ClusterId" or "Orleans__ServiceId")
                .ToDictionary(e => e.Name, e => e.Value.GetString());
            var infra = apps[service].Environment.ToDictionary(e => e.Name, e => e.Value);

            foreach (var (name, value) in env)
            {
                Assert.True(infra.ContainsKey(name), $"{service}: the manifest sets {name}, infra/ does not");
                if (!name.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
                {
                    Assert.Equal($"'{value}'", infra[name]);
                }
            }

            var infraConnections = infra.Keys.Where(n => n.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).Order().ToList();
            Assert.Equal(env.Keys.Where(n => n.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).Order().ToList(), infraConnections);
        }
    }

    /// <summary>Runs the built AppHost with <c>--publisher manifest</c> into a temporary folder and reads the manifest.</summary>
    private static JsonElement Publish()
    {
        var configuration = typeof(ManifestTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var dll = Path.Combine(DeploymentFiles.Root, "DmarcSecurity.AppHost", "bin", configuration, "net10.0", "DmarcSecurity.AppHost.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        var output = Directory.CreateTempSubdirectory("dmarc-manifest-");
        try
        {
            var path = Path.Combine(output.FullName, "aspire-manifest.json");
            var start = new ProcessStartInfo("dotnet", ["exec", dll, "--publisher", "manifest", "--output-path", path])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = DeploymentFiles.Root,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), "the AppHost did not finish publishing within 120 s");
            Assert.True(process.ExitCode == 0, $"publish failed ({process.ExitCode}): {stdout.Result}{stderr.Result}");
            return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
