using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using DmarcSecurity.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DmarcSecurity.Api.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task Without_a_connection_string_the_api_creates_a_sqlite_database_in_its_data_folder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "dmarcsecurity-tests", "data-" + Guid.NewGuid().ToString("N"));
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("Storage:DataDirectory", folder);
            web.UseSetting("Auth:SigningKey", ApiFixture.SigningKey);
        });
        using var client = factory.CreateClient();

        using var health = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.True(File.Exists(Path.Combine(folder, "dmarcsecurity.db")));
    }

    [Fact]
    public async Task Ingestion_counts_files_records_and_rejections_by_reason_in_its_meter()
    {
        var measurements = new ConcurrentBag<(string Instrument, long Value, string? Tag)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "DmarcSecurity.Ingestion")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? tag = null;
            foreach (var t in tags)
            {
                tag = t.Value?.ToString();
            }

            measurements.Add((instrument.Name, value, tag));
        });
        listener.Start();
        var fixture = new SqliteApiFixture();
        await fixture.InitializeAsync();
        try
        {
            await Upload.FilesAsync(fixture.Client,
                ("good.xml", ReportXml.Build("metrics-1", records: [new TestRecord("192.0.2.1", 1), new TestRecord("192.0.2.2", 2)])),
                ("xxe.xml", Encoding.UTF8.GetBytes("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/hosts\">]><feedback>&e;</feedback>")));
        }
        finally
        {
            await fixture.DisposeAsync();
        }

        Assert.Contains(measurements, m => m is { Instrument: "dmarc.ingest.rejections", Value: 1, Tag: "DtdProhibited" });
        Assert.Contains(measurements, m => m is { Instrument: "dmarc.ingest.records", Value: 2 });
        Assert.Contains(measurements, m => m is { Instrument: "dmarc.ingest.files", Tag: "Stored" });
    }
}
