using System.Net;
using System.Net.Http.Json;
using DmarcSecurity.Cli.Decisions;

namespace DmarcSecurity.Cli.Enforcement;

/// <param name="Since">How far back decisions are read: a time or an age (<see cref="DecisionsCommand.ParseSince"/>),
/// an age moving with each pass.</param>
public sealed record EnforcementSettings(bool Enforce, string MinSeverity, string Since);

/// <summary>The passes of one <c>dmarcsec run</c>: reads the simulated block decisions in force, shows what it would
/// block and what it leaves alone, and with <see cref="EnforcementSettings.Enforce"/> asks the Api to block them as an
/// analyst would. Remembers what it has shown and queued, so each pass after the first shows only what is new.</summary>
public sealed class Enforcer(ApiClient api, CliHost host, EnforcementSettings settings)
{
    private const int PageSize = 500;
    private const int ReasonWidth = 60;

    private readonly HashSet<(Guid Id, string What)> _shown = [];
    private readonly HashSet<Guid> _queued = [];
    private int _passes;

    /// <summary>One pass; <see cref="ExitCodes.Failed"/> when a block was refused, else <see cref="ExitCodes.Success"/>.
    /// A key that may not block (403) ends the pass with an <see cref="ApiException"/>: no other block would be taken.</summary>
    public async Task<int> PassAsync(CancellationToken cancellationToken)
    {
        var first = _passes++ == 0;
        var now = DateTimeOffset.UtcNow;
        var from = DecisionsCommand.ParseSince(settings.Since, now);
        var simulated = await ReadSimulatedBlocksAsync(from, cancellationToken);

        // What has left the window is not seen again: it need not be remembered.
        var seen = simulated.Select(d => d.Id).ToHashSet();
        _shown.RemoveWhere(s => !seen.Contains(s.Id));
        _queued.RemoveWhere(id => !seen.Contains(id));

        var plan = EnforcementPlan.From(simulated.Where(d => !_queued.Contains(d.Id)), settings.MinSeverity, now);
        var enforced = new Dictionary<string, Decision>(StringComparer.Ordinal);
        foreach (var decision in plan.ToBlock)
        {
            if (await EnforcedBlockAsync(decision.Ip, now, cancellationToken) is { } block)
            {
                enforced[decision.Ip] = block;
            }
        }

        plan = plan.Without(enforced);
        var toBlock = settings.Enforce ? plan.ToBlock : [.. plan.ToBlock.Where(d => _shown.Add((d.Id, "block")))];
        var skipped = plan.Skipped.Where(s => _shown.Add((s.Decision.Id, s.Reason.ToString()))).ToList();
        var gone = plan.NotInForce.Count(d => _shown.Add((d.Id, "gone")));
        if (!first && toBlock.Count == 0 && skipped.Count == 0)
        {
            return ExitCodes.Success;
        }

        var console = host.Out;
        console.WriteLine(
            $"Simulated block decisions issued since {Utc(from)}, at or above {Severities.Names[Severities.Rank(settings.MinSeverity)]} (checked {Utc(now)}):");
        if (!settings.Enforce)
        {
            WriteBlocks(console, "Would block", toBlock, now);
            WriteSkipped(console, skipped);
            WriteGone(console, gone);
            console.WriteLine($"Dry run: {Addresses(toBlock.Count)} would be blocked; nothing was changed. Pass --enforce to block them.");
            return ExitCodes.Success;
        }

        var queued = new List<Decision>();
        var failed = 0;
        try
        {
            foreach (var decision in toBlock)
            {
                try
                {
                    await BlockAsync(decision, now, cancellationToken);
                    _queued.Add(decision.Id);
                    queued.Add(decision);
                }
                catch (ApiException e) when (e.Status is not (HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized))
                {
                    // One address the Api refuses (a conflict, an invalid request) leaves the others to block.
                    failed++;
                    host.WriteError($"Could not block {decision.Ip} (decision {EnforcementPlan.ShortId(decision.Id)}): {e.Message}");
                }
            }
        }
        catch (ApiException e) when (e.Status == HttpStatusCode.Forbidden)
        {
            WriteQueued(console, queued, skipped, gone, now);
            throw new ApiException(e.Status,
                "The API key may not block addresses (403 Forbidden): --enforce needs an Analyst or Admin key; a Viewer key shows the dry run only.");
        }

        WriteQueued(console, queued, skipped, gone, now);
        if (failed > 0)
        {
            console.WriteLine($"{Addresses(failed)} could not be blocked (see the errors above).");
        }

        return failed > 0 ? ExitCodes.Failed : ExitCodes.Success;
    }

    /// <summary>Every page of the simulated block decisions issued since <paramref name="from"/>, oldest first, so that a
    /// decision made while paging lands on a later page instead of pushing one from this page onto the next.</summary>
    private async Task<List<Decision>> ReadSimulatedBlocksAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        var decisions = new List<Decision>();
        var since = Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture));
        for (var page = 1; ; page++)
        {
            var result = await api.GetAsync<PagedResult<Decision>>(
                $"api/decisions?action=Block&simulated=true&from={since}&sort=issuedAt&pageSize={PageSize}&page={page}", cancellationToken);
            decisions.AddRange(result.Items);
            if (result.Items.Count < PageSize || (long)page * PageSize >= result.TotalCount)
            {
                return decisions;
            }
        }
    }

    /// <summary>An enforced (not simulated) block in force on the address, not suppressed by the allowlist; null when none.</summary>
    private async Task<Decision?> EnforcedBlockAsync(string ip, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var page = await api.GetAsync<PagedResult<Decision>>(
            $"api/decisions?ip={Uri.EscapeDataString(ip)}&action=Block&simulated=false&sort=-expiresAt&pageSize=50", cancellationToken);
        return page.Items.FirstOrDefault(d => !d.Simulated && !d.SuppressedByAllowlist && EnforcementPlan.InForce(d, now));
    }

    /// <summary>The same request as an analyst's block: the Api queues it to the address's source-IP grain, which makes an
    /// enforced decision, checks the allowlist, audits it and hands it to the bouncers.</summary>
    private Task<ManualDecisionResult> BlockAsync(Decision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var request = new ManualBlockRequest(decision.Ip, "Block", Duration(decision, now),
            $"Enforcing dry-run decision {decision.Id}: {decision.Severity} score {decision.Score.ToString("0.000", CultureInfo.InvariantCulture)}");
        return api.SendAsync<ManualDecisionResult>(HttpMethod.Post, "api/decisions", JsonContent.Create(request, options: ApiClient.Json), cancellationToken);
    }

    /// <summary>hh:mm:ss, or d.hh:mm:ss from a day on.</summary>
    public static string Duration(Decision decision, DateTimeOffset now) =>
        EnforcementPlan.Remaining(decision, now).ToString("c", CultureInfo.InvariantCulture);

    private static void WriteQueued(IAnsiConsole console, List<Decision> queued, List<SkippedDecision> skipped, int gone, DateTimeOffset now)
    {
        WriteBlocks(console, "Queued for blocking", queued, now);
        WriteSkipped(console, skipped);
        WriteGone(console, gone);
        console.WriteLine($"{Addresses(queued.Count)} queued for blocking.");
    }

    private static void WriteBlocks(IAnsiConsole console, string title, IReadOnlyList<Decision> decisions, DateTimeOffset now)
    {
        if (decisions.Count == 0)
        {
            return;
        }

        var table = new Table { Title = new TableTitle(title) }.Border(TableBorder.Rounded)
            .AddColumn("Address").AddColumn("Severity").AddColumn(new TableColumn("Score").RightAligned())
            .AddColumn(new TableColumn("Remaining").RightAligned()).AddColumn("Decision").AddColumn("Reason");
        foreach (var d in decisions)
        {
            table.AddRow(
                Markup.Escape(d.Ip),
                Markup.Escape(d.Severity),
                d.Score.ToString("0.000", CultureInfo.InvariantCulture),
                Humanize(EnforcementPlan.Remaining(d, now)),
                EnforcementPlan.ShortId(d.Id),
                Markup.Escape(Truncate(d.Reason)));
        }

        console.Write(table);
    }

    private static void WriteSkipped(IAnsiConsole console, IReadOnlyList<SkippedDecision> skipped)
    {
        if (skipped.Count == 0)
        {
            return;
        }

        var table = new Table { Title = new TableTitle("Skipped") }.Border(TableBorder.Rounded)
            .AddColumn("Address").AddColumn("Severity").AddColumn(new TableColumn("Score").RightAligned()).AddColumn("Decision").AddColumn("Why");
        foreach (var s in skipped)
        {
            table.AddRow(
                Markup.Escape(s.Decision.Ip),
                Markup.Escape(s.Decision.Severity),
                s.Decision.Score.ToString("0.000", CultureInfo.InvariantCulture),
                EnforcementPlan.ShortId(s.Decision.Id),
                Markup.Escape(s.Why));
        }

        console.Write(table);
    }

    private static void WriteGone(IAnsiConsole console, int gone)
    {
        if (gone > 0)
        {
            console.WriteLine($"Left out: {gone} simulated block decision{(gone == 1 ? "" : "s")} no longer in force (expired or dismissed).");
        }
    }

    private static string Addresses(int count) => $"{count} address{(count == 1 ? "" : "es")}";

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private static string Truncate(string text)
    {
        var line = string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= ReasonWidth ? line : line[..(ReasonWidth - 1)].TrimEnd() + "…";
    }

    /// <summary>3d 4h, 5h 12m, 42m: enough to see how long a block would last.</summary>
    private static string Humanize(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.Days}d {span.Hours}h"
        : span.TotalHours >= 1 ? $"{span.Hours}h {span.Minutes}m"
        : $"{Math.Max(1, span.Minutes)}m";
}
