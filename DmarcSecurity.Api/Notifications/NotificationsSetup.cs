using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Notifications;

internal static class NotificationsSetup
{
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        builder.Services.AddHostedService<NotificationDispatcher>();
        builder.Services.AddSingleton<WeeklyDigest>();
        builder.Services.AddHostedService<DigestScheduler>();
        return builder;
    }
}
