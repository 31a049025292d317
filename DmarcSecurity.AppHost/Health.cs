using System.Diagnostics;

namespace DmarcSecurity.AppHost;

/// <summary>Polls a resource's <c>/health</c> endpoint (ready: its dependencies answer).</summary>
internal static class Health
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>True once <c>/health</c> answers with success; false when the process exits or stopping is requested
    /// first.</summary>
    public static async Task<bool> WaitUntilHealthyAsync(Uri baseAddress, Process process, CancellationToken stopping)
    {
        var health = new Uri(baseAddress, "/health");
        while (!stopping.IsCancellationRequested && !process.HasExited)
        {
            if (await IsHealthyAsync(health, stopping))
            {
                return true;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), stopping);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    private static async Task<bool> IsHealthyAsync(Uri health, CancellationToken stopping)
    {
        try
        {
            using var response = await Http.GetAsync(health, stopping);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
