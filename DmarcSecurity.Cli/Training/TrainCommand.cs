namespace DmarcSecurity.Cli.Training;

/// <summary><c>dmarcsec train</c>: <c>POST /api/models/severity/train</c>, the learned-severity model from the
/// analysts' verdicts. When there are too few verdicts the Api answers a problem (409 or 422) whose detail is shown.</summary>
public static class TrainCommand
{
    public const string Path = "api/models/severity/train";

    public static Command Create(CliContext context)
    {
        var command = new Command("train", "Train the learned-severity model on the analysts' verdicts and show its metrics");
        command.SetAction((parse, cancellationToken) => context.RunAsync(parse, async (api, ct) =>
        {
            var model = await context.Host.Out.Status().StartAsync("Training the severity model...", _ =>
                api.SendAsync<TrainedModel>(HttpMethod.Post, Path, null, ct));
            Print(context.Host.Out, model);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    public static void Print(IAnsiConsole console, TrainedModel model)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Metric").AddColumn(new TableColumn("Value").RightAligned());
        table.AddRow("Model version", model.Version.ToString(CultureInfo.InvariantCulture));
        table.AddRow("Trained at (UTC)", model.TrainedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        table.AddRow("Examples", model.Examples.ToString(CultureInfo.InvariantCulture));
        table.AddRow("ROC AUC", model.Metrics.Auc.ToString("0.000", CultureInfo.InvariantCulture));
        table.AddRow($"Precision at {model.Metrics.K}", model.Metrics.PrecisionAtK.ToString("0.000", CultureInfo.InvariantCulture));
        if (model.Metrics.Confusion is [[var tn, var fp], [var fn, var tp]])
        {
            table.AddRow("True negatives", tn.ToString(CultureInfo.InvariantCulture));
            table.AddRow("False positives", fp.ToString(CultureInfo.InvariantCulture));
            table.AddRow("False negatives", fn.ToString(CultureInfo.InvariantCulture));
            table.AddRow("True positives", tp.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
    }
}
