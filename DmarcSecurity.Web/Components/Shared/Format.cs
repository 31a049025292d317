using System.Globalization;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>How figures read on every page: grouped integers, one-decimal percentages, UTC times.</summary>
internal static class Format
{
    public static string Count(double value) => Math.Round(value).ToString("N0", CultureInfo.InvariantCulture);

    public static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Day(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "—";

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A score's input: a whole number grouped like a count, otherwise up to three decimals.</summary>
    public static string Input(double value) =>
        value == Math.Floor(value) ? Count(value) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
