using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>Runs one Graph reader per configured Microsoft 365 mailbox for the life of the Api.</summary>
internal sealed class GraphMailboxIngestionService : BackgroundService
{
    private readonly IServiceProvider _services;
    private readonly List<(string Name, GraphMailboxOptions Options, LoopJob Loop)> _mailboxes = [];

    public GraphMailboxIngestionService(IOptions<IngestionOptions> options, IServiceProvider services, MailboxStatusBoard board, JobRegistry jobs)
    {
        _services = services;

        // Before the host has started, so the status and the job of every mailbox are there from the first request on.
        foreach (var (name, mailbox) in options.Value.GraphMailboxes)
        {
            board.Register(name, GraphMailboxReader.Server(mailbox), mailbox.Folder);
            _mailboxes.Add((name, mailbox, jobs.AddLoop($"mailbox:{name}",
                $"Reads the Microsoft 365 mailbox {mailbox.UserId}, folder {mailbox.Folder}, through Microsoft Graph.", mailbox.PollInterval)));
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_mailboxes.Select(m => Task.Run(() => RunAsync(m.Name, m.Options, m.Loop, stoppingToken), stoppingToken)));

    /// <summary>A reader that cannot even be made (its certificate file went away since the start) is shown on the
    /// status and made again at the next interval; the Api and the other mailboxes go on.</summary>
    private async Task RunAsync(string name, GraphMailboxOptions options, LoopJob loop, CancellationToken stoppingToken)
    {
        var board = _services.GetRequiredService<MailboxStatusBoard>();
        while (!stoppingToken.IsCancellationRequested)
        {
            GraphMailboxReader reader;
            try
            {
                reader = ActivatorUtilities.CreateInstance<GraphMailboxReader>(_services, name, options, loop);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
            {
                var error = $"The credential could not be loaded ({options.Credential}): {e.Message}";
                board.Update(name, s => s with { State = "Retrying", Errors = s.Errors + 1, LastError = error, LastErrorAt = DateTimeOffset.UtcNow, NextPollAt = DateTimeOffset.UtcNow + options.PollInterval });
                await loop.WaitAsync(options.PollInterval, stoppingToken);
                continue;
            }

            using (reader)
            {
                await reader.RunAsync(stoppingToken);
            }
        }
    }
}

public static class GraphMailboxesSetup
{
    public static WebApplicationBuilder AddGraphMailboxes(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<IngestionOptions>, GraphMailboxOptionsValidator>();
        builder.Services.TryAddSingleton<MailboxStatusBoard>();
        builder.Services.TryAddSingleton<JobRegistry>();

        // Graph's own retry handler honours Retry-After; the standard resilience handler on top would retry each call
        // again, and its timeouts would cut a large message's download. (Removing it is marked for evaluation in
        // Microsoft.Extensions.Http.Resilience; it is the documented way to opt one client out of the defaults.)
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient(GraphMailboxReader.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.All })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddHostedService<GraphMailboxIngestionService>();
        return builder;
    }
}
