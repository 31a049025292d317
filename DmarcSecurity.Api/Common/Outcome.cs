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

    /// <summary>Maps the outcome to a typed result: 200 with the value, or 404, 400 (validation), 409 or 403.</summary>
    public Results<Ok<T>, NotFound, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult> ToResult() => Problem switch
    {
        null => TypedResults.Ok(Value!),
        ProblemKind.NotFound => TypedResults.NotFound(),
        ProblemKind.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [Field ?? "request"] = [Message!] }),
        ProblemKind.Conflict => TypedResults.Conflict(new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = Message }),
        _ => TypedResults.Forbid(),
    };
}
