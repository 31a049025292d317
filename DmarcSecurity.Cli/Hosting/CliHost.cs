namespace DmarcSecurity.Cli.Hosting;

/// <summary>What the tool runs against: where it writes, where it reads its settings from, and how it reaches the Api.
/// The process uses the real console, environment and network; tests give their own.</summary>
/// <param name="Handler">Sends the Api requests; null for a real network connection. Not disposed by the tool.</param>
public sealed record CliHost(IAnsiConsole Out, IAnsiConsole Error, Func<string, string?> GetEnvironmentVariable, HttpMessageHandler? Handler = null)
{
    public const string ApiVariable = "DMARCSEC_API";
    public const string ApiKeyVariable = "DMARCSEC_API_KEY";

    public static CliHost FromProcess() => new(
        AnsiConsole.Console,
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }),
        Environment.GetEnvironmentVariable);

    /// <summary>Writes text as it is (JSON, ids), without markup, colours or wrapping.</summary>
    public void WriteRaw(string text) => Out.Profile.Out.Writer.WriteLine(text);

    public void WriteError(string message) => Error.Profile.Out.Writer.WriteLine($"dmarcsec: {message}");
}
