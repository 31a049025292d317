using DmarcSecurity.Api.Enrichment;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Posture;

public enum DnsOutcome
{
    /// <summary>Records of the asked type.</summary>
    Found,

    /// <summary>The name exists but has no records of the type.</summary>
    NoData,

    /// <summary>NXDOMAIN.</summary>
    NoName,

    /// <summary>Timeout, SERVFAIL, refused, or the check's lookup cap was reached.</summary>
    Failed,
}

/// <param name="Values">TXT: each record's strings joined; A/AAAA: addresses; MX: exchange names.</param>
/// <param name="Problem">Why the lookup failed, or what was odd about the answer (a long CNAME chain, a TXT cut short).</param>
public sealed record DnsAnswer(DnsOutcome Outcome, IReadOnlyList<string> Values, string? Problem = null)
{
    public bool IsVoid => Outcome is DnsOutcome.NoData or DnsOutcome.NoName;
}

/// <summary>The DNS client posture checks use: the platform's resolvers and timeout (<c>Enrichment:Dns</c>), no cache (a
/// check shows what is published now), TCP when an answer does not fit in UDP.</summary>
public sealed class PostureResolver
{
    /// <summary>A TXT record longer than this is reported and left unread: no email-authentication record needs more.</summary>
    public const int MaxTxtLength = 8192;

    /// <summary>CNAMEs followed in one answer before it counts as hostile.</summary>
    public const int MaxCnames = 8;

    private readonly LookupClient _client;
    private readonly TimeSpan _budget;

    public PostureResolver(IOptions<EnrichmentOptions> options)
    {
        var dns = options.Value.Dns;
        _client = dns.CreateClient();
        _budget = dns.Timeout * (dns.Retries + 1) * 2 + TimeSpan.FromMilliseconds(250);
        Servers = _client.NameServers.Select(n => $"{n.Address}:{n.Port}").ToList();
    }

    public IReadOnlyList<string> Servers { get; }

    public async Task<DnsAnswer> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_budget);
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DnsAnswer(DnsOutcome.Failed, [], $"no answer for {name} within the timeout");
        }
        catch (Exception e) when (e is DnsResponseException or System.Net.Sockets.SocketException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            return new DnsAnswer(DnsOutcome.Failed, [], $"looking up {name} failed: {e.Message}");
        }

        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return new DnsAnswer(DnsOutcome.NoName, []);
        }

        if (response.HasError)
        {
            return new DnsAnswer(DnsOutcome.Failed, [], $"looking up {name} failed: {response.ErrorMessage}");
        }

        string? problem = null;
        if (response.Answers.CnameRecords().Count() > MaxCnames)
        {
            return new DnsAnswer(DnsOutcome.Failed, [], $"{name} leads through more than {MaxCnames} CNAMEs");
        }

        var values = new List<string>();
        switch (type)
        {
            case QueryType.TXT:
                foreach (var txt in response.Answers.TxtRecords())
                {
                    // RFC 7208 3.3: the strings of one record are joined without spaces.
                    var text = string.Concat(txt.Text);
                    if (text.Length > MaxTxtLength)
                    {
                        // Far more than any email-authentication record needs: left unread rather than parsed cut short.
                        problem = $"a TXT record at {name} is {text.Length:N0} characters long, more than any email-authentication record needs; it was not read";
                        continue;
                    }

                    values.Add(text);
                }

                break;
            case QueryType.A:
                values.AddRange(response.Answers.ARecords().Select(a => a.Address.ToString()));
                break;
            case QueryType.AAAA:
                values.AddRange(response.Answers.AaaaRecords().Select(a => a.Address.ToString()));
                break;
            case QueryType.MX:
                values.AddRange(response.Answers.MxRecords().Select(m => m.Exchange.Value.TrimEnd('.').ToLowerInvariant()));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "Posture checks ask for TXT, A, AAAA and MX only.");
        }

        return new DnsAnswer(values.Count > 0 ? DnsOutcome.Found : DnsOutcome.NoData, values, problem);
    }
}

/// <summary>The lookups of one check, capped: past <see cref="Cap"/> every query answers Failed without being sent.</summary>
public sealed class PostureLookups(PostureResolver resolver, int cap, CancellationToken cancellationToken)
{
    public int Cap => cap;

    public int Sent { get; private set; }

    public bool CapReached { get; private set; }

    /// <summary>Lookups that failed (timeouts, server failures, the cap): the check is incomplete.</summary>
    public List<string> Failures { get; } = [];

    public async Task<DnsAnswer> QueryAsync(string name, QueryType type)
    {
        if (Sent >= cap)
        {
            CapReached = true;
            return new DnsAnswer(DnsOutcome.Failed, [], $"the check's cap of {cap} DNS lookups was reached before {name}");
        }

        Sent++;
        var answer = await resolver.QueryAsync(name, type, cancellationToken);
        if (answer.Outcome == DnsOutcome.Failed)
        {
            Failures.Add(answer.Problem ?? name);
        }

        return answer;
    }
}
