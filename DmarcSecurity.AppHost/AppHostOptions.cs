using System.Globalization;

namespace DmarcSecurity.AppHost;

/// <summary>The AppHost's command line.</summary>
internal sealed record AppHostOptions
{
    public const int MaxReplicas = 16;

    public const string Usage = """
        Usage: dotnet run --project DmarcSecurity.AppHost [-- options]
          --data <dir>               folder for the SQLite database and the development signing key (default: <repo>/data)
          --connection-string <cs>   use this database (e.g. an Npgsql connection string) instead of SQLite in the data folder
          --postgres                 start a throwaway PostgreSQL server from the installed server binaries, its files in
                                     <data>/postgres (run as the postgres user when the AppHost runs as root)
          --admin-email <address>    the first Admin, created on an empty database (default: admin@localhost)
          --replicas silo=<n>        run n silo processes (default: 1)
          -h, --help                 show this help
        """;

    public string? DataDirectory { get; init; }

    public string? ConnectionString { get; init; }

    /// <summary>Start a throwaway PostgreSQL server in the data folder instead of using SQLite.</summary>
    public bool Postgres { get; init; }

    public string AdminEmail { get; init; } = "admin@localhost";

    public int SiloReplicas { get; init; } = 1;

    public bool ShowHelp { get; init; }

    /// <exception cref="AppHostOptionsException">An unknown option, a missing or invalid value.</exception>
    public static AppHostOptions Parse(IReadOnlyList<string> args)
    {
        var options = new AppHostOptions();
        for (var i = 0; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "-h" or "--help" => options with { ShowHelp = true },
                "--data" => options with { DataDirectory = Value(args, ref i) },
                "--connection-string" => options with { ConnectionString = Value(args, ref i) },
                "--postgres" => options with { Postgres = true },
                "--admin-email" => options with { AdminEmail = Email(Value(args, ref i)) },
                "--replicas" => options with { SiloReplicas = SiloReplicaCount(Value(args, ref i)) },
                var other => throw new AppHostOptionsException($"Unknown option '{other}'."),
            };
        }

        return options.Postgres && options.ConnectionString is not null
            ? throw new AppHostOptionsException("--postgres and --connection-string exclude each other: --postgres starts its own server.")
            : options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal) || args[i + 1].Length == 0)
        {
            throw new AppHostOptionsException($"Option '{name}' needs a value.");
        }

        return args[++i];
    }

    private static string Email(string value) => value.Contains('@', StringComparison.Ordinal)
        ? value
        : throw new AppHostOptionsException($"--admin-email: '{value}' is not an e-mail address.");

    private static int SiloReplicaCount(string value)
    {
        var parts = value.Split('=', 2);
        if (parts.Length != 2)
        {
            throw new AppHostOptionsException($"--replicas: expected <resource>=<count>, e.g. silo=2, not '{value}'.");
        }

        if (parts[0] != "silo")
        {
            throw new AppHostOptionsException($"--replicas: only the silo runs as several processes, not '{parts[0]}'.");
        }

        return int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= MaxReplicas
            ? count
            : throw new AppHostOptionsException($"--replicas: the silo count must be a whole number from 1 to {MaxReplicas}, not '{parts[1]}'.");
    }
}

internal sealed class AppHostOptionsException(string message) : Exception(message);
