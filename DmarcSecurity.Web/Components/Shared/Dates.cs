using System.Globalization;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>Date filters as the Api takes them (a day is a UTC day, and "to" includes the whole day), and lengths of time
/// as people say them.</summary>
internal static class Dates
{
    /// <summary>A day as the URL and date inputs hold it, yyyy-MM-dd; null when it is not one.</summary>
    public static DateOnly? Parse(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    /// <summary>A day as the URL and date inputs hold it, yyyy-MM-dd.</summary>
    public static string? Text(DateOnly? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateTimeOffset? Start(DateOnly? day) =>
        day is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;

    public static DateTimeOffset? End(DateOnly? day) =>
        day is { } d ? new DateTimeOffset(d.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddTicks(-1) : null;

    /// <summary>"12 h", "7 days", "90 min", "45 s": the largest whole unit.</summary>
    public static string Duration(long seconds) => seconds switch
    {
        0 => "none",
        _ when seconds % 86400 == 0 => Plural(seconds / 86400, "day"),
        _ when seconds % 3600 == 0 => $"{seconds / 3600} h",
        _ when seconds % 60 == 0 => $"{seconds / 60} min",
        _ => $"{seconds} s",
    };

    private static string Plural(long n, string unit) => n.ToString(CultureInfo.InvariantCulture) + " " + unit + (n == 1 ? "" : "s");
}
