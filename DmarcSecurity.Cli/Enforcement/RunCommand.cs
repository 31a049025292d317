using System.Net;
using System.Text.RegularExpressions;
using DmarcSecurity.Cli.Decisions;

namespace DmarcSecurity.Cli.Enforcement;

/// <summary><c>dmarcsec run [--enforce]</c>: the enforcement pass over the silo's dry-run block decisions. Without
/// <c>--enforce</c> it only shows what it would block; with it, each address is blocked through
/// <c>POST /api/decisions</c>, the path of an analyst's block. Without <c>--once</c> it passes again every
/// <c>--interval</c> until cancelled.</summary>
public static partial class RunCommand
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(10);

    public static Command Create(CliContext context)
    {
        var enforce = new Option<bool>("--enforce")
        {
            Description = "Block the addresses (needs an Analyst or Admin key); without it, a dry run that changes nothing",
        };
        var minSeverity = new Option<string>("--min-severity")
        {
            Description = "Only decisions at or above this severity: Info, Low, Medium, High, Critical",
            HelpName = "severity",
            DefaultValueFactory = _ => "Critical",
        };
        var since = new Option<string>("--since")
        {
            Description = "How far back decisions are read: a time (2026-01-31, 2026-01-31T12:00Z) or an age (90m, 24h, 7d)",
            HelpName = "when",
            DefaultValueFactory = _ => "7d",
        };
        var once = new Option<bool>("--once") { Description = "One pass, then exit; without it, a pass every --interval until Ctrl+C" };
        var interval = new Option<string>("--interval")
        {
            Description = "Time between passes without --once: 30s, 5m, 1h (at least 10s)",
            HelpName = "time",
            DefaultValueFactory = _ => "1m",
        };
        var command = new Command("run", "Enforce the platform's dry-run block decisions: show what would be blocked, block it with --enforce")
        {
            enforce, minSeverity, since, once, interval,
        };
        command.SetAction((parse, cancellationToken) => context.RunAsync(parse, async (api, ct) =>
        {
            var settings = new EnforcementSettings(parse.GetValue(enforce), CheckSeverity(parse.GetValue(minSeverity)), parse.GetValue(since) ?? "7d");
            _ = DecisionsCommand.ParseSince(settings.Since, DateTimeOffset.UtcNow);
            var every = ParseInterval(parse.GetValue(interval) ?? "1m");
            var enforcer = new Enforcer(api, context.Host, settings);
            return parse.GetValue(once)
                ? await enforcer.PassAsync(ct)
                : await RepeatAsync(context.Host, enforcer, every, ct);
        }, cancellationToken));
        return command;
    }

    /// <summary>A pass every <paramref name="every"/> until cancelled, which ends the run with success. A pass the Api
    /// could not answer (unreachable, overloaded, failing) is reported and tried again; a key it refuses ends the run.</summary>
    private static async Task<int> RepeatAsync(CliHost host, Enforcer enforcer, TimeSpan every, CancellationToken cancellationToken)
    {
        host.Out.WriteLine($"A pass every {Describe(every)}; Ctrl+C to stop.");
        try
        {
            while (true)
            {
                try
                {
                    await enforcer.PassAsync(cancellationToken);
                }
                catch (ApiUnreachableException e)
                {
                    host.WriteError($"{e.Message} Trying again in {Describe(every)}.");
                }
                catch (ApiException e) when (e.Status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)e.Status >= 500)
                {
                    host.WriteError($"{e.Message} Trying again in {Describe(every)}.");
                }

                await Task.Delay(every, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            host.Out.WriteLine("Stopped.");
            return ExitCodes.Success;
        }
    }

    private static string CheckSeverity(string? text)
    {
        var rank = Severities.Rank(text);
        return rank >= 0
            ? Severities.Names[rank]
            : throw new UsageException($"--min-severity must be one of {string.Join(", ", Severities.Names)}; '{text}' is not.");
    }

    /// <summary>An interval such as <c>30s</c>, <c>5m</c>, <c>1h</c>.</summary>
    public static TimeSpan ParseInterval(string text)
    {
        var match = IntervalPattern().Match(text.Trim());
        if (match.Success)
        {
            var amount = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var span = match.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromHours(amount),
            };
            if (span >= MinInterval)
            {
                return span;
            }
        }

        throw new UsageException($"--interval must be a time such as 30s, 5m or 1h, at least {MinInterval.TotalSeconds:0}s; '{text}' is not.");
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 && span.Ticks % TimeSpan.TicksPerHour == 0 ? $"{span.TotalHours:0}h"
        : span.TotalMinutes >= 1 && span.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{span.TotalMinutes:0}m"
        : $"{span.TotalSeconds:0}s";

    [GeneratedRegex("^([0-9]{1,6})([smh])$")]
    private static partial Regex IntervalPattern();
}
