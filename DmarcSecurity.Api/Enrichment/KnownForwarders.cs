using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Core.Grains;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Grains;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Enrichment;

/// <summary>
/// Tells the source-IP grains which addresses the views found to be verified known forwarders
/// (<see cref="SourceIdentity.IsKnownForwarder"/>), and which stopped being one, through the inbox: a grain then counts
/// its DMARC failures as the forwarding's. Each Api process tells a grain once per change it sees; after a restart it
/// tells again what it sees again, which the grain takes as the same news. Addresses whose lookup is still pending wait
/// for a view that has the answer.
/// </summary>
public sealed partial class KnownForwarders(IDbContextFactory<DmarcDbContext> contexts, IGrainInboxWriter inbox, ILogger<KnownForwarders> logger)
{
    /// <summary>Addresses remembered per process before the memory starts over (each costs one repeated event then).</summary>
    public const int MaxRemembered = 100_000;

    private readonly ConcurrentDictionary<string, bool> _told = new(StringComparer.Ordinal);

    public async Task TellAsync(IEnumerable<SourceIdentity> identities, CancellationToken cancellationToken)
    {
        var news = new List<SourceIdentity>();
        foreach (var identity in identities)
        {
            if (identity.ReverseDns == ReverseDnsStatus.Pending)
            {
                continue;
            }

            var forwarder = identity.IsKnownForwarder();
            if (_told.TryGetValue(identity.Ip, out var told) ? told != forwarder : forwarder)
            {
                news.Add(identity);
            }
        }

        if (news.Count == 0)
        {
            return;
        }

        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await inbox.EnqueueAsync(db, [.. news.Select(i => new NewInboxEvent(GrainTypes.SourceIp, i.Ip, GrainEventTypes.SourceIdentified,
                JsonSerializer.Serialize(new SourceIdentifiedEvent(i.Service, i.ServiceKind, i.ServiceVerified), GrainEventJson.Default.SourceIdentifiedEvent)))],
                cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbException ex)
        {
            // The view is answered all the same; the next view that sees these addresses tells again.
            LogNotTold(logger, news.Count, ex.Message);
            return;
        }

        if (_told.Count > MaxRemembered)
        {
            _told.Clear();
        }

        foreach (var identity in news)
        {
            _told[identity.Ip] = identity.IsKnownForwarder();
            LogTold(logger, identity.Ip, identity.IsKnownForwarder() ? identity.Service : null);
        }
    }

    [LoggerMessage(EventId = 7021, Level = LogLevel.Warning, Message = "Could not tell {Count} source grains who they are: {Reason}")]
    private static partial void LogNotTold(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 7020, Level = LogLevel.Information, Message = "Told the grain of {Address} it is known forwarder {Service} (none: no longer one)")]
    private static partial void LogTold(ILogger logger, string address, string? service);
}
