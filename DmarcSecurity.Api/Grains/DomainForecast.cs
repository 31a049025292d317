using System.Globalization;
using System.Text.Json;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Learning.Forecast;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Grains;

/// <param name="Rate">Failed ÷ all messages of the day (DMARC fail: neither DKIM nor SPF aligned and passing).</param>
public sealed record DailyRateDto(DateOnly Day, double Rate, long Messages);

/// <param name="Lower">The prediction interval's lower bound (95 %), clamped to 0..1.</param>
public sealed record ForecastDayDto(DateOnly Day, double Rate, double Lower, double Upper);

/// <param name="Method">Simple, HoltLinear or HoltWinters: the richest the history allows (Holt-Winters needs two weeks).</param>
/// <param name="History">The daily rates it was fitted on, oldest first; a day without mail carries the day before's rate.</param>
public sealed record DomainForecastDto(
    string Domain, string Method, double Alpha, double Beta, double Gamma, IReadOnlyList<DailyRateDto> History, IReadOnlyList<ForecastDayDto> Forecast);

/// <summary>Each domain's DMARC failure rate seven days ahead, with a prediction interval, from its grain's daily counts.</summary>
public static class DomainForecast
{
    public static RouteGroupBuilder MapDomainForecast(this RouteGroupBuilder domains)
    {
        domains.MapGet("/{domain}/forecast", GetDomainForecast).WithName(nameof(GetDomainForecast))
            .WithSummary("The domain's daily failure rate 7 days ahead with a 95 % interval (additive Holt-Winters with a weekly season, fitted to the days its grain keeps).");
        return domains;
    }

    public static async Task<Results<Ok<DomainForecastDto>, NotFound>> GetDomainForecast(
        string domain, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        var key = DomainName.Normalise(domain);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var state = await db.GrainStates.Where(g => g.GrainType == GrainTypes.Domain && g.GrainKey == key).Select(g => g.State).SingleOrDefaultAsync(cancellationToken);
        var history = state is null ? [] : History(state);
        if (history.Count == 0)
        {
            return TypedResults.NotFound();
        }

        var forecast = FailureRateForecaster.Forecast([.. history.Select(h => h.Rate)]);
        var last = history[^1].Day;
        var m = forecast.Model;
        return TypedResults.Ok(new DomainForecastDto(key, m.Method.ToString(), m.Alpha, m.Beta, m.Gamma, history,
            [.. forecast.Days.Select(p => new ForecastDayDto(last.AddDays(p.StepsAhead), p.Value, p.Lower, p.Upper))]));
    }

    /// <summary>One rate per day from the first day with mail to the last, gaps carrying the day before's rate.</summary>
    private static List<DailyRateDto> History(string state)
    {
        using var json = JsonDocument.Parse(state);
        var days = new SortedDictionary<DateOnly, (long Messages, long Pass)>();
        if (json.RootElement.TryGetProperty("days", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var d in items.EnumerateArray())
            {
                var messages = d.GetProperty("messages").GetInt64();
                if (messages > 0)
                {
                    days[DateOnly.Parse(d.GetProperty("day").GetString()!, CultureInfo.InvariantCulture)] = (messages, d.GetProperty("dmarcPass").GetInt64());
                }
            }
        }

        var history = new List<DailyRateDto>();
        if (days.Count == 0)
        {
            return history;
        }

        var rate = 0.0;
        for (var day = days.Keys.First(); day <= days.Keys.Last(); day = day.AddDays(1))
        {
            var messages = 0L;
            if (days.TryGetValue(day, out var d))
            {
                messages = d.Messages;
                rate = Math.Clamp((d.Messages - d.Pass) / (double)d.Messages, 0, 1);
            }

            history.Add(new DailyRateDto(day, rate, messages));
        }

        return history;
    }
}
