using DmarcSecurity.Api.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Ingestion.Tailing;

/// <summary>Runs one tailer per configured sensor log for the life of the Api.</summary>
internal sealed class IdsTailingService(IOptions<IdsOptions> options, IServiceProvider services, JobRegistry jobs) : BackgroundService
{
    // Made with the service, before the host starts, so every tailer's job is listed from the first request on.
    private readonly List<(string Name, IdsTailerOptions Options, LoopJob Loop)> _tailers = [.. options.Value.Tailers.Select(pair =>
        (pair.Key, pair.Value, jobs.AddLoop($"tail:{pair.Key}",
            $"Follows the sensor log {pair.Value.Path}{(pair.Value.Pattern is { } pattern ? $" ({pattern})" : "")}: new lines are stored as IDS evidence.",
            pair.Value.PollInterval)))];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_tailers.Select(t =>
        {
            var tailer = ActivatorUtilities.CreateInstance<IdsLogTailer>(services, t.Name, t.Options);
            return Task.Run(() => tailer.RunAsync(t.Loop, stoppingToken), stoppingToken);
        }));
}

public static class IdsTailing
{
    /// <summary>IDS log tailers from <c>Ids:Tailers:&lt;name&gt;</c>, validated at start.</summary>
    public static WebApplicationBuilder AddIdsTailers(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdsOptions>().BindConfiguration(IdsOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IdsOptions>, IdsTailerOptionsValidator>();
        builder.Services.TryAddSingleton<JobRegistry>();
        builder.Services.AddHostedService<IdsTailingService>();
        return builder;
    }
}
