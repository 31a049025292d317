using System.Data.Common;
using DmarcSecurity.Data.Alerts;
using DmarcSecurity.Data.Decisions;
using DmarcSecurity.Data.Enforcement;
using DmarcSecurity.Data.Grains;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Ingestion;
using DmarcSecurity.Data.Reports;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace DmarcSecurity.Data.Database;

public sealed class DmarcDbContext(DbContextOptions<DmarcDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<IngestedFileEntity> IngestedFiles => Set<IngestedFileEntity>();

    public DbSet<IngestionHistoryEntity> IngestionHistory => Set<IngestionHistoryEntity>();

    public DbSet<ReportEntity> Reports => Set<ReportEntity>();

    public DbSet<RawXmlEntity> RawXml => Set<RawXmlEntity>();

    public DbSet<ReportConflictEntity> ReportConflicts => Set<ReportConflictEntity>();

    public DbSet<DuplicateReportEntity> DuplicateReports => Set<DuplicateReportEntity>();

    public DbSet<RecordEntity> Records => Set<RecordEntity>();

    public DbSet<TlsReports.TlsReportEntity> TlsReports => Set<TlsReports.TlsReportEntity>();

    public DbSet<TlsReports.TlsPolicyEntity> TlsPolicies => Set<TlsReports.TlsPolicyEntity>();

    public DbSet<TlsReports.TlsFailureDetailEntity> TlsFailureDetails => Set<TlsReports.TlsFailureDetailEntity>();

    public DbSet<TlsReports.DuplicateTlsReportEntity> DuplicateTlsReports => Set<TlsReports.DuplicateTlsReportEntity>();

    public DbSet<FailureReports.FailureReportEntity> FailureReports => Set<FailureReports.FailureReportEntity>();

    public DbSet<FailureReports.DuplicateFailureReportEntity> DuplicateFailureReports => Set<FailureReports.DuplicateFailureReportEntity>();

    public DbSet<UserEntity> Users => Set<UserEntity>();

    public DbSet<RefreshTokenEntity> RefreshTokens => Set<RefreshTokenEntity>();

    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();

    public DbSet<AuditEntryEntity> AuditEntries => Set<AuditEntryEntity>();

    public DbSet<GrainInboxEntity> GrainInbox => Set<GrainInboxEntity>();

    public DbSet<GrainStateEntity> GrainStates => Set<GrainStateEntity>();


    public DbSet<GrainPartitioningEntity> GrainPartitioning => Set<GrainPartitioningEntity>();

    public DbSet<GrainDeadLetterEntity> GrainDeadLetters => Set<GrainDeadLetterEntity>();

    public DbSet<AlertRuleEntity> AlertRules => Set<AlertRuleEntity>();

    public DbSet<AlertEntity> Alerts => Set<AlertEntity>();

    public DbSet<AlertHistoryEntity> AlertHistory => Set<AlertHistoryEntity>();

    public DbSet<SuppressionEntity> Suppressions => Set<SuppressionEntity>();

    public DbSet<DecisionEntity> Decisions => Set<DecisionEntity>();

    public DbSet<AllowlistEntity> Allowlist => Set<AllowlistEntity>();

    public DbSet<OutboxMessageEntity> Outbox => Set<OutboxMessageEntity>();

    public DbSet<Notifications.NotificationDeliveryEntity> NotificationDeliveries => Set<Notifications.NotificationDeliveryEntity>();

    public DbSet<Notifications.NotificationChannelEntity> NotificationChannels => Set<Notifications.NotificationChannelEntity>();

    /// <summary>The Api's Data Protection key ring (it protects the stored channels' secrets).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<BouncerEntity> Bouncers => Set<BouncerEntity>();

    public DbSet<BouncerDecisionEntity> BouncerDecisions => Set<BouncerDecisionEntity>();

    public DbSet<Ids.IdsIngestionEntity> IdsIngestions => Set<Ids.IdsIngestionEntity>();

    public DbSet<Ids.IdsAlertEntity> IdsAlerts => Set<Ids.IdsAlertEntity>();

    public DbSet<Ids.IdsTailPositionEntity> IdsTailPositions => Set<Ids.IdsTailPositionEntity>();

    public DbSet<Learning.SeverityModelEntity> SeverityModels => Set<Learning.SeverityModelEntity>();

    public DbSet<Learning.SeverityPredictionEntity> SeverityPredictions => Set<Learning.SeverityPredictionEntity>();

    public DbSet<Siem.SiemExportEntity> SiemExports => Set<Siem.SiemExportEntity>();

    public DbSet<Jobs.JobRunEntity> JobRuns => Set<Jobs.JobRunEntity>();

    public DbSet<Senders.AuthorisedServiceEntity> AuthorisedServices => Set<Senders.AuthorisedServiceEntity>();

    public DbSet<Posture.DnsPostureCheckEntity> DnsPostureChecks => Set<Posture.DnsPostureCheckEntity>();

    public DbSet<global::DmarcSecurity.Data.Mailboxes.MailboxEntity> Mailboxes => Set<global::DmarcSecurity.Data.Mailboxes.MailboxEntity>();

    public DatabaseProvider Provider => Database.IsNpgsql() ? DatabaseProvider.PostgreSql : DatabaseProvider.Sqlite;

    /// <summary>A context over an open connection, enlisted in <paramref name="transaction"/>: for code that writes with EF
    /// inside a transaction another component began (the silo's output writer).</summary>
    public static DmarcDbContext ForTransaction(DbConnection connection, DbTransaction transaction)
    {
        var options = new DbContextOptionsBuilder<DmarcDbContext>();
        if (connection is Npgsql.NpgsqlConnection)
        {
            options.UseNpgsql(connection);
        }
        else
        {
            options.UseSqlite(connection);
        }

        options.UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking);
        options.ReplaceService<IModelCacheKeyFactory, ProviderModelCacheKeyFactory>();
        var context = new DmarcDbContext(options.Options);
        context.Database.UseTransaction(transaction);
        return context;
    }

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
        modelBuilder.ApplyConfiguration(new IngestionHistoryConfiguration());
        modelBuilder.ApplyConfiguration(new ReportConfiguration());
        modelBuilder.ApplyConfiguration(new RawXmlConfiguration());
        modelBuilder.ApplyConfiguration(new ReportConflictConfiguration());
        modelBuilder.ApplyConfiguration(new DuplicateReportConfiguration());
        modelBuilder.ApplyConfiguration(new RecordConfiguration(provider));
        modelBuilder.ApplyConfiguration(new Stats.RollupQueueConfiguration());
        Stats.SourceRollupConfiguration.Configure(modelBuilder, "source_days", "day");
        Stats.SourceRollupConfiguration.Configure(modelBuilder, "source_months", "month");
        if (provider == DatabaseProvider.PostgreSql)
        {
            modelBuilder.ApplyConfiguration(new Stats.SourcePackConfiguration());
        }

        modelBuilder.ApplyConfiguration(new TlsReports.TlsReportConfiguration());
        modelBuilder.ApplyConfiguration(new TlsReports.TlsPolicyConfiguration());
        modelBuilder.ApplyConfiguration(new TlsReports.TlsFailureDetailConfiguration());
        modelBuilder.ApplyConfiguration(new TlsReports.DuplicateTlsReportConfiguration());
        modelBuilder.ApplyConfiguration(new FailureReports.FailureReportConfiguration());
        modelBuilder.ApplyConfiguration(new FailureReports.DuplicateFailureReportConfiguration());
        modelBuilder.ApplyConfiguration(new UserConfiguration());
        modelBuilder.ApplyConfiguration(new RefreshTokenConfiguration());
        modelBuilder.ApplyConfiguration(new ApiKeyConfiguration());
        modelBuilder.ApplyConfiguration(new AuditEntryConfiguration());
        modelBuilder.ApplyConfiguration(new GrainInboxConfiguration());
        modelBuilder.ApplyConfiguration(new GrainStateConfiguration());
        modelBuilder.ApplyConfiguration(new GrainPartitioningConfiguration());
        modelBuilder.ApplyConfiguration(new GrainDeadLetterConfiguration());
        modelBuilder.ApplyConfiguration(new AlertRuleConfiguration());
        modelBuilder.ApplyConfiguration(new AlertConfiguration());
        modelBuilder.ApplyConfiguration(new AlertHistoryConfiguration());
        modelBuilder.ApplyConfiguration(new SuppressionConfiguration());
        modelBuilder.ApplyConfiguration(new DecisionConfiguration());
        modelBuilder.ApplyConfiguration(new AllowlistConfiguration());
        modelBuilder.ApplyConfiguration(new OutboxMessageConfiguration());
        modelBuilder.ApplyConfiguration(new BouncerConfiguration());
        modelBuilder.ApplyConfiguration(new BouncerDecisionConfiguration());
        modelBuilder.ApplyConfiguration(new Notifications.NotificationDeliveryConfiguration());
        modelBuilder.ApplyConfiguration(new Notifications.NotificationChannelConfiguration());
        modelBuilder.ApplyConfiguration(new Notifications.DataProtectionKeyConfiguration());
        modelBuilder.ApplyConfiguration(new Ids.IdsIngestionConfiguration());
        modelBuilder.ApplyConfiguration(new Ids.IdsAlertConfiguration());
        modelBuilder.ApplyConfiguration(new Ids.IdsTailPositionConfiguration());
        modelBuilder.ApplyConfiguration(new Learning.SeverityModelConfiguration());
        modelBuilder.ApplyConfiguration(new Learning.SeverityPredictionConfiguration());
        modelBuilder.ApplyConfiguration(new Siem.SiemExportConfiguration());
        modelBuilder.ApplyConfiguration(new Jobs.JobRunConfiguration());
        modelBuilder.ApplyConfiguration(new Senders.AuthorisedServiceConfiguration());
        modelBuilder.ApplyConfiguration(new Posture.DnsPostureCheckConfiguration());
        modelBuilder.ApplyConfiguration(new global::DmarcSecurity.Data.Mailboxes.MailboxConfiguration());
    }
}

/// <summary>The model differs by provider (column types, SQLite-only columns), so one process that talks to both
/// (the tests do) must not reuse the first provider's model for the second.</summary>
internal sealed class ProviderModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) =>
        (context.GetType(), ((DmarcDbContext)context).Provider, designTime);
}
