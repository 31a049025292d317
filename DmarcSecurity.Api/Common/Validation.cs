namespace DmarcSecurity.Api.Common;

/// <summary>Request parameters that check themselves and add field errors.</summary>
public interface IValidatable
{
    void Validate(IDictionary<string, string[]> errors);
}

internal static class Validation
{
    /// <summary>A validation problem naming every bad field, or null when all parts are valid.</summary>
    public static ValidationProblem? Check(params IValidatable[] parts)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var part in parts)
        {
            part.Validate(errors);
        }

        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : null;
    }
}
