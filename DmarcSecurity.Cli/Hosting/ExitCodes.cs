namespace DmarcSecurity.Cli.Hosting;

public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The Api answered, but something was refused: a rejected file, a problem document.</summary>
    public const int Failed = 1;

    /// <summary>The tool could not do its work as asked: bad arguments, no API key, an Api it cannot reach or that refuses the key.</summary>
    public const int Usage = 2;

    /// <summary>Stopped by Ctrl+C or a termination signal before the work was done (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}

/// <summary>Wrong arguments or settings; the message says what to change.</summary>
public sealed class UsageException(string message) : Exception(message);
