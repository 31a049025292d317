using System.Globalization;
using DmarcSecurity.Core.Ids;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Ingestion.Tailing;

/// <summary>IDS logs followed as the sensors write them (section <c>Ids</c>).</summary>
public sealed class IdsOptions
{
    public const string SectionName = "Ids";

    /// <summary>By name: <c>Ids:Tailers:&lt;name&gt;</c>.</summary>
    public Dictionary<string, IdsTailerOptions> Tailers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One sensor log, or a folder of them, followed from where it was last read.</summary>
public sealed class IdsTailerOptions
{
    public const string DefaultPattern = "*";

    /// <summary>A file (followed across rotation and truncation), or a folder whose files matching
    /// <see cref="Pattern"/> are each followed.</summary>
    public string Path { get; set; } = "";

    /// <summary>For a folder: which files (a file name pattern with <c>*</c> and <c>?</c>); <c>*</c> when left out.</summary>
    public string? Pattern { get; set; }

    /// <summary><see cref="IdsFormat"/> by name; detected from each file's first lines when left out.</summary>
    public string? Format { get; set; }

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The sensor's UTC offset (<c>+01:00</c>, <c>-05:00</c>) for fast logs written in local time.</summary>
    public string? SensorOffset { get; set; }

    internal IdsFormat? ParsedFormat =>
        Format is null ? null : Enum.Parse<IdsFormat>(Format, ignoreCase: true);

    internal TimeSpan ParsedSensorOffset => TryParseOffset(SensorOffset, out var offset) ? offset : TimeSpan.Zero;

    internal static bool TryParseOffset(string? text, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        text = text.Trim();
        var negative = text.StartsWith('-');
        var digits = text.TrimStart('+', '-');
        if (!TimeSpan.TryParseExact(digits, [@"hh\:mm", @"h\:mm", "hhmm"], CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        offset = negative ? -parsed : parsed;
        return offset >= TimeSpan.FromHours(-14) && offset <= TimeSpan.FromHours(14);
    }
}

internal sealed class IdsTailerOptionsValidator : IValidateOptions<IdsOptions>
{
    public ValidateOptionsResult Validate(string? name, IdsOptions options)
    {
        var failures = new List<string>();
        foreach (var (tailer, settings) in options.Tailers)
        {
            var prefix = $"Ids:Tailers:{tailer}";
            if (string.IsNullOrWhiteSpace(settings.Path))
            {
                failures.Add($"{prefix}:Path is required: a sensor log file, or a folder of them.");
            }
            else if (!System.IO.Path.IsPathFullyQualified(settings.Path))
            {
                failures.Add($"{prefix}:Path must be an absolute path ({settings.Path} is not).");
            }
            else if (Directory.Exists(settings.Path))
            {
                if (settings.Pattern is not null && (settings.Pattern.Length == 0 || settings.Pattern.IndexOfAny(['/', '\\']) >= 0))
                {
                    failures.Add($"{prefix}:Pattern must be a file name pattern such as *.json, without a folder ({settings.Pattern} is not).");
                }
            }
            else
            {
                // A file may appear after the Api starts (the sensor not running yet), but not in a folder that is missing.
                var folder = System.IO.Path.GetDirectoryName(settings.Path);
                if (folder is null || !Directory.Exists(folder))
                {
                    failures.Add($"{prefix}:Path: neither the file nor the folder {folder ?? settings.Path} exists.");
                }
                else if (settings.Pattern is not null)
                {
                    failures.Add($"{prefix}:Pattern applies to a folder; {settings.Path} is not one.");
                }
            }

            if (settings.Format is not null && (!Enum.TryParse<IdsFormat>(settings.Format, ignoreCase: true, out var format) || !Enum.IsDefined(format)
                || int.TryParse(settings.Format, out _)))
            {
                failures.Add($"{prefix}:Format must be one of {string.Join(", ", Enum.GetNames<IdsFormat>())}, or left out to detect it ({settings.Format} is not).");
            }

            if (settings.PollInterval < TimeSpan.FromMilliseconds(100) || settings.PollInterval > TimeSpan.FromDays(1))
            {
                failures.Add($"{prefix}:PollInterval must be between 00:00:00.1 and 1.00:00:00.");
            }

            if (!IdsTailerOptions.TryParseOffset(settings.SensorOffset, out var offset) || offset.Ticks % TimeSpan.TicksPerMinute != 0)
            {
                failures.Add($"{prefix}:SensorOffset must be a UTC offset such as +01:00 or -05:30, between -14:00 and +14:00 ({settings.SensorOffset} is not).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
