using System.Text.RegularExpressions;

namespace DmarcSecurity.Cli.Decisions;

/// <summary><c>dmarcsec decisions list</c>: <c>GET /api/decisions</c> as a table, or as the Api's JSON.</summary>
public static partial class DecisionsCommand
{
    public static Command Create(CliContext context)
    {
        var ip = new Option<string?>("--ip") { Description = "Only decisions about this address" };
        var severity = new Option<string?>("--severity") { Description = "Only this severity: Info, Low, Medium, High, Critical" };
        var action = new Option<string?>("--action") { Description = "Only this action: None, Monitor, Reassess, Review, Block" };
        var since = new Option<string?>("--since")
        {
            Description = "Only decisions issued since then: a time (2026-01-31, 2026-01-31T12:00Z) or an age (90m, 24h, 7d)",
            HelpName = "when",
        };
        var pageSize = new Option<int>("--page-size") { Description = "How many decisions, newest first", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print the Api's JSON answer as it is" };
        var list = new Command("list", "List decisions, newest first") { ip, severity, action, since, pageSize, json };
        list.SetAction((parse, cancellationToken) => context.RunAsync(parse, async (api, ct) =>
        {
            var query = new List<string> { $"pageSize={parse.GetValue(pageSize)}" };
            Add(query, "ip", parse.GetValue(ip));
            Add(query, "severity", parse.GetValue(severity));
            Add(query, "action", parse.GetValue(action));
            if (parse.GetValue(since) is { } text)
            {
                Add(query, "from", ParseSince(text, DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture));
            }

            var path = "api/decisions?" + string.Join('&', query);
            if (parse.GetValue(json))
            {
                context.Host.WriteRaw(await api.SendAsync(HttpMethod.Get, path, null, ct));
                return ExitCodes.Success;
            }

            Print(context.Host.Out, await api.GetAsync<PagedResult<Decision>>(path, ct));
            return ExitCodes.Success;
        }, cancellationToken));
        return new Command("decisions", "The source-IP grains' decisions") { list };
    }

    /// <summary>An absolute time, or an age before <paramref name="now"/> such as <c>90m</c>, <c>24h</c>, <c>7d</c>.</summary>
    public static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        var age = AgePattern().Match(text.Trim());
        if (age.Success)
        {
            var amount = int.Parse(age.Groups[1].Value, CultureInfo.InvariantCulture);
            return now - age.Groups[2].Value switch
            {
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at;
        }

        throw new UsageException($"--since must be a time such as 2026-01-31 or 2026-01-31T12:00Z, or an age such as 24h or 7d; '{text}' is neither.");
    }

    private static void Add(List<string> query, string name, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            query.Add($"{name}={Uri.EscapeDataString(value.Trim())}");
        }
    }

    private static void Print(IAnsiConsole console, PagedResult<Decision> page)
    {
        if (page.Items.Count == 0)
        {
            console.WriteLine("No decisions match.");
            return;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Issued (UTC)").AddColumn("Address").AddColumn("Action").AddColumn("Severity")
            .AddColumn(new TableColumn("Score").RightAligned()).AddColumn("Review").AddColumn("Expires (UTC)").AddColumn("Reason");
        foreach (var d in page.Items)
        {
            var action = d.Action + (d.Simulated ? " (simulated)" : "") + (d.SuppressedByAllowlist ? " (allowlisted)" : "");
            table.AddRow(
                d.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                Markup.Escape(d.Ip),
                Markup.Escape(action),
                Markup.Escape(d.Severity),
                d.Score.ToString("0.00", CultureInfo.InvariantCulture),
                Markup.Escape(d.ReviewStatus),
                d.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                Markup.Escape(d.Reason));
        }

        console.Write(table);
        console.WriteLine($"{page.Items.Count} of {page.TotalCount} decision{(page.TotalCount == 1 ? "" : "s")}.");
    }

    [GeneratedRegex("^([0-9]{1,6})([mhd])$")]
    private static partial Regex AgePattern();
}
