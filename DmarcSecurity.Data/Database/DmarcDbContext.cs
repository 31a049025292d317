using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace DmarcSecurity.Data.Database;

public sealed class DmarcDbContext(DbContextOptions<DmarcDbContext> options) : DbContext(options)
{
    public DbSet<IngestedFileEntity> IngestedFiles => Set<IngestedFileEntity>();

    public DbSet<ReportEntity> Reports => Set<ReportEntity>();

    public DbSet<RawXmlEntity> RawXml => Set<RawXmlEntity>();

    public DbSet<DuplicateReportEntity> DuplicateReports => Set<DuplicateReportEntity>();

    public DbSet<RecordEntity> Records => Set<RecordEntity>();

    public DbSet<UserEntity> Users => Set<UserEntity>();

    public DbSet<RefreshTokenEntity> RefreshTokens => Set<RefreshTokenEntity>();

    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();

    public DbSet<AuditEntryEntity> AuditEntries => Set<AuditEntryEntity>();

    public DatabaseProvider Provider => Database.IsNpgsql() ? DatabaseProvider.PostgreSql : DatabaseProvider.Sqlite;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            // SQLite has no timestamp or address types: integers keep time comparable and sortable in SQL,
            // and addresses are kept as text (range filters use the separate source_ip_key column).
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
            configurationBuilder.Properties<IPAddress>().HaveConversion<IpAddressTextConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var provider = Provider;
        modelBuilder.ApplyConfiguration(new IngestedFileConfiguration());
        modelBuilder.ApplyConfiguration(new ReportConfiguration());
        modelBuilder.ApplyConfiguration(new RawXmlConfiguration());
        modelBuilder.ApplyConfiguration(new DuplicateReportConfiguration());
        modelBuilder.ApplyConfiguration(new RecordConfiguration(provider));
        modelBuilder.ApplyConfiguration(new UserConfiguration());
        modelBuilder.ApplyConfiguration(new RefreshTokenConfiguration());
        modelBuilder.ApplyConfiguration(new ApiKeyConfiguration());
        modelBuilder.ApplyConfiguration(new AuditEntryConfiguration());
    }
}

/// <summary>The model differs by provider (column types, SQLite-only columns), so one process that talks to both
/// (the tests do) must not reuse the first provider's model for the second.</summary>
internal sealed class ProviderModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) =>
        (context.GetType(), ((DmarcDbContext)context).Provider, designTime);
}
