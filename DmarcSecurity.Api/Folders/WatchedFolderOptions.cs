using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Folders;

/// <summary>A folder reports are dropped into (section <c>Ingestion:Folders:&lt;name&gt;</c>); a Maildir works too.</summary>
public sealed class WatchedFolderOptions
{
    /// <summary>The folder; when it holds <c>cur</c>, <c>new</c> and <c>tmp</c> it is read as a Maildir (new/ and cur/).</summary>
    public string Path { get; set; } = "";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A file is read once it has not changed for this long, so one still being written is left alone.</summary>
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromSeconds(2);
}

internal sealed class WatchedFolderOptionsValidator : IValidateOptions<Ingestion.IngestionOptions>
{
    public ValidateOptionsResult Validate(string? name, Ingestion.IngestionOptions options)
    {
        var failures = new List<string>();
        foreach (var (folder, settings) in options.Folders)
        {
            var prefix = $"Ingestion:Folders:{folder}";
            if (string.IsNullOrWhiteSpace(settings.Path))
            {
                failures.Add($"{prefix}:Path is required.");
            }
            else if (!Directory.Exists(settings.Path))
            {
                failures.Add($"{prefix}:Path: the folder {settings.Path} does not exist.");
            }

            if (settings.PollInterval < TimeSpan.FromMilliseconds(100) || settings.PollInterval > TimeSpan.FromDays(1))
            {
                failures.Add($"{prefix}:PollInterval must be between 00:00:00.1 and 1.00:00:00.");
            }

            if (settings.SettleTime < TimeSpan.Zero || settings.SettleTime > TimeSpan.FromHours(1))
            {
                failures.Add($"{prefix}:SettleTime must be between 00:00:00 and 01:00:00.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
