using System.Text.RegularExpressions;
using DmarcSecurity.Cli.Ids;
using DmarcSecurity.Cli.Ingest;

namespace DmarcSecurity.Cli.Simulate;

/// <summary><c>dmarcsec simulate</c>: synthetic reports (and an EVE log) through the real ingestion endpoints.</summary>
public static partial class SimulateCommand
{
    public const int MaxCount = 10_000;

    public static Command Create(CliContext context)
    {
        var count = new Option<int>("--count") { Description = $"How many aggregate reports (1 to {MaxCount})", Required = true };
        var domain = new Option<string>("--domain") { Description = "The policy domain the reports are about", DefaultValueFactory = _ => "example.com" };
        var seed = new Option<int?>("--seed") { Description = "Seed: the same seed (and day) gives the same files; a random one is chosen and shown when left out" };
        var hostileShare = new Option<double>("--hostile-share")
        {
            Description = "Share of each report's rows from hostile spoofing sources (0 to 0.9)",
            DefaultValueFactory = _ => 0.1,
        };
        var ids = new Option<bool>("--ids") { Description = "Also send a Suricata EVE log with alerts from some of the hostile addresses" };
        var until = new Option<string?>("--until")
        {
            Description = "The reports cover the seven days before this day (yyyy-MM-dd, UTC; default today)",
            HelpName = "date",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Write the files into this folder instead of sending them",
            HelpName = "folder",
        };
        var command = new Command("simulate", "Generate synthetic DMARC aggregate reports (and an IDS log) and send them through the Api")
        {
            count, domain, seed, hostileShare, ids, until, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            SimulationOptions? options = null;
            var validated = await context.GuardAsync(() =>
            {
                options = Options(parse.GetValue(count), parse.GetValue(domain)!, parse.GetValue(seed), parse.GetValue(hostileShare),
                    parse.GetValue(ids), parse.GetValue(until), DateTimeOffset.UtcNow);
                return Task.FromResult(ExitCodes.Success);
            });
            if (validated != ExitCodes.Success || options is null)
            {
                return validated;
            }

            var simulation = ReportSimulator.Generate(options);
            var host = context.Host;
            host.Out.WriteLine(
                $"Simulation seed {options.Seed}: {simulation.Reports.Count} reports for {options.Domain}, {simulation.Records} records, " +
                $"{simulation.Hostile.Count} hostile addresses, days before {options.Until:yyyy-MM-dd}.");
            if (parse.GetValue(output) is { } folder)
            {
                return await context.GuardAsync(() => Task.FromResult(Write(host, folder, simulation)));
            }

            return await context.RunAsync(parse, (api, ct) => SendAsync(host, api, simulation, ct), cancellationToken);
        });
        return command;
    }

    public static SimulationOptions Options(int count, string domain, int? seed, double hostileShare, bool ids, string? until, DateTimeOffset now)
    {
        if (count is < 1 or > MaxCount)
        {
            throw new UsageException($"--count must be between 1 and {MaxCount}.");
        }

        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (!DomainPattern().IsMatch(domain))
        {
            throw new UsageException($"--domain must be a domain name such as example.com; '{domain}' is not.");
        }

        if (double.IsNaN(hostileShare) || hostileShare is < 0 or > 0.9)
        {
            throw new UsageException("--hostile-share must be between 0 and 0.9.");
        }

        var day = DateOnly.FromDateTime(now.UtcDateTime);
        if (until is not null && !DateOnly.TryParseExact(until, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            throw new UsageException($"--until must be a day such as 2026-01-31; '{until}' is not.");
        }

        return new SimulationOptions(count, domain, seed ?? Random.Shared.Next(), hostileShare, ids, day);
    }

    private static async Task<int> SendAsync(CliHost host, ApiClient api, Simulation simulation, CancellationToken cancellationToken)
    {
        var reports = await IngestCommand.SendAsync(host, api, simulation.Reports.Select(f => UploadItem.FromBytes(f.FileName, f.Bytes)).ToList(), cancellationToken);
        IngestCommand.Print(host.Out, reports);
        var rejected = reports.Any(r => r.Result.Outcome == Outcomes.Rejected);
        if (simulation.EveLog is { } eve)
        {
            var logs = await IngestIdsCommand.SendAsync(host, api, [UploadItem.FromBytes(eve.FileName, eve.Bytes)], "SuricataEve", cancellationToken);
            IngestIdsCommand.Print(host.Out, logs);
            rejected |= logs.Any(r => r.Result.Outcome == Outcomes.Rejected);
        }

        PrintHostile(host.Out, simulation);
        return rejected ? ExitCodes.Failed : ExitCodes.Success;
    }

    private static int Write(CliHost host, string folder, Simulation simulation)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in simulation.Reports.Concat(simulation.EveLog is null ? [] : [simulation.EveLog]))
        {
            File.WriteAllBytes(Path.Combine(folder, file.FileName), file.Bytes);
        }

        host.Out.WriteLine($"Wrote {simulation.Reports.Count + (simulation.EveLog is null ? 0 : 1)} files to {folder}.");
        PrintHostile(host.Out, simulation);
        return ExitCodes.Success;
    }

    private static void PrintHostile(IAnsiConsole console, Simulation simulation)
    {
        if (simulation.Hostile.Count == 0)
        {
            console.WriteLine("No hostile sources in this simulation.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("Hostile sources")
            .AddColumn("Address").AddColumn(new TableColumn("Rows").RightAligned())
            .AddColumn(new TableColumn("Messages").RightAligned()).AddColumn(new TableColumn("IDS alerts").RightAligned());
        foreach (var source in simulation.Hostile)
        {
            table.AddRow(source.Ip, source.Rows.ToString(CultureInfo.InvariantCulture),
                source.Messages.ToString(CultureInfo.InvariantCulture), source.IdsAlerts.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
        console.WriteLine($"Their decisions, once the silo has scored them: dmarcsec decisions list --ip {simulation.Hostile[0].Ip}");
    }

    [GeneratedRegex("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$")]
    private static partial Regex DomainPattern();
}
