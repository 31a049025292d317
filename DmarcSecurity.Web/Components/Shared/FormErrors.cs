using DmarcSecurity.Web.Api;

namespace DmarcSecurity.Web.Components.Shared;

/// <summary>What the Api said about a submitted form: its message, and its validation errors by field name.</summary>
public sealed class FormErrors
{
    private IReadOnlyDictionary<string, string[]> _fields = new Dictionary<string, string[]>();

    public string? Message { get; private set; }

    public bool HasFieldErrors => _fields.Count > 0;

    public string? For(string field) =>
        _fields.FirstOrDefault(f => string.Equals(f.Key, field, StringComparison.OrdinalIgnoreCase)).Value is { } messages
            ? string.Join(" ", messages)
            : null;

    public void Clear()
    {
        Message = null;
        _fields = new Dictionary<string, string[]>();
    }

    /// <summary>An error the page finds before asking the Api (a value it cannot even send).</summary>
    public void Set(string field, string message)
    {
        Message = null;
        _fields = new Dictionary<string, string[]> { [field] = [message] };
    }

    internal void Set(ApiException e)
    {
        Message = e.Message;
        _fields = e.Errors;
    }
}
