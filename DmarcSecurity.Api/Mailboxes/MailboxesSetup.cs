using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>Runs the mailbox readers for the life of the Api and follows the stored mailboxes' changes.</summary>
internal sealed partial class MailboxIngestionService : BackgroundService
{
    private readonly MailboxSupervisor _supervisor;
    private readonly ILogger<MailboxIngestionService> _logger;

    public MailboxIngestionService(MailboxSupervisor supervisor, ILogger<MailboxIngestionService> logger)
    {
        _supervisor = supervisor;
        _logger = logger;
        supervisor.RegisterConfigured();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _supervisor.StartAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await _supervisor.ReconcileAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    // The database may be away for a while: the running readers go on, and the next round tries again.
                    LogReconcileFailed(_logger, e);
                }

                await Task.Delay(MailboxSupervisor.RefreshInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        finally
        {
            await _supervisor.StopAllAsync();
        }
    }

    [LoggerMessage(EventId = 3115, Level = LogLevel.Warning, Message = "Could not read the stored mailboxes; the running readers go on")]
    private static partial void LogReconcileFailed(ILogger logger, Exception error);
}

public static partial class MailboxesApi
{
    public static WebApplicationBuilder AddMailboxes(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<IngestionOptions>, MailboxOptionsValidator>();
        builder.Services.AddSingleton<MailboxStatusBoard>();
        builder.Services.TryAddSingleton<JobRegistry>();
        builder.Services.AddSingleton<MailboxSecrets>();
        builder.Services.AddSingleton<MailboxSupervisor>();
        builder.Services.AddHostedService<MailboxIngestionService>();
        return builder;
    }
}
