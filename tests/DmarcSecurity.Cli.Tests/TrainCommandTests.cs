using System.Net;
using DmarcSecurity.Cli.Hosting;
using DmarcSecurity.Cli.Tests.Infrastructure;

namespace DmarcSecurity.Cli.Tests;

public sealed class TrainCommandTests(CliApi api) : IClassFixture<CliApi>
{
    private const string Key = "stub-key-for-training-tests";

    private static readonly Dictionary<string, string> s_environment = new()
    {
        [CliHost.ApiVariable] = "http://api.example:5080",
        [CliHost.ApiKeyVariable] = Key,
    };

    [Fact]
    public async Task Train_against_the_real_api_without_verdicts_fails_with_one_line()
    {
        // Until the training endpoint is there, the Api answers 404; once it is, a fresh database has no verdicts and
        // the answer is its problem. Either way: one line, no stack trace, exit code 1.
        var run = await api.RunAsync("train");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^dmarcsec: (The Api has no POST /api/models/severity/train \(404 Not Found\)|.+\((409 Conflict|422 Unprocessable Content)\))", line);
        Assert.DoesNotContain("   at ", run.All);
    }

    [Theory]
    [InlineData(HttpStatusCode.Conflict, "409 Conflict")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "422 Unprocessable Content")]
    public async Task Train_with_too_few_verdicts_prints_the_problems_detail(HttpStatusCode status, string code)
    {
        var stub = new StubApi(status, """
            {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"Not enough verdicts",
             "detail":"Training needs at least 20 approved and 20 dismissed decisions; there are 3 and 1.","status":409}
            """, "application/problem+json");

        var run = await CliRun.RunAsync(["train"], s_environment, stub);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            $"dmarcsec: Not enough verdicts: Training needs at least 20 approved and 20 dismissed decisions; there are 3 and 1. ({code})",
            run.Error.Trim());
        var request = Assert.Single(stub.Requests);
        Assert.Equal((HttpMethod.Post, "http://api.example:5080/api/models/severity/train", Key), (request.Method, request.Uri.ToString(), request.ApiKey));
    }

    [Fact]
    public async Task Train_prints_the_models_metrics()
    {
        var stub = new StubApi(HttpStatusCode.OK, """
            {"version":3,"trainedAt":"2026-03-01T12:34:56Z","examples":240,
             "metrics":{"auc":0.9134,"precisionAtK":0.85,"k":20,"confusion":[[150,12],[9,69]]}}
            """);

        var run = await CliRun.RunAsync(["train"], s_environment, stub);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"│ Model version\s+│\s+3 │", run.Output);
        Assert.Matches(@"│ Trained at \(UTC\)\s+│ 2026-03-01 12:34:56 │", run.Output);
        Assert.Matches(@"│ Examples\s+│\s+240 │", run.Output);
        Assert.Matches(@"│ ROC AUC\s+│\s+0\.913 │", run.Output);
        Assert.Matches(@"│ Precision at 20\s+│\s+0\.850 │", run.Output);
        Assert.Matches(@"│ True negatives\s+│\s+150 │", run.Output);
        Assert.Matches(@"│ False positives\s+│\s+12 │", run.Output);
        Assert.Matches(@"│ False negatives\s+│\s+9 │", run.Output);
        Assert.Matches(@"│ True positives\s+│\s+69 │", run.Output);
    }
}
