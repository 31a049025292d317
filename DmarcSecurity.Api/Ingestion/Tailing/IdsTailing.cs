using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Ingestion.Tailing;

/// <summary>Runs one tailer per configured sensor log for the life of the Api.</summary>
internal sealed class IdsTailingService(IOptions<IdsOptions> options, IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Value.Tailers.Select(pair =>
        {
            var tailer = ActivatorUtilities.CreateInstance<IdsLogTailer>(services, pair.Key, pair.Value);
            return Task.Run(() => tailer.RunAsync(stoppingToken), stoppingToken);
        }));
}

public static class IdsTailing
{
    /// <summary>IDS log tailers from <c>Ids:Tailers:&lt;name&gt;</c>, validated at start.</summary>
    public static WebApplicationBuilder AddIdsTailers(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdsOptions>().BindConfiguration(IdsOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IdsOptions>, IdsTailerOptionsValidator>();
        builder.Services.AddHostedService<IdsTailingService>();
        return builder;
    }
}
