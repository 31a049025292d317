namespace DmarcSecurity.Web.Api;

public sealed record TokenResponse(string AccessToken, DateTimeOffset AccessTokenExpiresAt, string RefreshToken, DateTimeOffset RefreshTokenExpiresAt);

public sealed record MeResponse(long Id, string Email, string DisplayName, string Role, bool MustChangePassword);
