using DmarcSecurity.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Api.Tests;

public sealed class EndpointPolicyTests(SqliteApiFixture fixture) : IClassFixture<SqliteApiFixture>
{
    /// <summary>The only endpoints anyone may call without signing in.</summary>
    public static readonly HashSet<string> AnonymousEndpoints =
    [
        "POST /api/auth/login",
        "POST /api/auth/refresh",
        "GET /health",
        "GET /alive",
        "GET /openapi/v1.json",
    ];

    public static IReadOnlyList<(string Method, RouteEndpoint Endpoint)> Endpoints(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e)))
            .ToList();

    public static string Key(string method, RouteEndpoint endpoint) => $"{method} {endpoint.RoutePattern.RawText?.TrimEnd('/')}";

    [Fact]
    public void Every_endpoint_names_a_policy_or_is_on_the_anonymous_list()
    {
        var endpoints = Endpoints(fixture.Factory.Services);
        var offenders = new List<string>();
        foreach (var (method, endpoint) in endpoints)
        {
            var key = Key(method, endpoint);
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            if (anonymous ? !AnonymousEndpoints.Contains(key) : policies.Count == 0 || policies.Any(string.IsNullOrEmpty))
            {
                offenders.Add($"{key} (anonymous: {anonymous}, policies: {string.Join(",", policies)})");
            }
        }

        Assert.True(endpoints.Count > 20, $"only {endpoints.Count} endpoints found");
        Assert.Empty(offenders);
        Assert.Equal(AnonymousEndpoints.Order(), endpoints.Where(e => e.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            .Select(e => Key(e.Method, e.Endpoint)).Order());
    }
}
