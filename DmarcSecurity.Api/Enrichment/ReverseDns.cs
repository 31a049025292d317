using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using DmarcSecurity.Core.Enrichment;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Enrichment;

/// <summary>A reverse DNS answer and until when it holds.</summary>
/// <param name="Confirmed">The name resolves back to the address (forward-confirmed reverse DNS). Whoever holds an
/// address block sets its PTR names to anything; only a confirmed name says the name's owner sends from there.</param>
public sealed record PtrAnswer(ReverseDnsStatus Status, string? Name, DateTimeOffset Expires, bool Confirmed = false);

/// <summary>
/// PTR lookups with a cache that keeps names and "no name" for their TTL (the SOA's negative TTL for NXDOMAIN) between a
/// floor and a ceiling, and timeouts and resolver errors for a short while; one query per address in flight however
/// many views ask, and at most <see cref="DnsOptions.MaxConcurrency"/> queries at once. A name found is looked up
/// forward (A or AAAA) in the same slot and time budget, to confirm it names the address.
/// </summary>
public sealed partial class ReverseDns : IDisposable
{
    /// <summary>How long a lookup may wait for one of the <see cref="DnsOptions.MaxConcurrency"/> slots.</summary>
    public static readonly TimeSpan QueueLimit = TimeSpan.FromSeconds(30);

    private readonly DnsOptions _options;
    private readonly LookupClient? _client;
    private readonly MemoryCache _cache;
    private readonly ConcurrentDictionary<IPAddress, Task<PtrAnswer>> _inFlight = new();
    private readonly SemaphoreSlim _slots;
    private readonly TimeProvider _time;
    private readonly ILogger<ReverseDns> _logger;

    public ReverseDns(IOptions<EnrichmentOptions> options, ILogger<ReverseDns> logger, TimeProvider? time = null)
    {
        _options = options.Value.Dns;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.CacheEntries, CompactionPercentage = 0.25 });
        _slots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        if (_options.Enabled)
        {
            // No cache in the client: ours keeps negative answers and failures too, with our floor and ceiling.
            _client = _options.CreateClient();
            Servers = _client.NameServers.Select(n => $"{n.Address}:{n.Port}").ToList();
        }
    }

    public IReadOnlyList<string> Servers { get; } = [];

    /// <summary>One lookup's time once it has a slot: every try of the PTR query, the forward confirmation within it.</summary>
    public TimeSpan LookupBudget => _options.Timeout * (_options.Retries + 1) + TimeSpan.FromMilliseconds(250);

    /// <summary>The longest a lookup started now can take: waiting for a slot, then its budget.</summary>
    public TimeSpan LongestLookup => QueueLimit + LookupBudget;

    public bool Enabled => _client is not null;

    /// <summary>The cached answer, or null when the address has not been asked or its answer has expired.</summary>
    public PtrAnswer? Cached(IPAddress address) =>
        _cache.TryGetValue(address, out PtrAnswer? answer) && answer!.Expires > _time.GetUtcNow() ? answer : null;

    /// <summary>The answer for <paramref name="address"/>: from the cache, from a lookup already running, or from a new
    /// one. The lookup runs to its own timeout whoever stops waiting for it, so its answer is cached for the next view.</summary>
    public Task<PtrAnswer> LookupAsync(IPAddress address)
    {
        if (_client is null)
        {
            return Task.FromResult(new PtrAnswer(ReverseDnsStatus.Off, null, DateTimeOffset.MaxValue));
        }

        if (Cached(address) is { } cached)
        {
            EnrichmentTelemetry.DnsCacheHits.Add(1);
            return Task.FromResult(cached);
        }

        return _inFlight.GetOrAdd(address, a => QueryAndForgetAsync(a));
    }

    public void Dispose()
    {
        _cache.Dispose();
        _slots.Dispose();
    }

    private async Task<PtrAnswer> QueryAndForgetAsync(IPAddress address)
    {
        try
        {
            // Yield first so GetOrAdd has stored this task before it can complete and remove itself.
            await Task.Yield();
            var answer = await QueryAsync(address);
            if (answer.Status != ReverseDnsStatus.Pending)
            {
                _cache.Set(address, answer, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = answer.Expires });
            }

            return answer;
        }
        finally
        {
            _inFlight.TryRemove(address, out _);
        }
    }

    private async Task<PtrAnswer> QueryAsync(IPAddress address)
    {
        // Waiting for a slot has its own, longer bound: a burst of addresses (a list of 1,000 sources) queues and is
        // answered in the background for the next view; what could not even be sent is not remembered as a failure.
        var started = _time.GetTimestamp();
        if (!await _slots.WaitAsync(QueueLimit))
        {
            return new PtrAnswer(ReverseDnsStatus.Pending, null, _time.GetUtcNow());
        }

        using var timeout = new CancellationTokenSource(LookupBudget);
        try
        {
            EnrichmentTelemetry.DnsQueries.Add(1);
            var response = await _client!.QueryReverseAsync(address, timeout.Token);
            var answer = Interpret(address, response);
            return answer.Name is { } name ? answer with { Confirmed = await ConfirmAsync(address, name, timeout.Token) } : answer;
        }
        catch (Exception ex) when (ex is DnsResponseException or OperationCanceledException or System.Net.Sockets.SocketException or TimeoutException)
        {
            LogFailed(_logger, address.ToString(), ex.Message);
            return Failure();
        }
        finally
        {
            _slots.Release();
            EnrichmentTelemetry.DnsLatency.Record(_time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private PtrAnswer Interpret(IPAddress address, IDnsQueryResponse response)
    {
        var now = _time.GetUtcNow();
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            LogFailed(_logger, address.ToString(), response.ErrorMessage);
            return Failure();
        }

        var ptr = response.Answers.PtrRecords().FirstOrDefault();
        if (ptr is not null)
        {
            var name = ptr.PtrDomainName.Value.TrimEnd('.').ToLowerInvariant();
            return new PtrAnswer(ReverseDnsStatus.Found, name, now + Clamp(TimeSpan.FromSeconds(ptr.InitialTimeToLive)));
        }

        // RFC 2308: a negative answer is kept for the lesser of the SOA's TTL and its MINIMUM field.
        var soa = response.Authorities.SoaRecords().FirstOrDefault();
        var negative = soa is null ? _options.NegativeTtl : TimeSpan.FromSeconds(Math.Min(soa.InitialTimeToLive, soa.Minimum));
        return new PtrAnswer(ReverseDnsStatus.None, null, now + Clamp(negative));
    }

    /// <summary>Whether <paramref name="name"/> resolves to <paramref name="address"/>; no answer in time is no.</summary>
    private async Task<bool> ConfirmAsync(IPAddress address, string name, CancellationToken cancellationToken)
    {
        var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        try
        {
            var type = target.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? QueryType.AAAA : QueryType.A;
            EnrichmentTelemetry.DnsQueries.Add(1);
            var response = await _client!.QueryAsync(name, type, cancellationToken: cancellationToken);
            return response.Answers.AddressRecords().Any(r => r.Address.Equals(target));
        }
        catch (Exception ex) when (ex is DnsResponseException or OperationCanceledException or System.Net.Sockets.SocketException or TimeoutException)
        {
            LogFailed(_logger, name, ex.Message);
            return false;
        }
    }

    private PtrAnswer Failure() => new(ReverseDnsStatus.Failed, null, _time.GetUtcNow() + _options.FailureTtl);

    private TimeSpan Clamp(TimeSpan ttl) => ttl < _options.MinimumTtl ? _options.MinimumTtl : ttl > _options.MaximumTtl ? _options.MaximumTtl : ttl;

    [LoggerMessage(EventId = 7010, Level = LogLevel.Debug, Message = "Reverse DNS of {Address} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string address, string reason);
}

/// <summary>The enrichment component's meter.</summary>
internal static class EnrichmentTelemetry
{
    public const string Name = "DmarcSecurity.Enrichment";
    private static readonly Meter s_meter = new(Name);
    public static readonly Counter<long> Identities = s_meter.CreateCounter<long>("dmarc.enrichment.identities", description: "Source identities answered");
    public static readonly Counter<long> DnsQueries = s_meter.CreateCounter<long>("dmarc.enrichment.dns.queries", description: "DNS queries sent: PTR lookups and the forward confirmations of the names found");
    public static readonly Counter<long> DnsCacheHits = s_meter.CreateCounter<long>("dmarc.enrichment.dns.cache_hits", description: "PTR answers from the cache");
    public static readonly Histogram<double> DnsLatency = s_meter.CreateHistogram<double>("dmarc.enrichment.dns.duration", "ms", "PTR lookup time");
}
