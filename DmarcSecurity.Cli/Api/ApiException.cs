using System.Net;
using System.Text.Json;

namespace DmarcSecurity.Cli.Api;

/// <summary>The Api answered with an error; <see cref="Exception.Message"/> is one line for a person.</summary>
public sealed class ApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>A refused key is a setting to fix, like a missing one; every other answer is a failure of the request.</summary>
    public int ExitCode => Status == HttpStatusCode.Unauthorized ? ExitCodes.Usage : ExitCodes.Failed;

    /// <summary>One line from an error answer: the problem document's title and detail (and its field errors) when there
    /// is one, else the status; with a hint for the statuses a user can act on.</summary>
    public static ApiException From(HttpMethod method, string path, HttpStatusCode status, string? body, TimeSpan? retryAfter)
    {
        var code = $"{(int)status} {Describe(status)}";
        var problem = Problem.TryParse(body);
        var what = problem?.ToString();
        var message = status switch
        {
            HttpStatusCode.Unauthorized =>
                $"The Api refused the API key ({code}): it is unknown, revoked or expired, or its owner is disabled. Check --api-key or {CliHost.ApiKeyVariable}.",
            HttpStatusCode.Forbidden =>
                $"The API key may not do this ({code}){(what is null ? "" : ": " + what)}; an Analyst or Admin key is needed for uploads.",
            HttpStatusCode.TooManyRequests =>
                $"The Api asks to slow down ({code}); try again{(retryAfter is { } wait ? $" in {Math.Ceiling(wait.TotalSeconds):0} s" : " later")}.",
            // The Api answers an unknown route with a bare "Not Found" problem: nothing in it says more than the status.
            HttpStatusCode.NotFound when problem?.Detail is null && problem?.Errors.Count is null or 0 =>
                $"The Api has no {method} /{path} ({code}): is --api the Api's address, and is the Api recent enough for this command?",
            _ => what is null ? $"{method} /{path} failed ({code})." : $"{what} ({code})",
        };
        return new ApiException(status, message);
    }

    private static string Describe(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        HttpStatusCode.RequestEntityTooLarge => "Content Too Large",
        HttpStatusCode.UnprocessableEntity => "Unprocessable Content",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        _ => SplitWords(status.ToString()),
    };

    private static string SplitWords(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + c : c.ToString()));

    /// <summary>An RFC 9457 problem document, as far as a person needs it.</summary>
    private sealed record Problem(string? Title, string? Detail, IReadOnlyList<string> Errors)
    {
        public static Problem? TryParse(string? body)
        {
            if (string.IsNullOrWhiteSpace(body))
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                var errors = new List<string>();
                if (root.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in fields.EnumerateObject())
                    {
                        if (field.Value.ValueKind == JsonValueKind.Array)
                        {
                            errors.AddRange(field.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!));
                        }
                    }
                }

                var problem = new Problem(Text(root, "title"), Text(root, "detail"), errors);
                return problem.Title is null && problem.Detail is null && errors.Count == 0 ? null : problem;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? OneLine(text)
                : null;

        private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        public override string ToString()
        {
            var parts = new List<string>();
            if (Title is not null)
            {
                parts.Add(Title.TrimEnd('.'));
            }

            if (Detail is not null)
            {
                parts.Add(Detail);
            }

            parts.AddRange(Errors.Select(OneLine));
            return string.Join(": ", parts.Take(2)) + (parts.Count > 2 ? " " + string.Join(" ", parts.Skip(2)) : "");
        }
    }
}

/// <summary>The Api could not be reached at all.</summary>
public sealed class ApiUnreachableException(string message, Exception inner) : Exception(message, inner);
