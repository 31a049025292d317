using DmarcSecurity.Api.Tests.Infrastructure;
using DmarcSecurity.ServiceDefaults;
using DmarcSecurity.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace DmarcSecurity.Api.Tests.Mailboxes;

/// <summary>The Api with one mailbox configured, on a PostgreSQL database of its own that outlives restarts of the Api.</summary>
public sealed class MailboxHost : IAsyncDisposable
{
    private readonly Dictionary<string, string> _settings;
    private WebApplicationFactory<Program>? _factory;
    private bool _ownsDatabase = true;

    private MailboxHost(string connectionString, Dictionary<string, string> settings)
    {
        ConnectionString = connectionString;
        _settings = settings;
    }

    public string ConnectionString { get; }

    public CapturedLogs Logs { get; } = new();

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("The Api is stopped.");

    /// <summary>The Api with the given settings (mailboxes or none) on a PostgreSQL or SQLite database of its own.</summary>
    public static async Task<MailboxHost> StartAsync(Dictionary<string, string> settings, DbProvider provider = DbProvider.PostgreSql)
    {
        var host = new MailboxHost(await TestDatabases.CreateAsync(provider), settings);
        host.Start();
        return host;
    }

    /// <summary>A second Api on the same database, as another replica: its database is left to this one to drop.</summary>
    public MailboxHost Replica(Dictionary<string, string> settings)
    {
        var replica = new MailboxHost(ConnectionString, settings) { _ownsDatabase = false };
        replica.Start();
        return replica;
    }

    /// <summary>An HttpClient signed in to this Api as an Admin (created on first use).</summary>
    public async Task<HttpClient> AdminAsync() => await NotificationSeed.AdminAsync(Factory);

    public static async Task<MailboxHost> StartAsync(string mailbox, int port, string user, string password, TimeSpan? pollInterval = null, bool useIdle = true)
    {
        var prefix = $"Ingestion:Mailboxes:{mailbox}";
        var host = new MailboxHost(await TestDatabases.CreateAsync(DbProvider.PostgreSql), new Dictionary<string, string>
        {
            [$"{prefix}:Host"] = "127.0.0.1",
            [$"{prefix}:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"{prefix}:Security"] = "None",
            [$"{prefix}:UserName"] = user,
            [$"{prefix}:Password"] = password,
            [$"{prefix}:PollInterval"] = (pollInterval ?? TimeSpan.FromSeconds(2)).ToString(),
            [$"{prefix}:UseIdle"] = useIdle ? "true" : "false",
        });
        host.Start();
        return host;
    }

    /// <summary>Starts the Api (again) on the same database and settings; its mailbox readers start with it.</summary>
    public void Start()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting($"ConnectionStrings:{ResourceNames.Database}", ConnectionString);
            web.UseSetting("Auth:SigningKey", ApiFixture.SigningKey);
            foreach (var (key, value) in _settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        });
        _ = _factory.Services;
    }

    public async Task StopAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
            _factory = null;
        }
    }

    /// <summary>One number from the database, e.g. <c>SELECT count(*) FROM reports</c>.</summary>
    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDatabase)
        {
            await TestDatabases.DropAsync(ConnectionString);
        }
    }
}

/// <summary>A test's own view of the mailbox, through MailKit: append messages, count folders.</summary>
public sealed class MailboxClient : IAsyncDisposable
{
    private readonly ImapClient _client = new();

    private MailboxClient()
    {
    }

    public static async Task<MailboxClient> ConnectAsync(int port, string user, string password)
    {
        var mailbox = new MailboxClient();
        await mailbox._client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        await mailbox._client.AuthenticateAsync(user, password);
        return mailbox;
    }

    public async Task AppendAsync(params MimeMessage[] messages)
    {
        foreach (var message in messages)
        {
            await _client.Inbox.AppendAsync(message);
        }
    }

    /// <summary>Messages in a folder; 0 when the folder does not exist yet.</summary>
    public async Task<int> CountAsync(string folder)
    {
        try
        {
            var mailFolder = await _client.GetFolderAsync(folder);
            await mailFolder.OpenAsync(FolderAccess.ReadOnly);
            var count = mailFolder.Count;
            await mailFolder.CloseAsync();
            return count;
        }
        catch (FolderNotFoundException)
        {
            return 0;
        }
    }

    public async Task<IReadOnlyList<string>> SubjectsAsync(string folder)
    {
        var mailFolder = await _client.GetFolderAsync(folder);
        await mailFolder.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await mailFolder.FetchAsync(await mailFolder.SearchAsync(SearchQuery.All), MessageSummaryItems.Envelope);
        await mailFolder.CloseAsync();
        return [.. summaries.Select(s => s.Envelope?.Subject ?? "").Order(StringComparer.Ordinal)];
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync(true);
        }

        _client.Dispose();
    }
}

/// <summary>Report e-mails as receivers send them, built with MimeKit.</summary>
public static class ReportMail
{
    public static MimeMessage WithAttachments(string subject, params (string FileName, string ContentType, byte[] Content)[] attachments)
    {
        var body = new BodyBuilder { TextBody = "This is an aggregate report." };
        foreach (var (fileName, contentType, content) in attachments)
        {
            body.Attachments.Add(fileName, content, ContentType.Parse(contentType));
        }

        return New(subject, body.ToMessageBody());
    }

    /// <summary>The report XML as the whole body (text/xml, quoted-printable), as some receivers send it.</summary>
    public static MimeMessage InlineXml(string subject, byte[] xml)
    {
        var part = new TextPart("xml") { Text = System.Text.Encoding.UTF8.GetString(xml), ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        return New(subject, part);
    }

    public static MimeMessage Text(string subject, string text) => New(subject, new TextPart("plain") { Text = text });

    private static MimeMessage New(string subject, MimeEntity body)
    {
        var message = new MimeMessage { Subject = subject, Body = body, Date = DateTimeOffset.UtcNow };
        message.From.Add(MailboxAddress.Parse("noreply-dmarc-support@google.com"));
        message.To.Add(MailboxAddress.Parse("dmarc@example.com"));
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("google.com");
        return message;
    }
}
