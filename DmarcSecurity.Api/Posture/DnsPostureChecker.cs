using DmarcSecurity.Api.Enrichment;
using DmarcSecurity.Core.Posture;
using DnsClient;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Posture;

/// <summary>A DKIM selector seen in the domain's reports, with the signing domain it was seen with.</summary>
public sealed record DkimSelector(string Domain, string Selector);

/// <summary>What one check found, before it is stored.</summary>
public sealed record PostureCheck(
    string Domain, DateTimeOffset CheckedAt, IReadOnlyList<string> Resolvers, int Lookups, bool Incomplete, DmarcPostureDto Dmarc, SpfPostureDto Spf,
    IReadOnlyList<DkimPostureDto> Dkim, MtaStsPostureDto MtaSts, TxtPostureDto TlsRpt)
{
    public FindingSeverity Worst => new[] { Dmarc.Findings, Spf.Findings, MtaSts.Findings, TlsRpt.Findings }.Concat(Dkim.Select(d => d.Findings))
        .SelectMany(f => f).Select(f => f.Severity).DefaultIfEmpty(FindingSeverity.Ok).Max();
}

/// <summary>
/// Checks what a domain publishes for email authentication against the configured resolvers: DMARC (with the
/// organisational domain's fallback and the external authorisation of report targets), SPF expanded under RFC 7208's
/// limits, the DKIM keys of selectors seen in reports, MTA-STS (with its policy file, fetched over HTTPS, against the
/// domain's MX hosts) and TLS-RPT. Every DNS or HTTPS problem becomes a finding; the check itself does not throw for
/// anything the DNS or a policy host answers.
/// </summary>
public sealed class DnsPostureChecker(
    PostureResolver resolver, PublicSuffixListSource suffixes, MtaStsPolicyFetcher policies, IOptions<PostureOptions> options, TimeProvider clock)
{
    /// <summary>RFC 7208 section 4.6.4.</summary>
    public const int SpfLookupLimit = 10;

    public const int SpfVoidLookupLimit = 2;

    public async Task<PostureCheck> CheckAsync(string domain, IReadOnlyList<DkimSelector> selectors, CancellationToken cancellationToken)
    {
        domain = Normalise(domain);
        var lookups = new PostureLookups(resolver, options.Value.MaxLookups, cancellationToken);
        var dmarc = await CheckDmarcAsync(domain, lookups);
        var spf = await CheckSpfAsync(domain, lookups);
        var dkim = new List<DkimPostureDto>();
        foreach (var selector in selectors.Take(options.Value.MaxSelectors))
        {
            dkim.Add(await CheckDkimAsync(selector, lookups));
        }

        var mtaSts = await CheckMtaStsAsync(domain, lookups, cancellationToken);
        var tlsRpt = await CheckTxtAsync($"_smtp._tls.{domain}", "TLS-RPT", SmtpTlsRecordParser.IsTlsRpt, SmtpTlsRecordParser.CheckTlsRpt, lookups,
            "No TLS-RPT record: nobody is told when sending servers fail to connect to this domain over TLS.");
        var incomplete = lookups.Failures.Count > 0 || lookups.CapReached;
        return new PostureCheck(domain, clock.GetUtcNow(), resolver.Servers, lookups.Sent, incomplete, dmarc, spf, dkim, mtaSts, tlsRpt);
    }

    public static string Normalise(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>The organisational domain (RFC 7489 section 3.2) by the Public Suffix List; the last two labels without one.</summary>
    public string OrganisationalDomain(string domain)
    {
        if (suffixes.List?.RegistrableDomain(domain) is { } registrable)
        {
            return registrable;
        }

        var labels = domain.Split('.');
        return labels.Length <= 2 ? domain : string.Join('.', labels[^2..]);
    }

    private async Task<DmarcPostureDto> CheckDmarcAsync(string domain, PostureLookups lookups)
    {
        var findings = new List<PostureFinding>();
        var name = $"_dmarc.{domain}";
        var organisational = OrganisationalDomain(domain);
        var (records, problem) = await TxtAsync(name, DmarcRecordParser.IsDmarc, lookups);
        string? fallback = null;
        if (problem is not null)
        {
            findings.Add(problem);
        }
        else if (records.Count == 0 && organisational != domain)
        {
            var orgName = $"_dmarc.{organisational}";
            (records, problem) = await TxtAsync(orgName, DmarcRecordParser.IsDmarc, lookups);
            if (problem is not null)
            {
                findings.Add(problem);
            }
            else if (records.Count > 0)
            {
                fallback = organisational;
                name = orgName;
                findings.Add(PostureFinding.Ok("dmarc.fallback",
                    $"{domain} publishes no DMARC record of its own; the organisational domain {organisational}'s record applies (its sp= for subdomains)."));
            }
        }

        if (records.Count == 0)
        {
            if (problem is null)
            {
                findings.Add(PostureFinding.Error("dmarc.missing", $"No DMARC record at _dmarc.{domain}{(organisational != domain ? $" nor at _dmarc.{organisational}" : "")}: receivers apply no policy and send no reports."));
            }

            return new DmarcPostureDto(name, null, fallback, null, null, null, null, null, null, [], [], [], Dtos(findings));
        }

        if (records.Count > 1)
        {
            findings.Add(PostureFinding.Error("dmarc.several", $"{records.Count} DMARC records at {name}: receivers ignore them all, as if there were none."));
        }

        var record = DmarcRecordParser.Parse(records[0], organisationalDomain: fallback is not null || domain == organisational);
        findings.AddRange(record.Findings);
        var policyDomain = fallback ?? domain;
        var authorisations = new List<ExternalAuthorisationDto>();
        foreach (var target in record.Rua.Concat(record.Ruf).Select(u => u.Domain).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (OrganisationalDomain(target) == OrganisationalDomain(policyDomain))
            {
                continue;
            }

            var authorisation = $"{policyDomain}._report._dmarc.{target}";
            var (granted, failure) = await TxtAsync(authorisation, DmarcRecordParser.IsDmarc, lookups);
            if (failure is not null)
            {
                findings.Add(failure);
                continue;
            }

            authorisations.Add(new ExternalAuthorisationDto(target, authorisation, granted.Count > 0, granted.FirstOrDefault()));
            findings.Add(granted.Count > 0
                ? PostureFinding.Ok("dmarc.external-authorised", $"{target} accepts reports for {policyDomain} ({authorisation}).")
                : PostureFinding.Error("dmarc.external-unauthorised",
                    $"Reports go to {target}, which does not publish {authorisation} (v=DMARC1): receivers will not send it reports for {policyDomain}."));
        }

        return new DmarcPostureDto(name, records[0], fallback, record.P, record.Sp, record.Np, record.Pct, record.Adkim, record.Aspf,
            [.. record.Rua.Select(u => u.Uri)], [.. record.Ruf.Select(u => u.Uri)], authorisations, Dtos(findings));
    }

    private async Task<SpfPostureDto> CheckSpfAsync(string domain, PostureLookups lookups)
    {
        var expansion = new SpfExpansion(lookups);
        var tree = await expansion.ExpandAsync(domain, "", [], depth: 0);
        var findings = new List<PostureFinding>();
        if (tree.Record is null)
        {
            findings.AddRange(tree.Findings.Select(f => new PostureFinding(f.Severity, f.Code, f.Message)));
            return new SpfPostureDto(null, 0, 0, null, Dtos(findings));
        }

        if (expansion.Lookups > SpfLookupLimit)
        {
            findings.Add(PostureFinding.Error("spf.too-many-lookups",
                $"The record needs {expansion.Lookups}{(expansion.Truncated ? "+" : "")} DNS lookups; receivers stop at {SpfLookupLimit} and fail SPF (permerror)."));
        }
        else
        {
            findings.Add(PostureFinding.Ok("spf.lookups", $"{expansion.Lookups} of the {SpfLookupLimit} DNS lookups SPF allows."));
        }

        if (expansion.VoidLookups > SpfVoidLookupLimit)
        {
            findings.Add(PostureFinding.Error("spf.too-many-void-lookups",
                $"{expansion.VoidLookups} lookups find nothing; receivers stop after {SpfVoidLookupLimit} and fail SPF (permerror)."));
        }
        else if (expansion.VoidLookups > 0)
        {
            findings.Add(PostureFinding.Warning("spf.void-lookups", $"{expansion.VoidLookups} lookup(s) find nothing (at most {SpfVoidLookupLimit} are allowed)."));
        }

        return new SpfPostureDto(tree.Record, expansion.Lookups, expansion.VoidLookups, tree, Dtos(findings));
    }

    private async Task<DkimPostureDto> CheckDkimAsync(DkimSelector selector, PostureLookups lookups)
    {
        var name = $"{selector.Selector}._domainkey.{selector.Domain}";
        var answer = await lookups.QueryAsync(name, QueryType.TXT);
        if (answer.Outcome == DnsOutcome.Failed)
        {
            return new DkimPostureDto(selector.Selector, selector.Domain, name, null, null, null, false,
                [PostureFindingDto.From(PostureFinding.Error("dns.failed", $"The key could not be looked up: {answer.Problem}."))]);
        }

        // A key record may leave out v=; anything else at the name is not a key.
        var keys = answer.Values.Where(v => v.Contains("p=", StringComparison.Ordinal) || v.StartsWith("v=DKIM1", StringComparison.Ordinal)).ToList();
        if (keys.Count == 0)
        {
            return new DkimPostureDto(selector.Selector, selector.Domain, name, null, null, null, false,
                [PostureFindingDto.From(PostureFinding.Error("dkim.missing", $"No key at {name}: mail signed with selector {selector.Selector} fails DKIM."))]);
        }

        var key = DkimKeyParser.Parse(keys[0]);
        var findings = key.Findings.ToList();
        if (keys.Count > 1)
        {
            findings.Add(PostureFinding.Error("dkim.several", $"{keys.Count} key records at {name}: which one a receiver uses is undefined."));
        }

        return new DkimPostureDto(selector.Selector, selector.Domain, name, keys[0], key.KeyType, key.KeyBits, key.Revoked, Dtos(findings));
    }

    private async Task<MtaStsPostureDto> CheckMtaStsAsync(string domain, PostureLookups lookups, CancellationToken cancellationToken)
    {
        var txt = await CheckTxtAsync($"_mta-sts.{domain}", "MTA-STS", SmtpTlsRecordParser.IsMtaSts, SmtpTlsRecordParser.CheckMtaSts, lookups,
            "No MTA-STS record: sending servers may deliver to this domain without TLS when an attacker strips it.");
        if (txt.Record is null || txt.Findings.Any(f => f.Severity == FindingSeverity.Error))
        {
            return new MtaStsPostureDto(txt.Name, txt.Record, null, txt.Findings);
        }

        var host = $"mta-sts.{domain}";
        var url = MtaStsPolicyFetcher.Url(host);
        var findings = txt.Findings.ToList();
        var addresses = await lookups.QueryAsync(host, QueryType.A);
        if (addresses.IsVoid)
        {
            addresses = await lookups.QueryAsync(host, QueryType.AAAA);
        }

        if (addresses.Outcome != DnsOutcome.Found)
        {
            findings.Add(PostureFindingDto.From(addresses.Outcome == DnsOutcome.Failed
                ? PostureFinding.Error("dns.failed", $"{host} could not be looked up: {addresses.Problem}.")
                : PostureFinding.Error("mta-sts.policy-unreachable", $"{host} has no address, so senders cannot fetch the policy the record announces.")));
            return new MtaStsPostureDto(txt.Name, txt.Record, MtaStsPolicyDto.Unfetched(url), findings);
        }

        var fetched = await policies.FetchAsync(host, [.. addresses.Values.Select(System.Net.IPAddress.Parse)], cancellationToken);
        findings.AddRange(Dtos(fetched.Findings));
        if (fetched.Text is null)
        {
            return new MtaStsPostureDto(txt.Name, txt.Record, MtaStsPolicyDto.Unfetched(url), findings);
        }

        var policy = MtaStsPolicyParser.Parse(fetched.Text);
        findings.AddRange(Dtos(policy.Findings));
        IReadOnlyList<string> mxHosts = [], unmatched = [];
        if (policy.Mode is not "none" && policy.Mx.Count > 0)
        {
            var mx = await lookups.QueryAsync(domain, QueryType.MX);
            mxHosts = mx.Values;
            unmatched = policy.Unmatched(mxHosts);
            findings.Add(PostureFindingDto.From(mx.Outcome switch
            {
                DnsOutcome.Failed => PostureFinding.Error("dns.failed", $"The MX hosts of {domain} could not be looked up to compare with the policy: {mx.Problem}."),
                DnsOutcome.NoData or DnsOutcome.NoName => PostureFinding.Warning("mta-sts.no-mx", $"{domain} publishes no MX records to compare with the policy."),
                _ when unmatched.Count > 0 => PostureFinding.Error("mta-sts.mx-unmatched",
                    $"MX hosts the policy's mx patterns do not match: {string.Join(", ", unmatched)}. Senders enforcing the policy refuse to deliver to them."),
                _ => PostureFinding.Ok("mta-sts.mx-matched", $"The policy matches every MX host ({string.Join(", ", mxHosts)})."),
            }));
        }

        return new MtaStsPostureDto(txt.Name, txt.Record, new MtaStsPolicyDto(url, fetched.Text, policy.Mode, policy.Mx, policy.MaxAge, mxHosts, unmatched),
            findings);
    }

    private static async Task<TxtPostureDto> CheckTxtAsync(
        string name, string what, Func<string, bool> isRecord, Func<string, IReadOnlyList<PostureFinding>> check, PostureLookups lookups, string missing)
    {
        var (records, problem) = await TxtAsync(name, isRecord, lookups);
        if (problem is not null)
        {
            return new TxtPostureDto(name, null, Dtos([problem]));
        }

        if (records.Count == 0)
        {
            return new TxtPostureDto(name, null, Dtos([PostureFinding.Warning($"{what.ToLowerInvariant()}.missing", missing)]));
        }

        var findings = check(records[0]).ToList();
        if (records.Count > 1)
        {
            findings.Add(PostureFinding.Error($"{what.ToLowerInvariant()}.several", $"{records.Count} {what} records at {name}: senders treat that as none."));
        }

        return new TxtPostureDto(name, records[0], Dtos(findings));
    }

    /// <summary>The TXT records at <paramref name="name"/> that <paramref name="isRecord"/> accepts, or the finding
    /// that says why they could not be read.</summary>
    internal static async Task<(List<string> Records, PostureFinding? Problem)> TxtAsync(string name, Func<string, bool> isRecord, PostureLookups lookups)
    {
        var answer = await lookups.QueryAsync(name, QueryType.TXT);
        if (answer.Outcome == DnsOutcome.Failed)
        {
            return ([], PostureFinding.Error("dns.failed", $"{name} could not be checked: {answer.Problem}."));
        }

        var records = answer.Values.Where(isRecord).ToList();
        return records.Count == 0 && answer.Problem is { } oversized
            ? (records, PostureFinding.Error("dns.txt-too-large", $"{char.ToUpperInvariant(oversized[0])}{oversized[1..]}."))
            : (records, null);
    }

    internal static List<PostureFindingDto> Dtos(IEnumerable<PostureFinding> findings) => [.. findings.Select(PostureFindingDto.From)];
}
