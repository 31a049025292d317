using System.Security.Cryptography;
using DmarcSecurity.Data.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace DmarcSecurity.Api.Auth;

/// <summary>The HS256 key that signs access tokens, resolved once at start.</summary>
public sealed class SigningKey(SymmetricSecurityKey key)
{
    private const string FileName = "signing-key";

    public SymmetricSecurityKey Key { get; } = key;

    /// <summary><c>Auth:SigningKey</c> when set (at least 64 characters). Otherwise, in Development only, a random key
    /// generated once and kept in the data folder; anywhere else the process stops here, naming the setting.</summary>
    public static SigningKey Resolve(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration[$"{AuthOptions.SectionName}:{nameof(AuthOptions.SigningKey)}"];
        if (!string.IsNullOrEmpty(configured))
        {
            if (configured.Length < AuthOptions.MinimumSigningKeyLength)
            {
                throw new InvalidOperationException(
                    $"Auth:SigningKey (environment variable Auth__SigningKey) is {configured.Length} characters long; it must be at least " +
                    $"{AuthOptions.MinimumSigningKeyLength}. Use a random secret, e.g. `openssl rand -base64 66`.");
            }

            return new SigningKey(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(configured)));
        }

        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                "Auth:SigningKey (environment variable Auth__SigningKey) is not set. Outside Development the Api needs a signing " +
                $"key of at least {AuthOptions.MinimumSigningKeyLength} characters from configuration, e.g. `openssl rand -base64 66`.");
        }

        var path = Path.Combine(DatabaseHosting.DataDirectory(configuration), FileName);
        if (!File.Exists(path))
        {
            var generated = Convert.ToBase64String(RandomNumberGenerator.GetBytes(66));
            File.WriteAllText(path, generated);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        return new SigningKey(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim())));
    }
}
