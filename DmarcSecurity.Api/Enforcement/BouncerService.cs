using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Enforcement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Enforcement;

public sealed record BouncerDto(long Id, string Name, DateTimeOffset CreatedAt, string CreatedBy, bool FromConfiguration, DateTimeOffset? RevokedAt, DateTimeOffset? LastPullAt)
{
    public static BouncerDto From(BouncerEntity b) => new(b.Id, b.Name, b.CreatedAt, b.CreatedBy, b.FromConfiguration, b.RevokedAt, b.LastPullAt);
}

/// <summary>A new bouncer: <see cref="Key"/> is shown this once; the bouncer sends it as <c>X-Api-Key</c>.</summary>
public sealed record CreatedBouncer(BouncerDto Bouncer, string Key);

/// <summary>Bouncer keys made by Admins (stored as SHA-256 only), and those declared in configuration, kept in step with
/// it at every start.</summary>
public sealed partial class BouncerService(
    IDbContextFactory<DmarcDbContext> contexts, IOptions<EnforcementOptions> options, TimeProvider time, ILogger<BouncerService> logger)
{
    public const string ConfigurationActor = "configuration";

    public async Task<IReadOnlyList<BouncerDto>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return (await db.Bouncers.OrderBy(b => b.Id).ToListAsync(cancellationToken)).Select(BouncerDto.From).ToList();
    }

    public async Task<Outcome<CreatedBouncer>> CreateAsync(string? name, string actor, CancellationToken cancellationToken)
    {
        if (TextField.CheckName(name) is { } problem)
        {
            return Outcome<CreatedBouncer>.Fail(ProblemKind.Invalid, $"The bouncer's name {problem}", "name");
        }

        var key = TokenService.NewSecret();
        var entity = new BouncerEntity { Name = name!.Trim(), KeyHash = TokenService.Hash(key), CreatedAt = time.GetUtcNow(), CreatedBy = actor };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Bouncers.Add(entity);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return Outcome<CreatedBouncer>.Fail(ProblemKind.Conflict, $"A bouncer named {entity.Name} exists already.");
        }

        return Outcome<CreatedBouncer>.Ok(new CreatedBouncer(BouncerDto.From(entity), key));
    }

    public async Task<Outcome<BouncerDto>> RevokeAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var bouncer = await db.Bouncers.AsTracking().SingleOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (bouncer is null)
        {
            return Outcome<BouncerDto>.Fail(ProblemKind.NotFound, "No such bouncer.");
        }

        if (bouncer.FromConfiguration && bouncer.RevokedAt is null)
        {
            return Outcome<BouncerDto>.Fail(ProblemKind.Conflict,
                $"{bouncer.Name} is declared in configuration (Enforcement__Bouncers__{bouncer.Name}__ApiKey); remove it there.");
        }

        bouncer.RevokedAt ??= time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return Outcome<BouncerDto>.Ok(BouncerDto.From(bouncer));
    }

    /// <summary>Declared bouncers become active rows (a changed key replaces the row); rows of bouncers no longer
    /// declared are revoked. Replicas starting together may race: the unique indexes let one win.</summary>
    public async Task SyncConfiguredAsync(CancellationToken cancellationToken)
    {
        var declared = options.Value.Bouncers;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Bouncers.AsTracking().Where(b => b.FromConfiguration && b.RevokedAt == null).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        foreach (var row in rows.Where(r => !declared.TryGetValue(r.Name, out var d) || TokenService.Hash(d.ApiKey!) != r.KeyHash))
        {
            row.RevokedAt = now;
        }

        try
        {
            // Revoked first, in a save of its own: a changed key's new row takes the name the old row frees.
            await db.SaveChangesAsync(cancellationToken);
            foreach (var (name, settings) in declared)
            {
                var hash = TokenService.Hash(settings.ApiKey!);
                if (!rows.Any(r => r.Name == name && r.KeyHash == hash))
                {
                    db.Bouncers.Add(new BouncerEntity { Name = name, KeyHash = hash, CreatedAt = now, CreatedBy = ConfigurationActor, FromConfiguration = true });
                }
            }

            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e)
        {
            LogSyncLost(logger, e.InnerException?.Message ?? e.Message);
        }
    }

    [LoggerMessage(EventId = 4401, Level = LogLevel.Warning,
        Message = "Declared bouncers were not all stored (another instance stored them, or an Admin's bouncer has the same name): {Reason}")]
    private static partial void LogSyncLost(ILogger logger, string reason);
}

internal sealed class ConfiguredBouncersService(BouncerService bouncers) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => bouncers.SyncConfiguredAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
