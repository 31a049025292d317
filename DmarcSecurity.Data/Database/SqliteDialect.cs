using DmarcSecurity.Data.Reports;
using Microsoft.Data.Sqlite;

namespace DmarcSecurity.Data.Database;

internal sealed class SqliteDialect : ISqlDialect
{
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public string One => "1.0";

    public string? StatsSettings => null;

    public bool IsUniqueViolation(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteConstraintUnique or SqliteConstraintPrimaryKey })
            {
                return true;
            }
        }

        return false;
    }

    // The block is a range of fixed-width hex keys; string.Compare translates to plain comparisons on the indexed column.
    public IQueryable<RecordEntity> WhereSourceIpIn(IQueryable<RecordEntity> records, IpNetwork network)
    {
        var low = network.LowKey;
        var high = network.HighKey;
        records = records.Where(r =>
            string.Compare(EF.Property<string>(r, RecordEntity.SourceIpKey), low) >= 0 &&
            string.Compare(EF.Property<string>(r, RecordEntity.SourceIpKey), high) <= 0);
        return network.CoversIPv4Keys
            ? records.Where(r =>
                string.Compare(EF.Property<string>(r, RecordEntity.SourceIpKey), IpNetwork.IPv4LowKey) < 0 ||
                string.Compare(EF.Property<string>(r, RecordEntity.SourceIpKey), IpNetwork.IPv4HighKey) > 0)
            : records;
    }

    public IOrderedQueryable<RecordEntity> OrderBySourceIp(IQueryable<RecordEntity> records, bool descending) =>
        descending
            ? records.OrderByDescending(r => EF.Property<string>(r, RecordEntity.SourceIpKey))
            : records.OrderBy(r => EF.Property<string>(r, RecordEntity.SourceIpKey));

    public string Seconds(string later, string earlier) => $"((({later}) - ({earlier})) / 1000.0)";

    public string Least(string a, string b) => $"MIN({a}, {b})";

    public string Position(string text, string search) => $"instr({text}, {search})";

    public string Greatest(string a, string b) => $"MAX({a}, {b})";

    public object TimestampValue(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
