using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace DmarcSecurity.Api.Tests.Mailboxes;

/// <summary>
/// A real HTTPS server on 127.0.0.1, with a certificate made for it, that answers as the Microsoft identity platform
/// (instance discovery, the v2.0 token endpoint with client credentials: a secret or a certificate's signed assertion)
/// and as Microsoft Graph v1.0 for one mailbox (mail folders by well-known name, by display name and created; messages
/// listed page by page with <c>@odata.nextLink</c>, their MIME at <c>$value</c>, and moved) do, with faults on demand.
/// </summary>
public sealed partial class GraphServer : IAsyncDisposable
{
    public const string TenantId = "5c2d8a3e-91f4-4b7a-b1de-0c3f6e8a2d17";
    public const string ClientId = "0f6b3c41-7d2e-4e59-a8c3-94b1d2e6f705";
    public const string ClientSecret = "Graph~Secret.8q2Xk_v0P9z3LmNbW7rT";
    public const string UserId = "dmarc-reports@contoso.example";

    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<Folder> _folders = [];
    private readonly List<Fault> _faults = [];
    private readonly ConcurrentDictionary<string, bool> _tokens = new(StringComparer.Ordinal);
    private readonly string _rootId = NewId();
    private int _received;

    private GraphServer(WebApplication app, X509Certificate2 certificate)
    {
        _app = app;
        Certificate = certificate;
        _folders.Add(new Folder(_rootId, "Top of Information Store", null, "msgfolderroot"));
        _folders.Add(new Folder(NewId(), "Inbox", _rootId, "inbox"));
        _folders.Add(new Folder(NewId(), "Archive", _rootId, "archive"));
        _folders.Add(new Folder(NewId(), "Sent Items", _rootId, "sentitems"));
    }

    /// <summary>The server's own certificate (self-signed, for 127.0.0.1).</summary>
    public X509Certificate2 Certificate { get; }

    public string Url => _app.Urls.First();

    /// <summary>The certificate whose signed assertions the token endpoint accepts for <see cref="ClientId"/>, if any.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>Messages per page at most, whatever <c>$top</c> asks (Graph too answers fewer than asked).</summary>
    public int MaxPageSize { get; set; } = 2;

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<IReadOnlyDictionary<string, string>> TokenRequests { get; } = new();

    public int Drops;

    public static async Task<GraphServer> StartAsync()
    {
        var certificate = SelfSigned();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new GraphServer(app, certificate);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>A handler that trusts this server's certificate and no other: what the tests give the Api's Graph client.</summary>
    public HttpMessageHandler TrustingHandler() => new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && certificate.GetCertHashString(HashAlgorithmName.SHA256) == Certificate.GetCertHashString(HashAlgorithmName.SHA256),
        },
    };

    /// <summary>Puts a message into a folder (by display name), received one second after the one before.</summary>
    public void Deliver(MimeMessage message, string folder = "Inbox")
    {
        using var bytes = new MemoryStream();
        message.WriteTo(bytes);
        lock (_lock)
        {
            var received = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero).AddSeconds(++_received);
            Find(folder)!.Messages.Add(new Mail(NewId(), message.Subject ?? "", bytes.ToArray(), received));
        }
    }

    /// <summary>Messages in a folder, by display name; 0 when it does not exist.</summary>
    public int Count(string folder)
    {
        lock (_lock)
        {
            return Find(folder)?.Messages.Count ?? 0;
        }
    }

    public IReadOnlyList<string> Subjects(string folder)
    {
        lock (_lock)
        {
            return [.. (Find(folder)?.Messages ?? []).Select(m => m.Subject).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Every folder with its parent and message count, for a failing test's message.</summary>
    public string Describe()
    {
        lock (_lock)
        {
            return string.Join(", ", _folders.Select(f => $"{f.DisplayName} ({f.Id}, in {f.ParentId}): {f.Messages.Count}"));
        }
    }

    public bool FolderExists(string folder)
    {
        lock (_lock)
        {
            return Find(folder) is not null;
        }
    }

    /// <summary>The next <paramref name="times"/> calls of a kind (<c>token</c>, <c>list</c>, <c>value</c>, <c>move</c>),
    /// for the message with <paramref name="subject"/> when given, are answered <paramref name="status"/>; with
    /// <paramref name="status"/> 0 the connection is dropped halfway through the message instead.</summary>
    public void Fail(string kind, int status, int times = 1, string? subject = null, int? retryAfter = null)
    {
        lock (_lock)
        {
            _faults.Add(new Fault(kind, subject, status, retryAfter) { Left = times });
        }
    }

    private Folder? Find(string displayName) => _folders.FirstOrDefault(f => f.ParentId == _rootId && string.Equals(f.DisplayName, displayName, StringComparison.OrdinalIgnoreCase));

    private static string NewId() => "AAMkAD" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('/', '-').Replace('+', '_');

    private sealed record Folder(string Id, string DisplayName, string? ParentId, string? WellKnownName)
    {
        public List<Mail> Messages { get; } = [];
    }

    private sealed record Mail(string Id, string Subject, byte[] Mime, DateTimeOffset Received);

    private sealed record Fault(string Kind, string? Subject, int Status, int? RetryAfter)
    {
        public int Left { get; set; }
    }

    private Fault? TakeFault(string kind, string? subject)
    {
        lock (_lock)
        {
            var fault = _faults.FirstOrDefault(f => f.Kind == kind && f.Left > 0 && (f.Subject is null || f.Subject == subject));
            if (fault is not null)
            {
                fault.Left--;
            }

            return fault;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            await AnswerAsync(context);
        }
        catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Shown in a failing test's message: a bug of this server, not of the client.
            Requests.Enqueue($"SERVER ERROR {e}");
            throw;
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        Requests.Enqueue($"{request.Method} {path}{request.QueryString} retry-attempt={request.Headers["Retry-Attempt"]}");
        var segments = path.Trim('/').Split('/');
        switch (segments)
        {
            case ["common", "discovery", "instance"]:
                var host = request.Host.Host;
                await JsonAsync(context, 200, new JsonObject
                {
                    ["tenant_discovery_endpoint"] = $"{Url}/{TenantId}/v2.0/.well-known/openid-configuration",
                    ["api-version"] = "1.1",
                    ["metadata"] = new JsonArray(new JsonObject { ["preferred_network"] = host, ["preferred_cache"] = host, ["aliases"] = new JsonArray(host) }),
                });
                return;
            case [var tenant, "v2.0", ".well-known", "openid-configuration"]:
                await JsonAsync(context, 200, new JsonObject
                {
                    ["token_endpoint"] = $"{Url}/{tenant}/oauth2/v2.0/token",
                    ["authorization_endpoint"] = $"{Url}/{tenant}/oauth2/v2.0/authorize",
                    ["issuer"] = $"{Url}/{tenant}/v2.0",
                    ["jwks_uri"] = $"{Url}/{tenant}/discovery/v2.0/keys",
                });
                return;
            case [var tenant, "oauth2", "v2.0", "token"] when request.Method == "POST":
                await TokenAsync(context, tenant);
                return;
            case ["v1.0", "users", var user, .. var rest]:
                if (request.Headers.Authorization.ToString() is not { } authorization || !authorization.StartsWith("Bearer ", StringComparison.Ordinal)
                    || !_tokens.ContainsKey(authorization["Bearer ".Length..]))
                {
                    await ErrorAsync(context, 401, "InvalidAuthenticationToken", "Access token is empty.");
                    return;
                }

                if (!string.Equals(user, UserId, StringComparison.OrdinalIgnoreCase))
                {
                    await ErrorAsync(context, 404, "ErrorInvalidUser", $"The requested user '{user}' is invalid.");
                    return;
                }

                await GraphAsync(context, user, rest);
                return;
            default:
                await ErrorAsync(context, 404, "UnknownError", $"No route {request.Method} {path}");
                return;
        }
    }

    private async Task TokenAsync(HttpContext context, string tenant)
    {
        var form = (await context.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        TokenRequests.Enqueue(form);
        if (TakeFault("token", null) is { } fault)
        {
            await FaultAsync(context, fault, []);
            return;
        }

        if (tenant != TenantId)
        {
            await TokenErrorAsync(context, 400, "invalid_tenant", $"AADSTS90002: Tenant '{tenant}' not found.");
            return;
        }

        if (form.GetValueOrDefault("grant_type") != "client_credentials" || form.GetValueOrDefault("scope") != $"{Url}/.default")
        {
            await TokenErrorAsync(context, 400, "invalid_request", "AADSTS90014: The request must hold grant_type client_credentials and a scope of the resource's .default.");
            return;
        }

        if (form.GetValueOrDefault("client_id") != ClientId)
        {
            await TokenErrorAsync(context, 400, "unauthorized_client", $"AADSTS700016: Application with identifier '{form.GetValueOrDefault("client_id")}' was not found in the directory.");
            return;
        }

        var authenticated = form.TryGetValue("client_secret", out var secret)
            ? secret == ClientSecret
            : form.GetValueOrDefault("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
              && ClientCertificate is not null && AssertionIsValid(form.GetValueOrDefault("client_assertion") ?? "", $"{Url}/{tenant}/oauth2/v2.0/token");
        if (!authenticated)
        {
            await TokenErrorAsync(context, 401, "invalid_client", form.ContainsKey("client_secret")
                ? $"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{ClientId}'."
                : $"AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application '{ClientId}'.");
            return;
        }

        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _tokens[token] = true;
        await JsonAsync(context, 200, new JsonObject { ["token_type"] = "Bearer", ["expires_in"] = 3599, ["ext_expires_in"] = 3599, ["access_token"] = token });
    }

    /// <summary>RFC 7523 client assertion as Entra ID checks it: signed by the registered certificate (named by its
    /// thumbprint in the header), for this token endpoint, by and about the client, not expired.</summary>
    private bool AssertionIsValid(string assertion, string audience)
    {
        var parts = assertion.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        var header = JsonNode.Parse(WebEncoders.Base64UrlDecode(parts[0]))!.AsObject();
        var claims = JsonNode.Parse(WebEncoders.Base64UrlDecode(parts[1]))!.AsObject();
        var thumbprint = header["x5t#S256"] is { } s256
            ? WebEncoders.Base64UrlEncode(SHA256.HashData(ClientCertificate!.RawData)) == s256.GetValue<string>()
            : header["x5t"] is { } x5t && WebEncoders.Base64UrlEncode(SHA1.HashData(ClientCertificate!.RawData)) == x5t.GetValue<string>();
        var padding = header["alg"]?.GetValue<string>() switch
        {
            "RS256" => RSASignaturePadding.Pkcs1,
            "PS256" => RSASignaturePadding.Pss,
            _ => null,
        };
        using var key = ClientCertificate!.GetRSAPublicKey();
        return thumbprint && padding is not null && key is not null
            && key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), WebEncoders.Base64UrlDecode(parts[2]), HashAlgorithmName.SHA256, padding)
            && claims["aud"]?.GetValue<string>() == audience
            && claims["iss"]?.GetValue<string>() == ClientId && claims["sub"]?.GetValue<string>() == ClientId
            && claims["exp"] is JsonValue exp && DateTimeOffset.FromUnixTimeSeconds(exp.GetValueKind() == JsonValueKind.String ? long.Parse(exp.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : exp.GetValue<long>()) > DateTimeOffset.UtcNow;
    }

    private async Task GraphAsync(HttpContext context, string user, string[] rest)
    {
        var request = context.Request;
        switch (rest)
        {
            case ["mailFolders"] or ["mailFolders", _, "childFolders"]:
                var parent = rest.Length == 1 ? _rootId : FolderId(rest[1]);
                if (parent is null)
                {
                    await ErrorAsync(context, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
                    return;
                }

                if (request.Method == "POST")
                {
                    var name = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync(), new JsonNodeOptions { PropertyNameCaseInsensitive = true })?["displayName"]?.GetValue<string>() ?? "";
                    Folder folder;
                    lock (_lock)
                    {
                        if (_folders.Any(f => f.ParentId == parent && string.Equals(f.DisplayName, name, StringComparison.OrdinalIgnoreCase)))
                        {
                            folder = null!;
                        }
                        else
                        {
                            folder = new Folder(NewId(), name, parent, null);
                            _folders.Add(folder);
                        }
                    }

                    await (folder is null
                        ? ErrorAsync(context, 409, "ErrorFolderExists", "A folder with the specified name already exists.")
                        : JsonAsync(context, 201, FolderJson(folder)));
                    return;
                }

                var filter = FilterPattern().Match(request.Query["$filter"].ToString());
                List<Folder> children;
                lock (_lock)
                {
                    children = [.. _folders.Where(f => f.ParentId == parent
                        && (!filter.Success || string.Equals(f.DisplayName, filter.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)))];
                }

                await JsonAsync(context, 200, new JsonObject { ["value"] = new JsonArray([.. children.Select(FolderJson)]) });
                return;
            case ["mailFolders", var idOrName]:
                Folder? found;
                lock (_lock)
                {
                    found = _folders.FirstOrDefault(f => f.Id == idOrName || string.Equals(f.WellKnownName, idOrName, StringComparison.OrdinalIgnoreCase));
                }

                await (found is null
                    ? ErrorAsync(context, 404, "ErrorItemNotFound", "The specified object was not found in the store.")
                    : JsonAsync(context, 200, FolderJson(found)));
                return;
            case ["mailFolders", var folderId, "messages"] when request.Method == "GET":
                if (TakeFault("list", null) is { } listFault)
                {
                    await FaultAsync(context, listFault, []);
                    return;
                }

                var top = Math.Min(int.TryParse(request.Query["$top"], out var t) ? t : 10, MaxPageSize);
                var skip = int.TryParse(request.Query["$skip"], out var k) ? k : 0;
                List<Mail> page;
                int total;
                lock (_lock)
                {
                    var folder = _folders.FirstOrDefault(f => f.Id == folderId || string.Equals(f.WellKnownName, folderId, StringComparison.OrdinalIgnoreCase));
                    var all = folder?.Messages.OrderBy(m => m.Received).ToList() ?? [];
                    total = all.Count;
                    page = [.. all.Skip(skip).Take(top)];
                }

                var body = new JsonObject
                {
                    ["@odata.context"] = $"https://graph.microsoft.com/v1.0/$metadata#users('{user}')/mailFolders('{folderId}')/messages(id,subject,receivedDateTime)",
                    ["value"] = new JsonArray([.. page.Select(m => (JsonNode)new JsonObject
                    {
                        ["@odata.etag"] = "W/\"CQAAABYAAAA\"",
                        ["id"] = m.Id,
                        ["subject"] = m.Subject,
                        ["receivedDateTime"] = m.Received.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                    })]),
                };
                if (skip + page.Count < total)
                {
                    // As Graph does: the next page by $skip, so a client that moves messages while it pages skips some.
                    body["@odata.nextLink"] = $"{Url}/v1.0/users/{Uri.EscapeDataString(user)}/mailFolders/{folderId}/messages" +
                                              $"?%24select=id%2csubject%2creceivedDateTime&%24orderby=receivedDateTime+asc&%24top={top}&%24skip={skip + page.Count}";
                }

                await JsonAsync(context, 200, body);
                return;
            case ["messages", var messageId, "$value"] when request.Method == "GET":
                var (mail, _) = FindMail(messageId);
                if (mail is null)
                {
                    await ErrorAsync(context, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
                    return;
                }

                if (TakeFault("value", mail.Subject) is { } valueFault)
                {
                    await FaultAsync(context, valueFault, mail.Mime);
                    return;
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "text/plain";
                await context.Response.Body.WriteAsync(mail.Mime);
                return;
            case ["messages", var messageId, "move"] when request.Method == "POST":
                // Graph reads property names in any case (the SDK sends "DestinationId").
                var destination = JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync(), new JsonNodeOptions { PropertyNameCaseInsensitive = true })?["destinationId"]?.GetValue<string>();
                var (moving, from) = FindMail(messageId);
                if (moving is null)
                {
                    await ErrorAsync(context, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
                    return;
                }

                if (TakeFault("move", moving.Subject) is { } moveFault)
                {
                    await FaultAsync(context, moveFault, []);
                    return;
                }

                Mail moved;
                lock (_lock)
                {
                    var to = destination is null ? null : _folders.FirstOrDefault(f => f.Id == destination || string.Equals(f.WellKnownName, destination, StringComparison.OrdinalIgnoreCase));
                    if (to is null)
                    {
                        moved = null!;
                    }
                    else
                    {
                        // As Exchange does: a moved message gets a new id.
                        from!.Messages.Remove(moving);
                        moved = moving with { Id = NewId() };
                        to.Messages.Add(moved);
                    }
                }

                await (moved is null
                    ? ErrorAsync(context, 400, "ErrorInvalidIdMalformed", "Id is malformed.")
                    : JsonAsync(context, 201, new JsonObject { ["id"] = moved.Id, ["subject"] = moved.Subject }));
                return;
            default:
                await ErrorAsync(context, 400, "BadRequest", $"Unsupported: {request.Method} {string.Join('/', rest)}");
                return;
        }
    }

    private string? FolderId(string idOrName)
    {
        lock (_lock)
        {
            return _folders.FirstOrDefault(f => f.Id == idOrName || string.Equals(f.WellKnownName, idOrName, StringComparison.OrdinalIgnoreCase))?.Id;
        }
    }

    private (Mail? Mail, Folder? Folder) FindMail(string id)
    {
        lock (_lock)
        {
            foreach (var folder in _folders)
            {
                if (folder.Messages.FirstOrDefault(m => m.Id == id) is { } mail)
                {
                    return (mail, folder);
                }
            }

            return (null, null);
        }
    }

    private async Task FaultAsync(HttpContext context, Fault fault, byte[] content)
    {
        if (fault.Status == 0)
        {
            // Half the message, then the connection is gone.
            Interlocked.Increment(ref Drops);
            context.Response.StatusCode = 200;
            context.Response.ContentLength = content.Length;
            await context.Response.Body.WriteAsync(content.AsMemory(0, content.Length / 2));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }

        if (fault.RetryAfter is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (fault.Kind == "token")
        {
            await TokenErrorAsync(context, fault.Status, "temporarily_unavailable", "AADSTS50196: The server is temporarily unavailable.");
            return;
        }

        var (code, message) = fault.Status switch
        {
            429 => ("TooManyRequests", "Application is over its MailboxConcurrency limit."),
            503 => ("ServiceUnavailable", "The service is currently unavailable."),
            _ => ("InternalServerError", "An internal server error occurred."),
        };
        await ErrorAsync(context, fault.Status, code, message);
    }

    private static JsonObject FolderJson(Folder folder) => new()
    {
        ["id"] = folder.Id,
        ["displayName"] = folder.DisplayName,
        ["parentFolderId"] = folder.ParentId,
        ["childFolderCount"] = 0,
        ["unreadItemCount"] = 0,
        ["totalItemCount"] = folder.Messages.Count,
        ["isHidden"] = false,
    };

    private static Task ErrorAsync(HttpContext context, int status, string code, string message) =>
        JsonAsync(context, status, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code,
                ["message"] = message,
                ["innerError"] = new JsonObject { ["date"] = DateTime.UtcNow.ToString("s", System.Globalization.CultureInfo.InvariantCulture), ["request-id"] = Guid.NewGuid().ToString() },
            },
        });

    private static Task TokenErrorAsync(HttpContext context, int status, string error, string description) =>
        JsonAsync(context, status, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = $"{description} Trace ID: {Guid.NewGuid()} Correlation ID: {Guid.NewGuid()} Timestamp: {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}Z",
            ["error_codes"] = new JsonArray(int.Parse(Regex.Match(description, "AADSTS(\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)),
            ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["trace_id"] = Guid.NewGuid().ToString(),
            ["correlation_id"] = Guid.NewGuid().ToString(),
        });

    private static async Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    /// <summary>A self-signed server certificate for 127.0.0.1, made for this run.</summary>
    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A client certificate with its key, written as PKCS#12 with a password, for the certificate credential.</summary>
    public static X509Certificate2 WriteClientCertificate(string path, string password)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={ClientId}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, created.Export(X509ContentType.Pfx, password));
        return X509CertificateLoader.LoadCertificate(created.RawData);
    }

    [GeneratedRegex("^displayName eq '(.*)'$")]
    private static partial Regex FilterPattern();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
