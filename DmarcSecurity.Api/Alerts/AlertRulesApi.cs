using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Database;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Alerts;

public sealed record AlertRuleDto(
    string Key, bool Enabled, string Severity, long CooldownSeconds, IReadOnlyDictionary<string, double> Thresholds, string Description,
    DateTimeOffset UpdatedAt, string? UpdatedBy)
{
    public static AlertRuleDto From(AlertRuleEntity r) =>
        new(r.Key, r.Enabled, r.Severity, r.CooldownSeconds, AlertRulesApi.Thresholds(r), r.Description, r.UpdatedAt, r.UpdatedBy);
}

/// <summary>The editable settings of a rule; a field left out keeps its value. <c>cooldown</c> is whole seconds (a
/// number) or a TimeSpan ("12:00:00", "1.00:00:00"); <c>thresholds</c> sets some or all of the rule's own named numbers.</summary>
public sealed record UpdateAlertRuleRequest(bool? Enabled, string? Severity, JsonElement? Cooldown, JsonElement? Thresholds, string? Description)
{
    /// <summary>A year: the silo turns the cooldown into a TimeSpan, and nobody means longer.</summary>
    public static readonly TimeSpan MaxCooldown = TimeSpan.FromDays(365);

    /// <summary>Applies the request to <paramref name="rule"/>, adding an error per bad field; the caller saves only
    /// when there is none.</summary>
    public void ApplyTo(AlertRuleEntity rule, IDictionary<string, string[]> errors)
    {
        rule.Enabled = Enabled ?? rule.Enabled;
        if (Severity is not null)
        {
            var names = NamedValue.Of<Severity>();
            if (NamedValue.Canonical(Severity, names) is { } severity)
            {
                rule.Severity = severity;
            }
            else
            {
                errors["severity"] = [NamedValue.Message("severity", names)];
            }
        }

        if (Cooldown is { ValueKind: not JsonValueKind.Null } cooldown)
        {
            if (ParseCooldown(cooldown) is { } seconds)
            {
                rule.CooldownSeconds = seconds;
            }
            else
            {
                errors["cooldown"] = [$"cooldown must be whole seconds (a number) or a TimeSpan such as \"12:00:00\", from 0 up to {MaxCooldown.TotalDays:0} days."];
            }
        }

        if (Thresholds is { ValueKind: not JsonValueKind.Null } thresholds)
        {
            rule.Thresholds = MergeThresholds(rule, thresholds, errors);
        }

        if (Description is not null)
        {
            rule.Description = TextField.Required(Description, "description", errors);
        }
    }

    private static long? ParseCooldown(JsonElement value)
    {
        TimeSpan? span = value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var seconds) && seconds >= 0 && seconds <= (long)MaxCooldown.TotalSeconds
                => TimeSpan.FromSeconds(seconds),
            // "3600" would parse as 3600 days: a TimeSpan string must have its colons.
            JsonValueKind.String when value.GetString() is { } text && text.Contains(':', StringComparison.Ordinal)
                && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
        return span is { } s && s >= TimeSpan.Zero && s <= MaxCooldown && s.Ticks % TimeSpan.TicksPerSecond == 0 ? (long)s.TotalSeconds : null;
    }

    private static string MergeThresholds(AlertRuleEntity rule, JsonElement thresholds, IDictionary<string, string[]> errors)
    {
        var current = AlertRulesApi.Thresholds(rule);
        if (thresholds.ValueKind != JsonValueKind.Object)
        {
            errors["thresholds"] = ["thresholds must be an object of threshold name to number."];
            return rule.Thresholds;
        }

        var merged = new Dictionary<string, double>(current, StringComparer.Ordinal);
        foreach (var property in thresholds.EnumerateObject())
        {
            var field = "thresholds." + property.Name;
            if (!current.ContainsKey(property.Name))
            {
                errors[field] = [current.Count == 0
                    ? $"Rule {rule.Key} has no thresholds."
                    : $"Rule {rule.Key} has no threshold '{property.Name}'; it has {string.Join(", ", current.Keys)}."];
            }
            else if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetDouble(out var number)
                || RangeOf(property.Name) is var range && !range.Admits(number))
            {
                var bounds = RangeOf(property.Name);
                errors[field] = [$"{field} must be {(bounds.Whole ? "a whole number" : "a number")} from {bounds.Min:G} to {bounds.Max:G}."];
            }
            else
            {
                merged[property.Name] = number;
            }
        }

        return JsonSerializer.Serialize(merged);
    }

    /// <summary>What each threshold can sensibly be: a minimum of -1 or a ratio of 1e308 silences a rule without
    /// disabling it, which nobody should do by accident.</summary>
    private static ThresholdRange RangeOf(string name) => name switch
    {
        "minMessages" => new(1, 1_000_000_000, Whole: true),
        "minBaselineDays" => new(1, 90, Whole: true),
        "ratio" => new(1, 1000, Whole: false),
        "minIncrease" => new(0, 1, Whole: false),
        "dailyDays" => new(2, 90, Whole: true),
        "silentDays" => new(1, 90, Whole: true),
        _ => new(0, 1_000_000_000, Whole: false),
    };

    private readonly record struct ThresholdRange(double Min, double Max, bool Whole)
    {
        public bool Admits(double value) => value >= Min && value <= Max && (!Whole || Math.Floor(value) == value);
    }
}

/// <summary>The alert rules' settings. The rules themselves (their keys and logic) are defined by the product and
/// seeded by the silo, so rules are edited here but never created or deleted.</summary>
public static class AlertRulesApi
{
    private static readonly SortOrder<AlertRuleEntity> s_sort = PagedQuery.Sort<AlertRuleEntity>("key",
        ("key", (q, d) => q.By(r => r.Key, d)),
        ("updatedAt", (q, d) => q.By(r => r.UpdatedAt, d)));

    public static IEndpointRouteBuilder MapAlertRulesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/alert-rules").WithTags("Alert rules").RequireAuthorization(Policies.Viewer);
        group.MapGet("/", ListAlertRules).WithName(nameof(ListAlertRules)).WithSummary("List the alert rules and their settings, by key.");
        group.MapGet("/{key}", GetAlertRule).WithName(nameof(GetAlertRule)).WithSummary("One alert rule.");
        group.MapPut("/{key}", UpdateAlertRule).WithName(nameof(UpdateAlertRule))
            .WithSummary("Edit a rule: enabled, severity, cooldown, its thresholds, description. Fields left out are kept.")
            .RequireAuthorization(Policies.Admin);
        return endpoints;
    }

    public static async Task<Results<Ok<PagedResult<AlertRuleDto>>, ValidationProblem>> ListAlertRules(
        [AsParameters] PagingParameters paging, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        if (Validation.Check(paging) is { } problem)
        {
            return problem;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return TypedResults.Ok(await db.AlertRules.PageAsync(s_sort, r => r.Key, paging.ToPageRequest(), AlertRuleDto.From, cancellationToken));
    }

    public static async Task<Results<Ok<AlertRuleDto>, NotFound>> GetAlertRule(
        string key, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.AlertRules.SingleOrDefaultAsync(r => r.Key == key, cancellationToken) is { } rule
            ? TypedResults.Ok(AlertRuleDto.From(rule))
            : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<AlertRuleDto>, NotFound, ValidationProblem>> UpdateAlertRule(
        string key,
        UpdateAlertRuleRequest request,
        ClaimsPrincipal user,
        IDbContextFactory<DmarcDbContext> contexts,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rule = await db.AlertRules.AsTracking().SingleOrDefaultAsync(r => r.Key == key, cancellationToken);
        if (rule is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new Dictionary<string, string[]>();
        request.ApplyTo(rule, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        rule.UpdatedAt = clock.StoredNow();
        rule.UpdatedBy = Actor.Of(user);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(AlertRuleDto.From(rule));
    }

    internal static IReadOnlyDictionary<string, double> Thresholds(AlertRuleEntity rule) =>
        JsonSerializer.Deserialize<Dictionary<string, double>>(rule.Thresholds) ?? [];
}
