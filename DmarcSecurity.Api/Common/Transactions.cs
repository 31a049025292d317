using DmarcSecurity.Data.Database;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Common;

internal static class Transactions
{
    /// <summary>Runs <paramref name="work"/> in a transaction, committed only when it succeeds: what it wrote
    /// (a status change, its history, the grain event it causes) exists together or not at all.</summary>
    public static async Task<Outcome<T>> InTransactionAsync<T>(
        this IDbContextFactory<DmarcDbContext> contexts, Func<DmarcDbContext, Task<Outcome<T>>> work, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var outcome = await work(db);
        if (outcome.Problem is null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return outcome;
    }
}
