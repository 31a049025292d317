using DmarcSecurity.Web.Api;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>The whole UTC days a "last N days" view shows: counted back from today, or, when every report is older than
/// that, counted back from the newest report's last day, so imported history is shown rather than an empty page.</summary>
/// <param name="From">Start of the first day; null for all time.</param>
/// <param name="To">End of the last day when anchored on the data; null when the window runs to now.</param>
/// <param name="AnchoredOn">The newest report's last day, when the window was moved back to it.</param>
public sealed record PeriodWindow(DateTimeOffset? From, DateTimeOffset? To, DateOnly? AnchoredOn)
{
    public static readonly PeriodWindow AllTime = new(null, null, null);

    /// <param name="days">Days in the period; 0 or less for all time.</param>
    public static PeriodWindow For(int days, DataExtentDto extent, DateTime utcNow)
    {
        if (days <= 0)
        {
            return AllTime;
        }

        var start = utcNow.Date.AddDays(1 - days);
        if (extent.Last is not { } last || last.UtcDateTime >= start)
        {
            return new PeriodWindow(new DateTimeOffset(start, TimeSpan.Zero), null, null);
        }

        var end = last.UtcDateTime.Date.AddDays(1);
        return new PeriodWindow(new DateTimeOffset(end.AddDays(-days), TimeSpan.Zero), new DateTimeOffset(end, TimeSpan.Zero), DateOnly.FromDateTime(end.AddDays(-1)));
    }

    /// <summary>What the page says when the window was moved back to the data; null when it was not.</summary>
    public string? Note(int days) => AnchoredOn is { } day
        ? $"No reports in the last {days} days. Showing the {days} days up to the newest report, {Format.Day(day)}."
        : null;
}
