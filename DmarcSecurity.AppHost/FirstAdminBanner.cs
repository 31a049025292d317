using System.Text;
using Microsoft.Extensions.Hosting;

namespace DmarcSecurity.AppHost;

/// <summary>
/// On an empty database the Api creates the first Admin and writes its one-time password once to its console; this
/// repeats it once on the AppHost's console, with the Web app's address, when the Web app is healthy.
/// </summary>
internal sealed class FirstAdminBanner(FirstAdminBanner.Resources resources, ResourceLoggerService logs, ResourceNotificationService notifications) : BackgroundService
{
    internal sealed record Resources(ProjectResource Api, ProjectResource Web);

    public const string AdminPrefix = "First Admin created:";
    public const string PasswordPrefix = "One-time password:";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string? admin = null;
        try
        {
            await foreach (var batch in logs.WatchAsync(resources.Api).WithCancellation(stoppingToken))
            {
                foreach (var line in batch)
                {
                    var text = Content(line.Content);
                    if (text.StartsWith(AdminPrefix, StringComparison.Ordinal))
                    {
                        admin = text;
                    }
                    else if (text.StartsWith(PasswordPrefix, StringComparison.Ordinal) && admin is not null)
                    {
                        await notifications.WaitForResourceHealthyAsync(resources.Web.Name, stoppingToken);
                        Print(admin, text);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A console line without the timestamp the orchestrator may put before it.</summary>
    internal static string Content(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && DateTimeOffset.TryParse(line.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture, out _) ? line[(space + 1)..] : line;
    }

    private void Print(string admin, string password)
    {
        var web = resources.Web.GetEndpoint("http").Url;
        var banner = new StringBuilder();
        banner.AppendLine(new string('=', 72));
        banner.AppendLine($"  {admin}");
        banner.AppendLine($"  {password}");
        banner.AppendLine($"  Sign in at {web} and choose a new password; it will not be shown again.");
        banner.AppendLine(new string('=', 72));
        Console.Write(banner.ToString());
    }
}
