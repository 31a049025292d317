namespace DmarcSecurity.Cli.Ingest;

/// <summary><c>dmarcsec ingest</c>: DMARC aggregate report files to <c>POST /api/ingest/files</c>.</summary>
public static class IngestCommand
{
    public const string Path = "api/ingest/files";

    /// <summary>What is taken from a folder; a file named on the command line is sent whatever its name, since the Api
    /// recognises reports by their bytes.</summary>
    public static readonly string[] FolderExtensions = [".xml", ".json", ".gz", ".gzip", ".zip", ".eml", ".zlib"];

    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Report files (XML, gzip, zip, .eml) or folders of them",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("ingest", "Upload DMARC aggregate reports; exit code 0 when none was rejected, 1 otherwise") { paths };
        command.SetAction((parse, cancellationToken) => context.RunAsync(parse, async (api, ct) =>
        {
            var items = InputFiles.Expand(parse.GetValue(paths) ?? [], FolderExtensions);
            var results = await SendAsync(context.Host, api, items, ct);
            Print(context.Host.Out, results);
            return results.Any(r => r.Result.Outcome == Outcomes.Rejected) ? ExitCodes.Failed : ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    public static Task<IReadOnlyList<(UploadItem Item, IngestedFile Result)>> SendAsync(
        CliHost host, ApiClient api, IReadOnlyList<UploadItem> items, CancellationToken cancellationToken) =>
        Uploads.SendAsync<IngestResponse, IngestedFile>(host.Out, api, Path, items, r => r.Files,
            (item, message) => new IngestedFile(item.FileName, item.Length, null, Outcomes.Rejected, [], [], 0, "TooLarge", message),
            cancellationToken);

    public static void Print(IAnsiConsole console, IReadOnlyList<(UploadItem Item, IngestedFile Result)> results)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("File")
            .AddColumn("Outcome")
            .AddColumn(new TableColumn("Reports").RightAligned())
            .AddColumn(new TableColumn("Records").RightAligned())
            .AddColumn("Detail");
        foreach (var (item, file) in results)
        {
            var detail = file.Outcome switch
            {
                Outcomes.Stored => Ids("report", file.ReportIds),
                Outcomes.Duplicate when file.ConflictIds is { Count: > 0 } =>
                    "already stored as " + Ids("report", file.DuplicateOfReportIds) + " with other content; kept apart as " + Ids("conflict", file.ConflictIds),
                Outcomes.Duplicate => "already stored as " + Ids("report", file.DuplicateOfReportIds),
                _ => $"{file.Reason}: {file.Error}",
            };
            var reports = file.Outcome == Outcomes.Duplicate ? file.DuplicateOfReportIds?.Count ?? 0 : file.ReportIds?.Count ?? 0;
            table.AddRow(
                new Text(item.DisplayName),
                new Markup($"[{Outcomes.Colour(file.Outcome)}]{Markup.Escape(file.Outcome)}[/]"),
                new Text(reports.ToString(CultureInfo.InvariantCulture)),
                new Text(file.Records.ToString(CultureInfo.InvariantCulture)),
                new Text(detail));
        }

        console.Write(table);
        var conflicting = results.Count(r => r.Result.ConflictIds is { Count: > 0 });
        console.WriteLine(
            $"{results.Count} file{(results.Count == 1 ? "" : "s")}: {results.Count(r => r.Result.Outcome == Outcomes.Stored)} stored, " +
            $"{results.Count(r => r.Result.Outcome == Outcomes.Duplicate)} duplicate, " +
            (conflicting > 0 ? $"{conflicting} with a conflicting copy kept, " : "") +
            $"{results.Count(r => r.Result.Outcome == Outcomes.Rejected)} rejected.");
    }

    private static string Ids(string what, IReadOnlyList<long>? ids) => ids is null || ids.Count == 0
        ? "-"
        : $"{what}{(ids.Count == 1 ? "" : "s")} {string.Join(", ", ids.Take(5))}{(ids.Count > 5 ? $" and {ids.Count - 5} more" : "")}";
}
