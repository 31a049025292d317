using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Testing;

/// <summary>A real HTTP server on 127.0.0.1 that records every request it receives and answers as told: a webhook
/// receiver for the notification tests.</summary>
public sealed class HttpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _count;

    private HttpReceiver(WebApplication app, Func<int, int> status)
    {
        _app = app;
        Status = status;
    }

    public sealed record Received(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Body);

        public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;
    }

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The status answered to the n-th request (1-based).</summary>
    public Func<int, int> Status { get; set; }

    public Uri Url => new(_app.Urls.First() + "/hook");

    /// <param name="port">0 for any free port; a given one to come back where a stopped receiver was.</param>
    public static async Task<HttpReceiver> StartAsync(Func<int, int>? status = null, int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new HttpReceiver(app, status ?? (_ => 200));
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver.Requests.Enqueue(new Received(
                context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray()));
            var code = receiver.Status(Interlocked.Increment(ref receiver._count));
            context.Response.StatusCode = code;
            await context.Response.WriteAsync(code < 300 ? "ok" : $"refused with {code}");
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
