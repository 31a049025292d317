namespace DmarcSecurity.Api.Common;

public enum ProblemKind
{
    NotFound,
    Invalid,
    Conflict,
    Forbidden,
}

/// <summary>A service's answer: a value, or a problem of a known kind with a sentence for the caller.</summary>
public sealed record Outcome<T>(T? Value, ProblemKind? Problem = null, string? Field = null, string? Message = null)
{
    public static Outcome<T> Ok(T value) => new(value);

    public static Outcome<T> Fail(ProblemKind kind, string message, string? field = null) => new(default, kind, field, message);

    /// <summary>Maps the outcome to a typed result: 200 with the value, or 404, 400 (validation), 409 (as problem+json) or 403.</summary>
    public Results<Ok<T>, NotFound, ValidationProblem, ProblemHttpResult, ForbidHttpResult> ToResult() => Problem switch
    {
        null => TypedResults.Ok(Value!),
        ProblemKind.NotFound => TypedResults.NotFound(),
        ProblemKind.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [Field ?? "request"] = [Message!] }),
        // A problem result, not Conflict<ProblemDetails>: that one is sent as application/json, not application/problem+json.
        ProblemKind.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: Message),
        _ => TypedResults.Forbid(),
    };
}
