using System.Net;
using DmarcSecurity.Cli.Hosting;
using DmarcSecurity.Cli.Ingest;
using DmarcSecurity.Cli.Tests.Infrastructure;

namespace DmarcSecurity.Cli.Tests;

public sealed class UploadsTests
{
    [Fact]
    public void Batches_hold_at_most_200_files()
    {
        var items = Enumerable.Range(0, 450).Select(i => Item($"r{i}.xml", 2_000)).ToList();

        var batches = Uploads.Batch(items).ToList();

        Assert.Equal([200, 200, 50], batches.Select(b => b.Count));
        Assert.Equal(items, batches.SelectMany(b => b));
    }

    [Fact]
    public void Batches_stay_under_the_size_cap_and_a_larger_file_goes_alone()
    {
        var third = Uploads.MaxBatchBytes / 3;
        List<UploadItem> items = [Item("a", third), Item("b", third), Item("c", third), Item("big", Uploads.MaxBatchBytes * 2), Item("d", 10)];

        var batches = Uploads.Batch(items).ToList();

        Assert.Equal([["a", "b", "c"], ["big"], ["d"]], batches.Select(b => b.Select(i => i.FileName).ToArray()));
    }

    [Fact]
    public async Task A_batch_the_api_finds_too_large_is_split_until_each_file_is_refused_alone()
    {
        var stub = new StubApi(HttpStatusCode.RequestEntityTooLarge,
            """{"title":"Upload too large","detail":"The upload is larger than 67108864 bytes.","status":413}""", "application/problem+json");
        var environment = new Dictionary<string, string> { [CliHost.ApiVariable] = "http://api.example/", [CliHost.ApiKeyVariable] = "k" };

        var run = await CliRun.RunAsync(
            ["ingest", Samples.Path("rfc7489-example.xml"), Samples.Path("hostile-xxe.xml"), Samples.Path("comcast.net!example.com!1700006400!1700092799.xml")],
            environment, stub);

        Assert.Equal(1, run.ExitCode);
        // [a, b, c] -> [a] and [b, c] -> [b] and [c].
        Assert.Equal(5, stub.Requests.Count);
        Assert.Contains("3 files: 0 stored, 0 duplicate, 3 rejected.", run.Output);
        Assert.Matches(@"rfc7489-example\.xml\s+│ Rejected\s+│\s+0 │\s+0 │ TooLarge: larger than the Api's upload limit: Upload too large: The upload is larger than 67108864 bytes\. \(413 Content Too Large\)", run.Output);
    }

    private static UploadItem Item(string name, long length) => new(name, name, length, () => Stream.Null);
}
