using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Auth;

/// <summary>Writes audit entries in their own unit of work, so an entry lands even when the audited request failed.</summary>
public sealed class AuditWriter(IDbContextFactory<DmarcDbContext> contexts, TimeProvider time)
{
    public const string Success = "success";
    public const string Failure = "failure";
    public const string Denied = "denied";
    public const string Locked = "locked";

    private const int MaxText = 1000;

    public async Task WriteAsync(AuditEntryEntity entry, CancellationToken cancellationToken)
    {
        if (entry.At == default)
        {
            entry.At = time.GetUtcNow();
        }

        entry.Target = Bound(entry.Target);
        entry.Detail = Bound(entry.Detail);
        entry.UserEmail = Bound(entry.UserEmail);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
    }

    private static string? Bound(string? text) => text is { Length: > MaxText } ? text[..MaxText] : text;
}
