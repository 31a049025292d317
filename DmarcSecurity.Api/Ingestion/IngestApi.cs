using System.Security.Claims;
using DmarcSecurity.Api.Auth;
using DmarcSecurity.Api.Common;
using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Data.Ingestion;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Ingestion;

/// <summary>What became of one uploaded file.</summary>
public sealed record IngestedFileResponse(
    string? FileName,
    long Size,
    string Sha256,
    FileOutcome Outcome,
    IReadOnlyList<long> ReportIds,
    IReadOnlyList<long> DuplicateOfReportIds,
    int Records,
    RejectionReason? Reason,
    string? Error,
    IReadOnlyList<long> TlsReportIds,
    IReadOnlyList<long> DuplicateOfTlsReportIds,
    IReadOnlyList<long> FailureReportIds,
    IReadOnlyList<long> DuplicateOfFailureReportIds,
    IReadOnlyList<long> ConflictIds);

/// <param name="Conflicts">Files that kept a conflicting copy of a stored report (a report that arrived again with different content).</param>
public sealed record IngestResponse(int Stored, int Duplicates, int Rejected, int Conflicts, IReadOnlyList<IngestedFileResponse> Files);

public static class IngestApi
{
    /// <summary>Uploads are recorded as <c>upload:&lt;e-mail of the uploader&gt;</c>.</summary>
    public const string UploadSource = "upload";

    public static WebApplicationBuilder AddIngestion(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>()
            .BindConfiguration(IngestionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddScoped<FileIngestionService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/api/ingest").WithTags("Ingestion").RequireAuthorization(Policies.Analyst)
            .MapPost("/files", UploadFiles)
            .WithName(nameof(UploadFiles))
            .WithSummary("Upload 1 to 200 report files (DMARC aggregate XML, SMTP TLS report JSON, DMARC failure report e-mail, gzip, zip or e-mail); each file gets its own outcome.")
            .Accepts<IFormFileCollection>("multipart/form-data")
            .DisableAntiforgery();
        return endpoints;
    }

    public static Task<Results<Ok<IngestResponse>, ValidationProblem, ProblemHttpResult>> UploadFiles(
        HttpRequest request,
        ClaimsPrincipal user,
        FileIngestionService ingestion,
        IOptions<IngestionOptions> options,
        CancellationToken cancellationToken) =>
        WithUploadAsync(request, options.Value, async files =>
        {
            var outcomes = new List<IngestedFileResponse>(files.Count);
            foreach (var file in files)
            {
                var result = await ingestion.IngestAsync(file.Content, file.Sha256, $"{UploadSource}:{Actor.Of(user)}", file.FileName, file.Size, cancellationToken);
                await file.DisposeAsync();
                outcomes.Add(new IngestedFileResponse(
                    file.FileName, file.Size, file.Sha256, result.Outcome, result.StoredReportIds, result.DuplicateOfReportIds,
                    result.RecordCount, result.Reason, result.Error, result.StoredTlsReportIds, result.DuplicateOfTlsReportIds,
                    result.StoredFailureReportIds, result.DuplicateOfFailureReportIds, result.ConflictIds));
            }

            return new IngestResponse(
                outcomes.Count(o => o.Outcome == FileOutcome.Stored),
                outcomes.Count(o => o.Outcome == FileOutcome.Duplicate),
                outcomes.Count(o => o.Outcome == FileOutcome.Rejected),
                outcomes.Count(o => o.ConflictIds.Count > 0),
                outcomes);
        }, cancellationToken);

    /// <summary>Receives a multipart upload into spooled files (within Ingestion:MaxUploadBytes and the file count
    /// limit), hands them to <paramref name="handle"/>, and deletes them afterwards, whatever happened.</summary>
    internal static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> WithUploadAsync<T>(
        HttpRequest request, IngestionOptions options, Func<List<SpooledFile>, Task<T>> handle, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType || request.ContentType?.Contains("multipart/", StringComparison.OrdinalIgnoreCase) != true)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["files"] = ["Send the files as multipart/form-data."] });
        }

        // The limit is ours (Ingestion:MaxUploadBytes), checked while spooling; lift the server's default cap.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = options.MaxUploadBytes + 1024 * 1024;
        }

        List<SpooledFile> files;
        try
        {
            files = await UploadSpooler.SpoolAsync(request, options, cancellationToken);
        }
        catch (UploadTooLargeException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Upload too large");
        }
        catch (TooManyFilesException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["files"] = [e.Message] });
        }

        try
        {
            return files.Count == 0
                ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["files"] = ["The upload holds no file."] })
                : TypedResults.Ok(await handle(files));
        }
        finally
        {
            foreach (var file in files)
            {
                await file.DisposeAsync();
            }
        }
    }
}
