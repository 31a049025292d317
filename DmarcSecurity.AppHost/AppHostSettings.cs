using System.Globalization;

namespace DmarcSecurity.AppHost;

/// <summary>The AppHost's own options; every other argument (e.g. <c>--publisher manifest</c>) goes to Aspire.</summary>
internal sealed record AppHostSettings
{
    public const int MaxSiloReplicas = 16;

    public const string Usage = """
        Usage: dotnet run --project DmarcSecurity.AppHost [-- options]
          --postgres               PostgreSQL and Redis from the machine's installed servers instead of SQLite, their
                                   files in <data>/postgres (run as the postgres user when the AppHost runs as root)
          --silos <n>              n silo replicas in one Orleans cluster (PostgreSQL mode; default 1)
          --data <dir>             the data folder (default: data/ at the repository root)
          --admin-email <address>  the first Admin, created on an empty database (default: admin@localhost)
        """;

    public bool Postgres { get; init; }

    public int SiloReplicas { get; init; } = 1;

    public string? DataDirectory { get; init; }

    public string AdminEmail { get; init; } = "admin@localhost";

    /// <summary>The arguments left for Aspire.</summary>
    public string[] AspireArgs { get; init; } = [];

    public static AppHostSettings Parse(IReadOnlyList<string> args)
    {
        try
        {
            return ParseOrThrow(args);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"{e.Message}{Environment.NewLine}{Usage}");
            Environment.Exit(2);
            throw;
        }
    }

    /// <exception cref="FormatException">A missing or invalid value.</exception>
    public static AppHostSettings ParseOrThrow(IReadOnlyList<string> args)
    {
        var settings = new AppHostSettings();
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--postgres":
                    settings = settings with { Postgres = true };
                    break;
                case "--silos":
                    var value = Value(args, ref i);
                    settings = settings with
                    {
                        SiloReplicas = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxSiloReplicas
                            ? n
                            : throw new FormatException($"--silos: a whole number from 1 to {MaxSiloReplicas}, not '{value}'."),
                    };
                    break;
                case "--data":
                    settings = settings with { DataDirectory = Value(args, ref i) };
                    break;
                case "--admin-email":
                    var email = Value(args, ref i);
                    settings = settings with
                    {
                        AdminEmail = email.Contains('@', StringComparison.Ordinal) ? email : throw new FormatException($"--admin-email: '{email}' is not an e-mail address."),
                    };
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (settings.SiloReplicas > 1 && !settings.Postgres)
        {
            throw new FormatException("--silos: several silos need --postgres (SQLite has one writer; the cluster's membership lives in Redis).");
        }

        return settings with { AspireArgs = [.. rest] };
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        var name = args[i];
        return i + 1 < args.Count && args[i + 1] is { Length: > 0 } value && !value.StartsWith("--", StringComparison.Ordinal)
            ? args[++i]
            : throw new FormatException($"Option '{name}' needs a value.");
    }
}
