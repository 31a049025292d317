namespace DmarcSecurity.Api.Common;

internal static class StoredTime
{
    /// <summary>UTC, whole milliseconds: what SQLite keeps (PostgreSQL keeps microseconds, and Npgsql writes timestamptz
    /// only from UTC), so an answer carries exactly what a later read returns.</summary>
    public static DateTimeOffset Stored(this DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    public static DateTimeOffset StoredNow(this TimeProvider clock) => clock.GetUtcNow().Stored();
}
