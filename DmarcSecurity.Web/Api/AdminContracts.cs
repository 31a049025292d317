namespace DmarcSecurity.Web.Api;

public sealed record UserDto(
    long Id, string Email, string DisplayName, string Role, bool Disabled, bool MustChangePassword,
    DateTimeOffset? LastSignInAt, DateTimeOffset CreatedAt, DateTimeOffset? LockedUntil);

/// <summary>A user and, when the Api generated it, the one-time password to hand over (returned only this once).</summary>
public sealed record UserWithPassword(UserDto User, string? OneTimePassword);

/// <summary>Without a password the Api generates a one-time one.</summary>
public sealed record CreateUserRequest(string Email, string? DisplayName, string Role, string? Password = null);

public sealed record ChangeRoleRequest(string Role);

public sealed record ResetPasswordRequest(string? Password = null);

public sealed record ApiKeyDto(
    long Id, long UserId, string Name, string Prefix, string Role, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>A new key: <see cref="Key"/> is returned only here.</summary>
public sealed record CreatedApiKey(ApiKeyDto ApiKey, string Key);

/// <summary><c>Role</c> lowers the key's role below its owner's; <c>UserId</c> (Admin only) creates a key for someone else.</summary>
public sealed record CreateApiKeyRequest(string Name, string? Role, DateTimeOffset? ExpiresAt, long? UserId = null);

public sealed record AuditEntryDto(
    long Id, DateTimeOffset At, long? UserId, string? UserEmail, long? ApiKeyId, string Action, string? Target,
    string? ClientAddress, string Outcome, int? StatusCode, string? Detail);
