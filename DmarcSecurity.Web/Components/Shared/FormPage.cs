using DmarcSecurity.Web.Api;
using Radzen;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>A page with forms: the Api's refusal of a submitted form is shown in the form (next to its fields), not at
/// the top of the page nor in a notification; success is notified.</summary>
public abstract class FormPage : ApiPage
{
    protected async Task<bool> Submit(FormErrors form, Func<Task> action, string done)
    {
        form.Clear();
        var ok = await Run(async () =>
        {
            try
            {
                await action();
            }
            catch (ApiException e)
            {
                form.Set(e);
                throw;
            }
        });
        if (ok)
        {
            Notifications.Notify(NotificationSeverity.Success, done);
        }
        else if (form.Message is not null)
        {
            Error = null;
        }
        else if (Error is not null)
        {
            Notifications.Notify(NotificationSeverity.Error, Error);
        }

        return ok;
    }
}
