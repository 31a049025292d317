using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using Npgsql;

namespace DmarcSecurity.Grains.Runtime;

/// <summary>
/// LISTENs, on a PostgreSQL connection of its own, for the partitions that ingesting transactions filled
/// (<see cref="GrainInboxNotifications"/>) and hands each one to <c>wake</c> the moment the transaction commits, so an
/// upload's events are applied without waiting for the next poll. A dropped connection is reopened after a pause;
/// meanwhile the poll finds the work, only later.
/// </summary>
internal static class InboxListener
{
    private static readonly TimeSpan s_retry = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(DatabaseConnections connections, Action<int> wake, Action<Exception> failed, TimeProvider clock, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            try
            {
                await using var connection = (NpgsqlConnection)await connections.OpenDedicatedAsync(token);
                connection.Notification += (_, e) =>
                {
                    foreach (var partition in GrainInboxNotifications.Partitions(e.Payload))
                    {
                        wake(partition);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {GrainInboxNotifications.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(token);
                }

                while (true)
                {
                    await connection.WaitAsync(token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failed(e);
                try
                {
                    await Task.Delay(s_retry, clock, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
