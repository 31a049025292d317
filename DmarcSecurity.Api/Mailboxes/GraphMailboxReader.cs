using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Jobs;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;
using Microsoft.Extensions.Options;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Models.ODataErrors;
using Microsoft.Graph.Users.Item.Messages.Item.Move;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Authentication.Azure;

namespace DmarcSecurity.Api.Mailboxes;

/// <summary>
/// Reads one Microsoft 365 mailbox through Microsoft Graph until the Api stops, signed in as an application (client
/// credentials). Every message in the folder is fetched whole (its MIME, <c>/messages/{id}/$value</c>) and ingested as
/// one file (source <c>graph:&lt;name&gt;</c>), exactly as an IMAP message is; then moved to the archive folder when
/// every report in it is stored or was already stored, or to the invalid folder when it holds no report or was
/// refused. A message is moved only after its outcome is committed, so a call that fails at any point loses nothing:
/// the next poll reads the message again and the byte-identical copy is answered as a duplicate and archived. Each
/// poll is a run of the job <c>mailbox:&lt;name&gt;</c>.
/// </summary>
internal sealed partial class GraphMailboxReader : IDisposable
{
    /// <summary>The HttpClient name of every Graph and token call (tests give it a handler that trusts their server).</summary>
    public const string HttpClientName = "graph-mailboxes";

    /// <summary>Messages read per poll at most; the rest are read at the next one.</summary>
    private const int MaxMessagesPerPoll = 5_000;

    private const int PageSize = 100;
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_lastRetry = TimeSpan.FromMinutes(2);

    /// <summary>Folder names Graph resolves itself, in any language the mailbox uses.</summary>
    private static readonly HashSet<string> s_wellKnownFolders = new(StringComparer.OrdinalIgnoreCase)
    {
        "archive", "deleteditems", "drafts", "inbox", "junkemail", "outbox", "sentitems", "msgfolderroot",
    };

    private readonly string _name;
    private readonly GraphMailboxOptions _options;
    private readonly LoopJob _loop;
    private readonly IServiceScopeFactory _scopes;
    private readonly MailboxStatusBoard _board;
    private readonly TimeProvider _time;
    private readonly ILogger<GraphMailboxReader> _logger;
    private readonly long _maxMessageBytes;
    private readonly HttpClient _http;
    private readonly GraphServiceClient _graph;

    public GraphMailboxReader(
        string name,
        GraphMailboxOptions options,
        LoopJob loop,
        IServiceScopeFactory scopes,
        MailboxStatusBoard board,
        IOptions<IngestionOptions> ingestion,
        IHttpMessageHandlerFactory handlers,
        TimeProvider time,
        ILogger<GraphMailboxReader> logger)
    {
        _name = name;
        _options = options;
        _loop = loop;
        _scopes = scopes;
        _board = board;
        _time = time;
        _logger = logger;
        _maxMessageBytes = ingestion.Value.ToLimits().MaxInputBytes;

        // One credential for the reader's life: it keeps the token until shortly before it expires.
        var credential = CreateCredential(options, handlers.CreateHandler(HttpClientName));
        var endpoint = new Uri(options.GraphEndpoint);
        var authentication = new AzureIdentityAuthenticationProvider(
            credential, allowedHosts: [endpoint.Host], observabilityOptions: null, isCaeEnabled: true, scopes: [$"{endpoint.GetLeftPart(UriPartial.Authority)}/.default"]);

        // Graph's own middleware (retry after 429, 503 and 504 as Retry-After says, redirects, telemetry) over the named client's handler.
        _http = new HttpClient(GraphClientFactory.CreatePipeline(GraphClientFactory.CreateDefaultHandlers(), handlers.CreateHandler(HttpClientName)))
        {
            Timeout = TimeSpan.FromMinutes(2),
        };
        _graph = new GraphServiceClient(_http, authentication, $"{endpoint.GetLeftPart(UriPartial.Authority)}/v1.0");
    }

    public string Source => $"graph:{_name}";

    public static string Server(GraphMailboxOptions options) => $"Microsoft 365: {options.UserId} ({new Uri(options.GraphEndpoint).Host})";

    /// <summary>The identity platform's hosts of the public, US government and China clouds, which the identity
    /// library knows; any other authority (Azure Stack, a test's) is used as given, without instance discovery, which
    /// would ask the public cloud about it.</summary>
    private static readonly HashSet<string> s_knownAuthorities = new(StringComparer.OrdinalIgnoreCase)
    {
        AzureAuthorityHosts.AzurePublicCloud.Host, AzureAuthorityHosts.AzureGovernment.Host, AzureAuthorityHosts.AzureChina.Host,
    };

    private static TokenCredential CreateCredential(GraphMailboxOptions options, HttpMessageHandler handler)
    {
        var transport = new HttpClientTransport(handler);
        var authority = new Uri(options.AuthorityHost);
        var discovery = s_knownAuthorities.Contains(authority.Host) && authority.IsDefaultPort;
        if (!string.IsNullOrEmpty(options.CertificatePath))
        {
            return new ClientCertificateCredential(options.TenantId, options.ClientId, options.LoadCertificate(), new ClientCertificateCredentialOptions
            {
                AuthorityHost = authority, Transport = transport, SendCertificateChain = false, DisableInstanceDiscovery = !discovery,
            });
        }

        return new ClientSecretCredential(options.TenantId, options.ClientId, options.ClientSecret,
            new ClientSecretCredentialOptions { AuthorityHost = authority, Transport = transport, DisableInstanceDiscovery = !discovery });
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        var retry = s_firstRetry;
        Opened? opened = null;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _loop.RecordAsync("schedule", async ct =>
                {
                    if (opened is null)
                    {
                        _board.Update(_name, s => s with { State = "Connecting" });
                        opened = await OpenAsync(ct);
                    }

                    _board.Update(_name, s => s with { State = "Polling" });
                    return await PollAsync(opened, ct);
                }, stopping);
                retry = s_firstRetry;
                _board.Update(_name, s => s with { State = "Waiting", LastPollAt = _time.GetUtcNow(), NextPollAt = _time.GetUtcNow() + _options.PollInterval });
                await _loop.WaitAsync(_options.PollInterval, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var error = Describe(e);
                _board.Update(_name, s => s with { State = "Retrying", Errors = s.Errors + 1, LastError = error, LastErrorAt = _time.GetUtcNow(), NextPollAt = _time.GetUtcNow() + retry });
                LogCallFailed(_logger, _name, _options.UserId, error, retry);

                // The folders are looked up again: one may have been renamed or deleted meanwhile.
                opened = null;
                await _loop.WaitAsync(retry, stopping);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, s_lastRetry.Ticks));
            }
        }
    }

    /// <summary>What went wrong, for the status and the log: Graph's error code and message, or the identity
    /// platform's (AADSTS...) answer. Neither carries the secret; both are bounded, without control characters.</summary>
    private static string Describe(Exception e)
    {
        var text = e switch
        {
            ODataError { Error: { } error } o => $"Graph answered {o.ResponseStatusCode} {error.Code}: {error.Message}",
            ApiException { InnerException: AuthenticationFailedException auth } => Chain(auth),
            ApiException a when a.InnerException is null => $"Graph answered {a.ResponseStatusCode}: {a.Message}",
            AggregateException { InnerExceptions: [.., var last] } retries when RetriedAnswer().Match(last.Message) is { Success: true } answer =>
                $"Graph answered {Status(answer.Groups[1].Value)} {ErrorText(answer.Groups[2].Value)} (given up after {retries.InnerExceptions.Count} tries)",
            _ => Chain(e),
        };
        var clean = string.Concat(text.Take(1000).Select(c => char.IsControl(c) ? ' ' : c));
        return text.Length > 1000 ? clean + "..." : clean;
    }

    /// <summary>How Graph's retry handler words each answer it gave up on: "HTTP request failed with status code: ServiceUnavailable.{body}".</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"status code: (\w+)\.(.*)$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex RetriedAnswer();

    private static string Status(string name) =>
        Enum.TryParse<System.Net.HttpStatusCode>(name, out var status) ? ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture) : name;

    /// <summary>Graph's error body as "code: message", or the body's start when it is not one.</summary>
    private static string ErrorText(string body)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var error = json.RootElement.GetProperty("error");
            return $"{error.GetProperty("code").GetString()}: {error.GetProperty("message").GetString()}";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    /// <summary>The exception's message and those of its causes (the identity platform's AADSTS answer is the
    /// innermost), each once.</summary>
    private static string Chain(Exception e)
    {
        var messages = new List<string>();
        for (var current = e; current is not null; current = current.InnerException)
        {
            var message = current.Message.Trim();
            if (message.Length > 0 && !messages.Any(m => m.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return $"{e.GetType().Name}: {string.Join(" <- ", messages)}";
    }

    private sealed record Opened(string Folder, string Archive, string Invalid);

    private async Task<Opened> OpenAsync(CancellationToken cancellationToken)
    {
        var folder = await FindFolderAsync(_options.Folder, create: false, cancellationToken);
        var archive = await FindFolderAsync(_options.ArchiveFolder, create: true, cancellationToken);
        var invalid = await FindFolderAsync(_options.InvalidFolder, create: true, cancellationToken);
        LogOpened(_logger, _name, _options.UserId, _options.Folder, _options.Credential);
        return new Opened(folder, archive, invalid);
    }

    /// <summary>The id of a folder given by a path of display names (<c>Inbox/DMARC</c>), whose first name may be a
    /// well-known one (<c>Inbox</c>, <c>Archive</c>: found whatever the mailbox's language); missing folders are created
    /// when <paramref name="create"/>, else refused.</summary>
    private async Task<string> FindFolderAsync(string path, bool create, CancellationToken cancellationToken)
    {
        var user = _graph.Users[_options.UserId];
        string? parent = null;
        foreach (var segment in path.Split('/').Select(s => s.Trim()))
        {
            string? id = null;
            if (parent is null && s_wellKnownFolders.Contains(segment))
            {
                try
                {
                    id = (await user.MailFolders[segment.ToLowerInvariant()].GetAsync(r => r.QueryParameters.Select = ["id", "displayName"], cancellationToken))?.Id;
                }
                catch (ApiException e) when (e.ResponseStatusCode == 404)
                {
                    // Not there in this mailbox (an archive that was never made): looked up by its name below.
                }
            }

            id ??= await FindChildAsync(parent, segment, cancellationToken);
            if (id is null)
            {
                if (!create)
                {
                    throw new InvalidOperationException($"The folder \"{path}\" does not exist in the mailbox {_options.UserId} (no \"{segment}\").");
                }

                var created = parent is null
                    ? await user.MailFolders.PostAsync(new MailFolder { DisplayName = segment }, cancellationToken: cancellationToken)
                    : await user.MailFolders[parent].ChildFolders.PostAsync(new MailFolder { DisplayName = segment }, cancellationToken: cancellationToken);
                id = created?.Id ?? throw new InvalidOperationException($"Graph did not create the folder \"{segment}\".");
                LogFolderCreated(_logger, _name, path);
            }

            parent = id;
        }

        return parent ?? throw new InvalidOperationException($"The folder \"{path}\" is empty.");
    }

    private async Task<string?> FindChildAsync(string? parent, string displayName, CancellationToken cancellationToken)
    {
        var user = _graph.Users[_options.UserId];
        var filter = $"displayName eq '{displayName.Replace("'", "''", StringComparison.Ordinal)}'";
        var found = parent is null
            ? await user.MailFolders.GetAsync(r => { r.QueryParameters.Filter = filter; r.QueryParameters.Select = ["id", "displayName"]; }, cancellationToken)
            : await user.MailFolders[parent].ChildFolders.GetAsync(r => { r.QueryParameters.Filter = filter; r.QueryParameters.Select = ["id", "displayName"]; }, cancellationToken);
        return found?.Value?.FirstOrDefault(f => string.Equals(f.DisplayName, displayName, StringComparison.OrdinalIgnoreCase))?.Id;
    }

    /// <summary>Lists the folder first (every page), then reads the messages: moving messages while paging would
    /// shift the pages under the listing and skip some.</summary>
    private async Task<string> PollAsync(Opened opened, CancellationToken cancellationToken)
    {
        var before = _board.Find(_name)!;
        var messages = _graph.Users[_options.UserId].MailFolders[opened.Folder].Messages;
        var listed = new List<Message>();
        var page = await messages.GetAsync(r =>
        {
            r.QueryParameters.Select = ["id", "subject", "receivedDateTime"];
            r.QueryParameters.Orderby = ["receivedDateTime asc"];
            r.QueryParameters.Top = PageSize;
        }, cancellationToken);
        var seenLinks = new HashSet<string>(StringComparer.Ordinal);
        while (page is not null)
        {
            listed.AddRange(page.Value ?? []);
            if (listed.Count >= MaxMessagesPerPoll || page.OdataNextLink is not { Length: > 0 } next || !seenLinks.Add(next))
            {
                break;
            }

            page = await messages.WithUrl(next).GetAsync(cancellationToken: cancellationToken);
        }

        foreach (var message in listed.Where(m => m.Id is { Length: > 0 }).DistinctBy(m => m.Id).Take(MaxMessagesPerPoll))
        {
            await HandleAsync(message, opened, cancellationToken);
        }

        var after = _board.Find(_name)!;
        var seen = after.MessagesSeen - before.MessagesSeen;
        var archived = after.MessagesArchived - before.MessagesArchived;
        var invalid = after.MessagesInvalid - before.MessagesInvalid;
        return $"{seen} message(s) in {_options.Folder}: {archived} archived, {invalid} to the invalid folder, {seen - archived - invalid} left for the next poll.";
    }

    private async Task HandleAsync(Message message, Opened opened, CancellationToken cancellationToken)
    {
        var id = message.Id!;
        var label = Label(message);
        var item = _graph.Users[_options.UserId].Messages[id];
        _board.Update(_name, s => s with { MessagesSeen = s.MessagesSeen + 1 });

        using var content = new MemoryStream();
        string sha256;
        try
        {
            await using var stream = await item.Content.GetAsync(cancellationToken: cancellationToken)
                ?? throw new InvalidOperationException($"Graph answered no content for message {id}.");
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (content.Length + read > _maxMessageBytes)
                {
                    var detail = $"the message is over the {_maxMessageBytes:N0}-byte limit; it was not read further.";
                    LogInvalid(_logger, _name, label, RejectionReason.InputTooLarge, detail);
                    if (await MoveAsync(item, opened.Invalid, label, cancellationToken))
                    {
                        _board.Update(_name, s => s with { MessagesInvalid = s.MessagesInvalid + 1 });
                    }

                    return;
                }

                hash.AppendData(buffer, 0, read);
                content.Write(buffer, 0, read);
            }

            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        catch (ApiException e) when (e.ResponseStatusCode == 404)
        {
            // Moved or deleted by someone else since the listing: nothing to do.
            LogGone(_logger, _name, label);
            return;
        }

        content.Position = 0;
        FileIngestResult result;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var ingestionService = scope.ServiceProvider.GetRequiredService<FileIngestionService>();
            result = await ingestionService.IngestAsync(content, sha256, Source, label, content.Length, cancellationToken);
        }

        switch (result.Outcome)
        {
            case FileOutcome.Stored or FileOutcome.Duplicate:
                if (!await MoveAsync(item, opened.Archive, label, cancellationToken))
                {
                    break;
                }

                _board.Update(_name, s => s with { MessagesArchived = s.MessagesArchived + 1 });
                LogArchived(_logger, _name, label, result.Outcome, result.StoredReportIds.Count + result.StoredTlsReportIds.Count + result.StoredFailureReportIds.Count,
                    result.DuplicateOfReportIds.Count);
                break;
            case FileOutcome.Rejected when result.Reason == RejectionReason.ProcessingFailed:
                // Our failure, not the message's: it stays where it is for the next poll.
                _board.Update(_name, s => s with { Errors = s.Errors + 1, LastError = $"{label}: {result.Error}", LastErrorAt = _time.GetUtcNow() });
                LogLeft(_logger, _name, label);
                break;
            default:
                LogInvalid(_logger, _name, label, result.Reason ?? RejectionReason.NoReportFound, result.Error ?? "");
                if (await MoveAsync(item, opened.Invalid, label, cancellationToken))
                {
                    _board.Update(_name, s => s with { MessagesInvalid = s.MessagesInvalid + 1 });
                }

                break;
        }
    }

    /// <summary>Moves the message; false when someone else moved or deleted it first (its outcome is committed all the same).</summary>
    private async Task<bool> MoveAsync(Microsoft.Graph.Users.Item.Messages.Item.MessageItemRequestBuilder item, string destination, string label, CancellationToken cancellationToken)
    {
        try
        {
            await item.Move.PostAsync(new MovePostRequestBody { DestinationId = destination }, cancellationToken: cancellationToken);
            return true;
        }
        catch (ApiException e) when (e.ResponseStatusCode == 404)
        {
            LogGone(_logger, _name, label);
            return false;
        }
    }

    /// <summary>How the message is named in the ingestion history: its subject, else its received time.</summary>
    private static string Label(Message message)
    {
        var subject = message.Subject;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return message.ReceivedDateTime is { } received ? $"message received {received:u}" : "message without subject";
        }

        // The subject is the sender's text: no control characters into logs and screens, and a bounded length.
        var clean = string.Concat(subject.Take(200).Select(c => char.IsControl(c) ? '?' : c));
        return subject.Length > 200 ? clean + "..." : clean;
    }

    public void Dispose()
    {
        _graph.Dispose();
        _http.Dispose();
    }

    [LoggerMessage(EventId = 3111, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: reading {UserId}, folder {Folder}, through Microsoft Graph (signed in with a {Credential})")]
    private static partial void LogOpened(ILogger logger, string mailbox, string userId, string folder, string credential);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: message ({Subject}) {Outcome} ({Stored} reports stored, {Duplicates} already stored); moved to the archive folder")]
    private static partial void LogArchived(ILogger logger, string mailbox, string subject, FileOutcome outcome, int stored, int duplicates);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: message ({Subject}) moved to the invalid folder: {Reason}: {Detail}")]
    private static partial void LogInvalid(ILogger logger, string mailbox, string subject, RejectionReason reason, string detail);

    [LoggerMessage(EventId = 3114, Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: a call to Microsoft Graph for {UserId} failed ({Error}); retrying in {Delay}")]
    private static partial void LogCallFailed(ILogger logger, string mailbox, string userId, string error, TimeSpan delay);

    [LoggerMessage(EventId = 3115, Level = LogLevel.Error, Message = "Mailbox {Mailbox}: message ({Subject}) could not be processed; it stays in the folder for the next poll")]
    private static partial void LogLeft(ILogger logger, string mailbox, string subject);

    [LoggerMessage(EventId = 3116, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: created the folder {Folder}")]
    private static partial void LogFolderCreated(ILogger logger, string mailbox, string folder);

    [LoggerMessage(EventId = 3117, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: message ({Subject}) was moved or deleted by someone else before the reader could")]
    private static partial void LogGone(ILogger logger, string mailbox, string subject);
}
