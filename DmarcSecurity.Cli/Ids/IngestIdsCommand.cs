using DmarcSecurity.Cli.Ingest;

namespace DmarcSecurity.Cli.Ids;

/// <summary><c>dmarcsec ingest-ids</c>: Snort, Suricata and Zeek logs to <c>POST /api/ingest/ids</c>.</summary>
public static class IngestIdsCommand
{
    public const string Path = "api/ingest/ids";

    public static readonly string[] Formats = ["SnortFast", "SuricataFast", "SuricataEve", "ZeekTsv", "ZeekJson"];

    public static readonly string[] FolderExtensions = [".log", ".json", ".txt", ".gz"];

    /// <summary>Unreadable lines shown per file; the Api keeps the first few of each log.</summary>
    public const int ErrorsShown = 5;

    public static Command Create(CliContext context)
    {
        var format = new Option<string?>("--format")
        {
            Description = "The logs' format; detected from each file's content when left out",
        };
        format.AcceptOnlyFromAmong(Formats);
        var paths = new Argument<string[]>("paths")
        {
            Description = "IDS logs (plain or gzip) or folders of them",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("ingest-ids", "Upload IDS logs (Snort, Suricata fast or EVE, Zeek); exit code 0 when none was rejected, 1 otherwise")
        {
            format,
            paths,
        };
        command.SetAction((parse, cancellationToken) => context.RunAsync(parse, async (api, ct) =>
        {
            var items = InputFiles.Expand(parse.GetValue(paths) ?? [], FolderExtensions);
            var results = await SendAsync(context.Host, api, items, parse.GetValue(format), ct);
            Print(context.Host.Out, results);
            return results.Any(r => r.Result.Outcome == Outcomes.Rejected) ? ExitCodes.Failed : ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    public static Task<IReadOnlyList<(UploadItem Item, IdsIngestedFile Result)>> SendAsync(
        CliHost host, ApiClient api, IReadOnlyList<UploadItem> items, string? format, CancellationToken cancellationToken) =>
        Uploads.SendAsync<IdsIngestResponse, IdsIngestedFile>(host.Out, api,
            format is null ? Path : $"{Path}?format={Uri.EscapeDataString(format)}", items, r => r.Files,
            (item, message) => new IdsIngestedFile(0, item.FileName, item.Length, Outcomes.Rejected, null, 0, 0, 0, 0, 0, null, null, 0, message),
            cancellationToken);

    public static void Print(IAnsiConsole console, IReadOnlyList<(UploadItem Item, IdsIngestedFile Result)> results)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("File").AddColumn("Outcome").AddColumn("Format");
        foreach (var name in new[] { "Lines", "Events", "Alerts", "Unreadable", "Sources" })
        {
            table.AddColumn(new TableColumn(name).RightAligned());
        }

        table.AddColumn("Skipped");
        foreach (var (item, file) in results)
        {
            var skipped = file.Skipped is { Count: > 0 } s ? string.Join(", ", s.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")) : "-";
            table.AddRow(
                new Text(item.DisplayName),
                new Markup($"[{Outcomes.Colour(file.Outcome)}]{Markup.Escape(file.Outcome)}[/]"),
                new Text(file.Format ?? "-"),
                new Text(file.Lines.ToString(CultureInfo.InvariantCulture)),
                new Text(file.Events.ToString(CultureInfo.InvariantCulture)),
                new Text(file.Alerts.ToString(CultureInfo.InvariantCulture)),
                new Text(file.Unreadable.ToString(CultureInfo.InvariantCulture)),
                new Text(file.Sources.ToString(CultureInfo.InvariantCulture)),
                new Text(skipped));
        }

        console.Write(table);
        foreach (var (item, file) in results)
        {
            if (file.Error is { Length: > 0 } error)
            {
                console.WriteLine($"{item.DisplayName}: {error}");
            }

            var shown = (file.Errors ?? []).Take(ErrorsShown).ToList();
            foreach (var line in shown)
            {
                console.WriteLine($"{item.DisplayName}:{line.Line}: {line.Reason}");
            }

            if (file.Unreadable > shown.Count)
            {
                console.WriteLine($"{item.DisplayName}: {file.Unreadable - shown.Count} more unreadable line(s).");
            }
        }

        console.WriteLine(
            $"{results.Count} log{(results.Count == 1 ? "" : "s")}: {results.Count(r => r.Result.Outcome == Outcomes.Stored)} stored, " +
            $"{results.Count(r => r.Result.Outcome == Outcomes.Duplicate)} duplicate, {results.Count(r => r.Result.Outcome == Outcomes.Rejected)} rejected; " +
            $"{results.Sum(r => r.Result.Alerts)} alerts.");
    }
}
