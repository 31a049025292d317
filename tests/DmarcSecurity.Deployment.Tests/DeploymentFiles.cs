using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DmarcSecurity.Deployment.Tests;

/// <summary>Reads azure.yaml, infra/*.bicep, infra/main.parameters.json and the service project files as text.</summary>
internal static partial class DeploymentFiles
{
    public static string Root { get; } = FindRoot();

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    public static IEnumerable<string> BicepFiles() =>
        Directory.GetFiles(Path.Combine(Root, "infra"), "*.bicep").Order(StringComparer.Ordinal);

    /// <summary>Each container app in infra/*.bicep, keyed by its <c>azd-service-name</c> tag.</summary>
    public static IReadOnlyDictionary<string, ContainerApp> ContainerApps()
    {
        var apps = new Dictionary<string, ContainerApp>(StringComparer.Ordinal);
        foreach (var file in BicepFiles())
        {
            var text = File.ReadAllText(file).ReplaceLineEndings("\n");
            foreach (var block in TopLevelBlocks(text, "resource"))
            {
                if (!block.Contains("'Microsoft.App/containerApps@", StringComparison.Ordinal))
                {
                    continue;
                }

                var service = ServiceTag().Match(block);
                Assert.True(service.Success, $"A container app in {Path.GetFileName(file)} has no azd-service-name tag:\n{block[..Math.Min(200, block.Length)]}");
                apps.Add(service.Groups[1].Value, new ContainerApp(service.Groups[1].Value, block, EnvironmentOf(text, block)));
            }
        }

        return apps;
    }

    /// <summary>The env entries of an app: <c>env: someVar</c> naming a top-level <c>var someVar = ...</c>, or an inline array.</summary>
    private static IReadOnlyList<EnvEntry> EnvironmentOf(string file, string appBlock)
    {
        var reference = EnvReference().Match(appBlock);
        Assert.True(reference.Success, $"No env on container app:\n{appBlock[..Math.Min(200, appBlock.Length)]}");
        string source;
        if (reference.Groups[1].Value == "[")
        {
            source = appBlock[reference.Index..];
        }
        else
        {
            var name = reference.Groups[1].Value;
            source = TopLevelBlocks(file, "var").SingleOrDefault(b => b.StartsWith($"var {name} ", StringComparison.Ordinal))
                     ?? throw new InvalidOperationException($"env: {name} names no top-level var");
        }

        return EntriesOf(file, source);
    }

    /// <summary>The entries written in <paramref name="source"/>, and those of the top-level vars it names (as in
    /// <c>concat(proxyEnv, [ ... ])</c>).</summary>
    private static IReadOnlyList<EnvEntry> EntriesOf(string file, string source)
    {
        var own = EnvEntryPattern().Matches(source).Select(m => new EnvEntry(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value));
        var named = TopLevelBlocks(file, "var")
            .Where(block => !source.StartsWith(block, StringComparison.Ordinal))
            .Where(block => Regex.IsMatch(source, $@"\b{Regex.Escape(block.Split(' ')[1])}\b"))
            .SelectMany(block => EntriesOf(file, block));
        return [.. own, .. named];
    }

    /// <summary>Top-level declarations of one keyword: from a line starting with it to the next top-level line.</summary>
    private static IEnumerable<string> TopLevelBlocks(string text, string keyword)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith(keyword + " ", StringComparison.Ordinal))
            {
                continue;
            }

            var end = i + 1;
            while (end < lines.Length && !StartsTopLevel(lines[end]))
            {
                end++;
            }

            yield return string.Join('\n', lines[i..end]);
        }
    }

    private static bool StartsTopLevel(string line) =>
        line.Length > 0 && !char.IsWhiteSpace(line[0]) && line[0] is not ']' and not '}' and not ')';

    /// <summary><c>param name type</c> declarations of a Bicep file, and whether each has a default.</summary>
    public static IReadOnlyDictionary<string, bool> BicepParameters(string relativePath) =>
        ParamPattern().Matches(Read(relativePath).ReplaceLineEndings("\n"))
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Success, StringComparer.Ordinal);

    public static IReadOnlyList<string> ParameterFileNames(string relativePath)
    {
        using var json = JsonDocument.Parse(Read(relativePath));
        return [.. json.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name)];
    }

    /// <summary>The services of azure.yaml with their project and host, read line by line (the file is flat YAML).</summary>
    public static IReadOnlyDictionary<string, AzureYamlService> AzureYamlServices()
    {
        var services = new Dictionary<string, AzureYamlService>(StringComparer.Ordinal);
        var inServices = false;
        string? current = null;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);

        void Flush()
        {
            if (current is not null)
            {
                services.Add(current, new AzureYamlService(current, fields.GetValueOrDefault("project"), fields.GetValueOrDefault("language"), fields.GetValueOrDefault("host")));
            }

            fields.Clear();
        }

        foreach (var raw in Read("azure.yaml").ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Split('#')[0].TrimEnd();
            if (line.Length == 0)
            {
                continue;
            }

            if (!char.IsWhiteSpace(line[0]))
            {
                Flush();
                current = null;
                inServices = line == "services:";
                continue;
            }

            if (!inServices)
            {
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            var (key, value) = (line.Trim().Split(':', 2)[0].Trim(), line.Trim().Split(':', 2).ElementAtOrDefault(1)?.Trim() ?? "");
            if (indent == 2)
            {
                Flush();
                current = key;
            }
            else if (current is not null)
            {
                fields[key] = value.Trim('"', '\'');
            }
        }

        Flush();
        return services;
    }

    public static XDocument Project(string projectDirectory)
    {
        var path = Path.Combine(Root, projectDirectory, Path.GetFileName(projectDirectory) + ".csproj");
        return XDocument.Load(path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DmarcSecurity.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DmarcSecurity.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"'azd-service-name':\s*'([^']+)'")]
    private static partial Regex ServiceTag();

    [GeneratedRegex(@"\benv:\s*(\[|\w+)")]
    private static partial Regex EnvReference();

    [GeneratedRegex(@"\{\s*name:\s*'([^']+)'\s*,?\s*(value|secretRef):\s*([^}\n]*?)\s*\}")]
    private static partial Regex EnvEntryPattern();

    [GeneratedRegex(@"^param\s+(\w+)\s+\w+(\s*=)?", RegexOptions.Multiline)]
    private static partial Regex ParamPattern();
}

internal sealed record EnvEntry(string Name, string Kind, string Value);

internal sealed partial record ContainerApp(string Service, string Block, IReadOnlyList<EnvEntry> Environment)
{
    public int? TargetPort => TargetPortPattern().Match(Block) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    public bool HasIngress => Block.Contains("ingress:", StringComparison.Ordinal);

    public bool ExternalIngress => Block.Contains("external: true", StringComparison.Ordinal);

    /// <summary>Names in the app's <c>secrets: [ ... ]</c>.</summary>
    public IReadOnlyList<string> SecretNames
    {
        get
        {
            var start = Block.IndexOf("secrets: [", StringComparison.Ordinal);
            if (start < 0)
            {
                return [];
            }

            var end = Block.IndexOf(']', start);
            return [.. SecretPattern().Matches(Block[start..end]).Select(m => m.Groups[1].Value)];
        }
    }

    [GeneratedRegex(@"targetPort:\s*(\d+)")]
    private static partial Regex TargetPortPattern();

    [GeneratedRegex(@"\{\s*name:\s*'([^']+)'\s*,?\s*value:")]
    private static partial Regex SecretPattern();
}

internal sealed record AzureYamlService(string Name, string? Project, string? Language, string? Host);
