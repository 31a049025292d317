using DmarcSecurity.Api.Auth;
using DmarcSecurity.Data.Database;
using DmarcSecurity.Data.Identity;
using DmarcSecurity.Data.Schema;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace DmarcSecurity.Api.Users;

/// <summary>
/// When no user exists and <c>Auth:BootstrapAdminEmail</c> is set, creates that Admin with a generated one-time
/// password and writes the password once to the console (standard output, never the logs). The Admin must change it
/// at first sign-in. Runs after the schema migration (hosted services start in registration order).
/// </summary>
internal sealed partial class BootstrapAdminService(
    IDbContextFactory<DmarcDbContext> contexts,
    UserService users,
    IOptions<AuthOptions> options,
    ILogger<BootstrapAdminService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.BootstrapAdminEmail is not { Length: > 0 } email)
        {
            return;
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            if (await db.Users.AnyAsync(cancellationToken))
            {
                return;
            }
        }

        var created = await users.CreateAsync(email, "Administrator", UserRole.Admin, password: null, cancellationToken);
        if (created.Value is not { } admin)
        {
            // Another instance created the first user at the same moment, or the e-mail is invalid.
            LogNotCreated(logger, created.Message ?? "unknown");
            return;
        }

        LogCreated(logger, admin.User.Email);
        Console.WriteLine();
        Console.WriteLine($"First Admin created: {admin.User.Email}");
        Console.WriteLine($"One-time password:   {admin.OneTimePassword}");
        Console.WriteLine("Sign in with it and choose a new password; it will not be shown again.");
        Console.WriteLine();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Created the first Admin {Email}; its one-time password was written to the console")]
    private static partial void LogCreated(ILogger logger, string email);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "The first Admin was not created: {Reason}")]
    private static partial void LogNotCreated(ILogger logger, string reason);
}

/// <summary><c>create-admin --email a@b.example [--name "Display Name"]</c>: creates an Admin with a password read from
/// standard input, then exits. For the first Admin of a fresh installation, or to recover access.</summary>
internal static class CreateAdminCommand
{
    public const string Name = "create-admin";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        var email = Argument(args, "--email");
        if (email is null)
        {
            await Console.Error.WriteLineAsync("Usage: create-admin --email <address> [--name <display name>]  (the password is read from standard input)");
            return 2;
        }

        Console.Error.Write($"Password for {email}: ");
        var password = ReadPassword();
        Console.Error.WriteLine();
        await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        var created = await app.Services.GetRequiredService<UserService>()
            .CreateAsync(email, Argument(args, "--name"), UserRole.Admin, password, CancellationToken.None);
        if (created.Value is null)
        {
            await Console.Error.WriteLineAsync($"Not created: {created.Message}");
            return 1;
        }

        Console.WriteLine($"Admin {created.Value.User.Email} created (id {created.Value.User.Id}).");
        return 0;
    }

    private static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>Reads a line without echoing it when standard input is a terminal.</summary>
    private static string ReadPassword()
    {
        if (Console.IsInputRedirected)
        {
            return Console.ReadLine() ?? "";
        }

        var password = new System.Text.StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        return password.ToString();
    }
}
