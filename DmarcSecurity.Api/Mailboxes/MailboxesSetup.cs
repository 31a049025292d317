using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>Runs one reader per configured mailbox for the life of the Api.</summary>
internal sealed class MailboxIngestionService : BackgroundService
{
    private readonly IServiceProvider _services;
    private readonly List<(string Name, MailboxOptions Options, LoopJob Loop)> _mailboxes = [];

    public MailboxIngestionService(IOptions<IngestionOptions> options, IServiceProvider services, MailboxStatusBoard board, JobRegistry jobs)
    {
        _services = services;

        // Before the host has started, so the status and the job of every mailbox are there from the first request on.
        foreach (var (name, mailbox) in options.Value.Mailboxes)
        {
            board.Register(name, mailbox);
            _mailboxes.Add((name, mailbox, jobs.AddLoop($"mailbox:{name}",
                $"Reads the IMAP mailbox {mailbox.UserName}@{mailbox.Host}:{mailbox.EffectivePort}, folder {mailbox.Folder}" +
                (mailbox.UseIdle ? ", waiting with IDLE where the server offers it." : "."), mailbox.PollInterval)));
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_mailboxes.Select(m =>
        {
            var reader = ActivatorUtilities.CreateInstance<ImapMailboxReader>(_services, m.Name, m.Options, m.Loop);
            return Task.Run(() => reader.RunAsync(stoppingToken), stoppingToken);
        }));
}

public static class MailboxesApi
{
    public static WebApplicationBuilder AddMailboxes(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<IngestionOptions>, MailboxOptionsValidator>();
        builder.Services.AddSingleton<MailboxStatusBoard>();
        builder.Services.TryAddSingleton<JobRegistry>();
        builder.Services.AddHostedService<MailboxIngestionService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapMailboxesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/mailboxes").WithTags("Mailboxes").RequireAuthorization(Policies.Admin);
        group.MapGet("/", ListMailboxes).WithName(nameof(ListMailboxes))
            .WithSummary("Every configured mailbox with its live status: last and next poll, messages seen, archived and invalid, errors.");
        group.MapGet("/{name}", GetMailbox).WithName(nameof(GetMailbox)).WithSummary("One mailbox's live status.");
        return endpoints;
    }

    public static Ok<IReadOnlyList<MailboxStatus>> ListMailboxes(MailboxStatusBoard board, CancellationToken cancellationToken) =>
        TypedResults.Ok(board.All());

    public static Results<Ok<MailboxStatus>, NotFound> GetMailbox(string name, MailboxStatusBoard board, CancellationToken cancellationToken) =>
        board.Find(name) is { } status ? TypedResults.Ok(status) : TypedResults.NotFound();
}
