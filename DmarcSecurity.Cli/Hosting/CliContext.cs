namespace DmarcSecurity.Cli.Hosting;

/// <summary>The global options and the host, shared by every command; turns each command's failures into one line
/// on standard error and an exit code.</summary>
public sealed class CliContext(CliHost host)
{
    /// <summary>The Api's address in Development (its launch profile).</summary>
    public const string DefaultApi = "http://127.0.0.1:5080/";

    public CliHost Host { get; } = host;

    public Option<string?> Api { get; } = new("--api")
    {
        Description = $"The Api's base address (default: ${CliHost.ApiVariable}, else {DefaultApi})",
        HelpName = "url",
        Recursive = true,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"API key sent as X-Api-Key (default: ${CliHost.ApiKeyVariable}; prefer the variable, a command line is visible to other users)",
        HelpName = "key",
        Recursive = true,
    };

    /// <summary>Runs a command's body with a client for the Api, mapping every failure to its message and exit code.</summary>
    public Task<int> RunAsync(ParseResult parse, Func<ApiClient, CancellationToken, Task<int>> body, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            using var api = Connect(parse);
            try
            {
                return await body(api, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Host.WriteError("Cancelled.");
                return ExitCodes.Cancelled;
            }
        });

    public async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (UsageException e)
        {
            Host.WriteError(e.Message);
            return ExitCodes.Usage;
        }
        catch (ApiUnreachableException e)
        {
            Host.WriteError(e.Message);
            return ExitCodes.Usage;
        }
        catch (ApiException e)
        {
            Host.WriteError(e.Message);
            return e.ExitCode;
        }
        catch (IOException e)
        {
            Host.WriteError(e.Message);
            return ExitCodes.Usage;
        }
        catch (UnauthorizedAccessException e)
        {
            Host.WriteError(e.Message);
            return ExitCodes.Usage;
        }
    }

    private ApiClient Connect(ParseResult parse)
    {
        var address = parse.GetValue(Api) ?? Host.GetEnvironmentVariable(CliHost.ApiVariable);
        if (string.IsNullOrWhiteSpace(address))
        {
            address = DefaultApi;
        }

        if (!Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query))
        {
            throw new UsageException($"--api must be the Api's http or https address, such as {DefaultApi}; '{address}' is not.");
        }

        var key = parse.GetValue(ApiKey) ?? Host.GetEnvironmentVariable(CliHost.ApiKeyVariable);
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new UsageException(
                $"No API key: pass --api-key or set {CliHost.ApiKeyVariable}. Create one on the API keys page of the web app or with POST /api/api-keys.");
        }

        // A path under which the Api is served (behind a proxy) is kept: requests are relative to it.
        var baseAddress = uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
        return new ApiClient(baseAddress, key.Trim(), Host.Handler);
    }
}
