using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Data.Database;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Notifications;

internal static class NotificationsSetup
{
    /// <summary>One name for every replica and version: Data Protection isolates payloads by application name, and the
    /// default (the content root) would differ between hosts.</summary>
    public const string DataProtectionApplicationName = "DmarcSecurity";

    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();

        // The stored channels' secrets are protected with keys kept in the database, so every Api replica reads what
        // another wrote, and a restart loses nothing. The key store asks for a context from a scope: lend it one from the pool.
        builder.Services.TryAddScoped(services => services.GetRequiredService<IDbContextFactory<DmarcDbContext>>().CreateDbContext());
        builder.Services.AddDataProtection().SetApplicationName(DataProtectionApplicationName).PersistKeysToDbContext<DmarcDbContext>();
        builder.Services.AddSingleton<ChannelSecrets>();
        builder.Services.AddSingleton<NotificationChannels>();

        builder.Services.AddHostedService<NotificationDispatcher>();
        builder.Services.AddSingleton<WeeklyDigest>();
        builder.Services.TryAddSingleton<JobRegistry>();
        builder.Services.AddHostedService<DigestScheduler>();
        return builder;
    }
}
