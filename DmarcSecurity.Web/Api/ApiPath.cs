using System.Globalization;
using System.Text;

namespace DmarcSecurity.Web.Api;

/// <summary>Builds an Api path with a query string, leaving out empty values.</summary>
internal static class ApiPath
{
    public static string For(string path, params (string Name, object? Value)[] parameters)
    {
        var builder = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in parameters)
        {
            var text = value switch
            {
                null => null,
                DateTimeOffset time => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                DateTime time => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
                bool flag => flag ? "true" : "false",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            builder.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(text));
            separator = '&';
        }

        return builder.ToString();
    }
}
