using DmarcSecurity.Data.Reports;
using Npgsql;

namespace DmarcSecurity.Data.Database;

internal sealed class PostgreSqlDialect : ISqlDialect
{
    public DatabaseProvider Provider => DatabaseProvider.PostgreSql;

    public string One => "1.0::float8";

    // Aggregates over up to millions of records: JIT compilation costs more than it saves at this size, and hashing
    // a million source addresses spills to disk at the default 4 MB work_mem. SET LOCAL ends with the transaction.
    // A year of rollups can hold a few million rows of (domain, address): their aggregation fits in memory at 256 MB.
    public string? StatsSettings => "SET LOCAL jit = off; SET LOCAL work_mem = '256MB'";

    public bool IsUniqueViolation(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                return true;
            }
        }

        return false;
    }

    // inet <<= cidr: the planner turns it into a range scan on the btree index over source_ip.
    public IQueryable<RecordEntity> WhereSourceIpIn(IQueryable<RecordEntity> records, IpNetwork network)
    {
        var block = new IPNetwork(network.Network, network.PrefixLength);
        return records.Where(r => EF.Functions.ContainedByOrEqual(r.SourceIp, block));
    }

    public IOrderedQueryable<RecordEntity> OrderBySourceIp(IQueryable<RecordEntity> records, bool descending) =>
        descending ? records.OrderByDescending(r => r.SourceIp) : records.OrderBy(r => r.SourceIp);

    public string Seconds(string later, string earlier) => $"EXTRACT(EPOCH FROM ({later}) - ({earlier}))::float8";

    public string Least(string a, string b) => $"LEAST({a}, {b})";

    public string Position(string text, string search) => $"strpos({text}, {search})";

    public string Greatest(string a, string b) => $"GREATEST({a}, {b})";

    public object TimestampValue(DateTimeOffset value) => value.ToUniversalTime();

    public DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);
}
