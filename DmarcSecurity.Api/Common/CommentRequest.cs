namespace DmarcSecurity.Api.Common;

/// <summary>The body of a lifecycle step (acknowledge, resolve, approve, dismiss): an optional comment kept in the history.</summary>
public sealed record CommentRequest(string? Comment) : IValidatable
{
    public const int MaxLength = 2000;

    public string? Text => string.IsNullOrWhiteSpace(Comment) ? null : Comment.Trim();

    public void Validate(IDictionary<string, string[]> errors)
    {
        if (Text is { Length: > MaxLength })
        {
            errors["comment"] = [$"comment must be at most {MaxLength} characters."];
        }
    }
}

internal static class Lifecycle
{
    /// <summary>A lifecycle step of an alert or a decision: the comment is checked, then the step runs.</summary>
    public static async Task<Results<Ok<T>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> StepAsync<T>(
        CommentRequest? request, Func<string?, Task<Outcome<T>>> step)
    {
        request ??= new CommentRequest(null);
        if (Validation.Check(request) is { } problem)
        {
            return problem;
        }

        return (await step(request.Text)).ToResult();
    }
}
