using DmarcSecurity.Core.Posture;
using DnsClient;

namespace DmarcSecurity.Api.Posture;

/// <summary>
/// Expands an SPF record as a receiver evaluates it (RFC 7208 section 4.6.4): include, redirect, a, mx, ptr and exists
/// each cost a lookup; a lookup that finds nothing is void. A domain included from itself is a loop and not followed.
/// Expansion goes on past the limit (to a cap) so the analyst sees how far over it the record is.
/// </summary>
internal sealed class SpfExpansion(PostureLookups lookups)
{
    private const int Cap = 40;
    private const int MaxDepth = 12;

    public int Lookups { get; private set; }

    public int VoidLookups { get; private set; }

    /// <summary>The cap stopped the expansion: the count is a lower bound.</summary>
    public bool Truncated { get; private set; }

    public async Task<SpfNodeDto> ExpandAsync(string domain, string via, IReadOnlyList<string> path, int depth)
    {
        var findings = new List<PostureFinding>();
        var answer = await lookups.QueryAsync(domain, QueryType.TXT);
        if (answer.Outcome == DnsOutcome.Failed)
        {
            return new SpfNodeDto(domain, via, null, [], [], DnsPostureChecker.Dtos([PostureFinding.Error("dns.failed", $"{domain} could not be checked: {answer.Problem}.")]));
        }

        var records = answer.Values.Where(SpfRecordParser.IsSpf).ToList();
        if (records.Count == 0 && answer.Problem is { } oversized)
        {
            return new SpfNodeDto(domain, via, null, [], [], DnsPostureChecker.Dtos([PostureFinding.Error("dns.txt-too-large", $"{oversized}.")]));
        }

        if (records.Count == 0)
        {
            // An include or redirect whose lookup finds no records at all is also a void lookup (RFC 7208 section 4.6.4).
            if (via.Length > 0 && answer.IsVoid)
            {
                VoidLookups++;
            }

            findings.Add(via.Length == 0
                ? PostureFinding.Error("spf.missing", $"No SPF record (v=spf1) at {domain}: receivers cannot tell which servers may send as it.")
                : PostureFinding.Error("spf.include-missing", $"{via} points at {domain}, which has no SPF record: receivers fail SPF (permerror)."));
            return new SpfNodeDto(domain, via, null, [], [], DnsPostureChecker.Dtos(findings));
        }

        if (records.Count > 1)
        {
            findings.Add(PostureFinding.Error("spf.several", $"{records.Count} SPF records at {domain}: receivers fail SPF (permerror)."));
        }

        var record = SpfRecordParser.Parse(records[0]);
        findings.AddRange(record.Findings.Where(f => via.Length == 0 || f.Code is not ("spf.no-all" or "spf.neutral-all" or "spf.pass-all")));
        var here = path.Append(domain).ToList();
        var children = new List<SpfNodeDto>();
        foreach (var mechanism in record.Mechanisms)
        {
            if (!mechanism.CountsAsLookup)
            {
                continue;
            }

            if (!Count())
            {
                findings.Add(PostureFinding.Warning("spf.expansion-stopped", $"Expansion stopped at {Cap} lookups."));
                break;
            }

            var target = mechanism.Target is { } t ? (t.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? t[..slash] : t) : domain;
            if (target.Length == 0)
            {
                target = domain;
            }

            if (SpfRecordParser.HasMacros(target))
            {
                findings.Add(PostureFinding.Ok("spf.macro", $"{mechanism.Text} uses macros, which depend on each message; counted but not looked up."));
                continue;
            }

            target = DnsPostureChecker.Normalise(target);
            switch (mechanism.Name)
            {
                case "include":
                    children.Add(await FollowAsync(target, mechanism.Text, here, depth, findings));
                    break;
                case "a":
                    var a = await lookups.QueryAsync(target, QueryType.A);
                    var aaaa = a.IsVoid ? await lookups.QueryAsync(target, QueryType.AAAA) : a;
                    Void(a.IsVoid && aaaa.IsVoid, mechanism.Text, target, findings);
                    break;
                case "mx":
                    var mx = await lookups.QueryAsync(target, QueryType.MX);
                    Void(mx.IsVoid, mechanism.Text, target, findings);
                    if (mx.Values.Count > 10)
                    {
                        findings.Add(PostureFinding.Error("spf.mx-too-many", $"{mechanism.Text}: {target} has {mx.Values.Count} MX hosts; receivers fail SPF past 10."));
                    }

                    break;
                case "exists":
                    Void((await lookups.QueryAsync(target, QueryType.A)).IsVoid, mechanism.Text, target, findings);
                    break;
                case "ptr":
                    // Its lookups depend on the connecting address; it costs one term here.
                    break;
            }
        }

        if (record.Redirect is { } redirect && record.All is null && !SpfRecordParser.HasMacros(redirect))
        {
            if (Count())
            {
                children.Add(await FollowAsync(DnsPostureChecker.Normalise(redirect), $"redirect={redirect}", here, depth, findings));
            }
        }

        return new SpfNodeDto(domain, via, records[0], [.. record.Mechanisms.Select(m => m.Text)
            .Concat(record.Redirect is { } r ? [$"redirect={r}"] : [])], children, DnsPostureChecker.Dtos(findings));
    }

    private async Task<SpfNodeDto> FollowAsync(string target, string via, List<string> path, int depth, List<PostureFinding> findings)
    {
        if (path.Contains(target, StringComparer.Ordinal))
        {
            findings.Add(PostureFinding.Error("spf.loop", $"{via} leads back to {target}: a loop, which receivers stop with a permerror."));
            return new SpfNodeDto(target, via, null, [], [], []);
        }

        if (depth >= MaxDepth)
        {
            findings.Add(PostureFinding.Error("spf.too-deep", $"{via}: includes nest more than {MaxDepth} deep."));
            return new SpfNodeDto(target, via, null, [], [], []);
        }

        return await ExpandAsync(target, via, path, depth + 1);
    }

    private bool Count()
    {
        if (Lookups >= Cap)
        {
            Truncated = true;
            return false;
        }

        Lookups++;
        return true;
    }

    private void Void(bool isVoid, string term, string target, List<PostureFinding> findings)
    {
        if (isVoid)
        {
            VoidLookups++;
            findings.Add(PostureFinding.Warning("spf.void", $"{term}: {target} has no records (a void lookup)."));
        }
    }
}
