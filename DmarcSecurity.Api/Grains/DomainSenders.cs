using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Core.Enrichment;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Reports;
using DmarcSecurity.Data.Senders;
using DmarcSecurity.Data.Stats;
using Microsoft.EntityFrameworkCore;

namespace DmarcSecurity.Api.Grains;

/// <summary>One sending service of a domain over a period: its sources summed.</summary>
/// <param name="Service">The service from the services map, else the reverse DNS base domain, else the network's
/// organisation, else "Unidentified".</param>
/// <param name="Kind">The service's kind from the map (mailbox-provider, marketing, transactional, forwarder, ...);
/// null when the name is not from the map.</param>
/// <param name="Passing">Messages that passed DMARC (DKIM or SPF aligned).</param>
/// <param name="Forwarded">Failing messages the receiver put down to a forwarder or mailing list, and every failing
/// message of a known forwarder (a service of kind forwarder).</param>
/// <param name="UnauthorisedPassing">Not authorised, yet some of its mail passes DMARC: it holds a DKIM key or an SPF
/// include of the domain. Authorise it, or take the key or include away.</param>
public sealed record DomainSenderDto(
    string Service, string? Kind, int Sources, long Messages, long Passing, long Failing, long Forwarded, double PassRate,
    bool Authorised, bool UnauthorisedPassing, IReadOnlyList<string> TopSources);

/// <summary>Whether the domain's policy can be tightened without losing its own mail.</summary>
/// <param name="Quarantine">Every authorised service passes DMARC on at least <see cref="DomainSenders.QuarantinePassRate"/>
/// of its mail, and at least one is authorised.</param>
/// <param name="Reject">The same at <see cref="DomainSenders.RejectPassRate"/>.</param>
/// <param name="AuthorisedPassRate">Passing over all messages of the authorised services; null without any.</param>
/// <param name="Blockers">What stands in the way, in words, worst first.</param>
/// <param name="CalledOut">Services not authorised whose mail passes DMARC: no obstacle to a stricter policy, but someone
/// holds a DKIM key or an SPF include of the domain.</param>
public sealed record PolicyReadinessDto(bool Quarantine, bool Reject, double? AuthorisedPassRate, IReadOnlyList<string> Blockers, IReadOnlyList<string> CalledOut);

/// <param name="SourcesCounted">The sources grouped into services: the largest <see cref="DomainSenders.MaxSources"/>.</param>
/// <param name="SourcesTotal">All sources of the domain in the period.</param>
public sealed record DomainSendersDto(
    string Domain, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<DomainSenderDto> Services, PolicyReadinessDto Readiness,
    int SourcesCounted, long SourcesTotal);

public sealed record AuthoriseServiceRequest(string? Note);

/// <summary>A domain's senders grouped by service, the services an analyst authorised, and the policy readiness they give.</summary>
public static class DomainSenders
{
    public const double QuarantinePassRate = 0.95;
    public const double RejectPassRate = 0.99;

    /// <summary>Sources grouped per view: the largest by messages (a page of the sources query).</summary>
    public const int MaxSources = PageRequest.MaxPageSize;

    private const int MaxServiceName = 200;
    private const int MaxNote = 1000;

    public static RouteGroupBuilder MapDomainSenders(this RouteGroupBuilder domains)
    {
        domains.MapGet("/{domain}/senders", GetDomainSenders).WithName(nameof(GetDomainSenders))
            .WithSummary("The domain's senders over a period (from, to) grouped by sending service, each authorised or not, with the policy readiness they give.");
        domains.MapPut("/{domain}/authorised-services/{service}", AuthoriseService).WithName(nameof(AuthoriseService))
            .WithSummary("Mark a sending service as authorised to send for the domain.").RequireAuthorization(Policies.Analyst);
        domains.MapDelete("/{domain}/authorised-services/{service}", RevokeService).WithName(nameof(RevokeService))
            .WithSummary("Take a service's authorisation for the domain back.").RequireAuthorization(Policies.Analyst);
        return domains;
    }

    public static async Task<Results<Ok<DomainSendersDto>, ValidationProblem>> GetDomainSenders(
        string domain, DateTimeOffset? from, DateTimeOffset? to, IStatsQueries stats, SourceIdentities identities,
        IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        var filter = new ReportFilterParameters(domain, null, from, to);
        if (Validation.Check(filter) is { } problem)
        {
            return problem;
        }

        return TypedResults.Ok(await SendersAsync(filter.ToFilter(), stats, identities, contexts, cancellationToken));
    }

    /// <summary>The senders of <paramref name="filter"/>'s domain over its period, grouped, with the readiness they give.</summary>
    public static async Task<DomainSendersDto> SendersAsync(
        ReportFilter filter, IStatsQueries stats, SourceIdentities identities, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        var key = DomainName.Normalise(filter.Domain!);
        var page = await stats.SourcesPageAsync(filter, new PageRequest(1, MaxSources), SourceRanking.Messages, cancellationToken);
        var known = await identities.IdentifyAsync(page.Items.Select(s => s.SourceIp), cancellationToken);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var authorised = (await db.AuthorisedServices.Where(s => s.Domain == key).Select(s => s.Service).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        var services = page.Items
            .Select(s => s.Identified(known.GetValueOrDefault(s.SourceIp)))
            .GroupBy(s => NameOf(s.Identity), StringComparer.OrdinalIgnoreCase)
            .Select(g =>
            {
                var identity = g.First().Identity;
                var messages = g.Sum(s => s.Messages);
                var failing = g.Sum(s => s.Failing);
                var isAuthorised = authorised.Contains(g.Key);
                return new DomainSenderDto(
                    g.Key, identity?.Service is null ? null : identity.ServiceKind, g.Count(), messages, messages - failing, failing,
                    g.Sum(s => s.Forwarded), messages == 0 ? 0 : (messages - failing) / (double)messages, isAuthorised,
                    !isAuthorised && messages - failing > 0, [.. g.Take(5).Select(s => s.SourceIp)]);
            })
            .OrderByDescending(s => s.Messages).ThenBy(s => s.Service, StringComparer.Ordinal)
            .ToList();
        return new DomainSendersDto(key, filter.From, filter.To, services, Readiness(services), page.Items.Count, page.TotalCount);
    }

    public static async Task<Results<NoContent, ValidationProblem>> AuthoriseService(
        string domain, string service, AuthoriseServiceRequest? request, ClaimsPrincipal user, IDbContextFactory<DmarcDbContext> contexts,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (Check(service, request?.Note) is { } problem)
        {
            return problem;
        }

        var key = DomainName.Normalise(domain);
        var name = service.Trim();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var entity = await db.AuthorisedServices.FirstOrDefaultAsync(s => s.Domain == key && s.Service == name, cancellationToken);
        if (entity is null)
        {
            db.AuthorisedServices.Add(new AuthorisedServiceEntity
            {
                Domain = key, Service = name, AuthorisedBy = Actor.Of(user), AuthorisedAt = clock.GetUtcNow(), Note = request?.Note?.Trim(),
            });
        }
        else
        {
            entity.Note = request?.Note?.Trim();
        }

        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, NotFound>> RevokeService(
        string domain, string service, IDbContextFactory<DmarcDbContext> contexts, CancellationToken cancellationToken)
    {
        var key = DomainName.Normalise(domain);
        var name = service.Trim();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.AuthorisedServices.Where(s => s.Domain == key && s.Service == name).ExecuteDeleteAsync(cancellationToken) > 0
            ? TypedResults.NoContent()
            : TypedResults.NotFound();
    }

    /// <summary>How the senders view names a source's service.</summary>
    public static string NameOf(SourceIdentity? identity) =>
        identity?.Service ?? identity?.BaseDomain ?? identity?.AsOrg ?? "Unidentified";

    private static PolicyReadinessDto Readiness(IReadOnlyList<DomainSenderDto> services)
    {
        var authorised = services.Where(s => s.Authorised && s.Messages > 0).ToList();
        var blockers = new List<string>();
        if (authorised.Count == 0)
        {
            blockers.Add("No sending service is marked as authorised: mark the services that send this domain's mail.");
        }

        foreach (var s in authorised.Where(s => s.PassRate < RejectPassRate).OrderBy(s => s.PassRate))
        {
            blockers.Add($"{s.Service} (authorised) passes DMARC on {Format(s.PassRate)} of its {s.Messages:N0} messages; " +
                $"{s.Failing:N0} would be {(s.PassRate < QuarantinePassRate ? "quarantined" : "rejected")}. Align its DKIM signature or SPF.");
        }

        var messages = authorised.Sum(s => s.Messages);
        return new PolicyReadinessDto(
            authorised.Count > 0 && authorised.All(s => s.PassRate >= QuarantinePassRate),
            authorised.Count > 0 && authorised.All(s => s.PassRate >= RejectPassRate),
            messages == 0 ? null : authorised.Sum(s => s.Passing) / (double)messages,
            blockers,
            [.. services.Where(s => s.UnauthorisedPassing).Select(s =>
                $"{s.Service} is not authorised but {s.Passing:N0} of its messages pass DMARC: authorise it, or remove its DKIM key or SPF include.")]);
    }

    private static string Format(double rate) => (rate * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%";

    private static ValidationProblem? Check(string service, string? note)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(service) || service.Trim().Length > MaxServiceName)
        {
            errors["service"] = [$"service is 1 to {MaxServiceName} characters."];
        }

        if (note is { Length: > MaxNote })
        {
            errors["note"] = [$"note is at most {MaxNote} characters."];
        }

        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors);
    }
}
