using DmarcSecurity.Web.Api;
using Microsoft.AspNetCore.Components;
using Radzen;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>A page that reads the Api: <see cref="Run"/> turns an ended session into a trip to sign-in (back to this
/// page afterwards), and the Api's refusals and an unreachable Api into a message on the page, never an exception.</summary>
public abstract class ApiPage : ComponentBase
{
    [Inject] internal ApiClient Api { get; set; } = default!;

    [Inject] protected NavigationManager Navigation { get; set; } = default!;

    [Inject] protected NotificationService Notifications { get; set; } = default!;

    [Inject] private ILogger<ApiPage> Logger { get; set; } = default!;

    /// <summary>The last error, shown by the page with <c>&lt;PageError&gt;</c>.</summary>
    protected string? Error { get; set; }

    /// <summary>True while the first load is running.</summary>
    protected bool Loading { get; set; } = true;

    protected async Task<bool> Run(Func<Task> action)
    {
        Error = null;
        try
        {
            await action();
            return true;
        }
        catch (SessionExpiredException)
        {
            Navigation.NavigateTo(LoginUrl.For(Navigation), forceLoad: true);
        }
        catch (ApiException e)
        {
            Error = e.Message;
        }
        catch (HttpRequestException e)
        {
            Logger.LogWarning(e, "The Api could not be reached.");
            Error = "The Api cannot be reached right now. Try again in a moment.";
        }
        catch (TaskCanceledException)
        {
            Error = "The Api took too long to answer. Try again, or narrow the filters.";
        }
        finally
        {
            Loading = false;
        }

        return false;
    }

    /// <summary>Runs an action the user took and says how it went in a notification.</summary>
    protected async Task Act(Func<Task> action, string done)
    {
        if (await Run(action))
        {
            Notifications.Notify(NotificationSeverity.Success, done);
        }
        else if (Error is not null)
        {
            Notifications.Notify(NotificationSeverity.Error, Error);
        }
    }
}
