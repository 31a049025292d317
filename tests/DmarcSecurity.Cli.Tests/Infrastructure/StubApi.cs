using System.Net;
using System.Text;

namespace DmarcSecurity.Cli.Tests.Infrastructure;

/// <summary>Answers every request with one fixed response, for answers the real Api on this branch does not give
/// yet (a trained model, a problem from training); keeps the requests it saw.</summary>
public sealed class StubApi(HttpStatusCode status, string body, string contentType = "application/json") : HttpMessageHandler
{
    public List<(HttpMethod Method, Uri Uri, string? ApiKey)> Requests { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add((request.Method, request.RequestUri!, request.Headers.TryGetValues("X-Api-Key", out var keys) ? keys.Single() : null));
        return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType) });
    }
}
