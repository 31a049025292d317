using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Mailboxes;

namespace DmarcSecurity.Api.Tests.Mailboxes;

public sealed class MailboxOptionsTests
{
    private static IngestionOptions With(MailboxOptions mailbox) => new() { Mailboxes = { ["rua"] = mailbox } };

    private static MailboxOptions Valid() => new() { Host = "imap.example.com", UserName = "dmarc", Password = "secret-password" };

    [Fact]
    public void Complete_mailbox_settings_are_accepted()
    {
        Assert.True(new MailboxOptionsValidator().Validate(null, With(Valid())).Succeeded);
    }

    [Fact]
    public void Missing_settings_are_refused_with_the_setting_named()
    {
        var mailbox = Valid();
        mailbox.Host = "";
        mailbox.Password = "";
        mailbox.ArchiveFolder = "INBOX";
        mailbox.PollInterval = TimeSpan.Zero;

        var result = new MailboxOptionsValidator().Validate(null, With(mailbox));

        Assert.True(result.Failed);
        Assert.Contains("Ingestion:Mailboxes:rua:Host is required.", result.Failures);
        Assert.Contains("Ingestion:Mailboxes:rua:Password is required.", result.Failures);
        Assert.Contains(result.Failures, f => f.StartsWith("Ingestion:Mailboxes:rua:ArchiveFolder and", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.StartsWith("Ingestion:Mailboxes:rua:PollInterval must be", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(MailboxSecurity.SslOnConnect, 993)]
    [InlineData(MailboxSecurity.StartTls, 143)]
    [InlineData(MailboxSecurity.None, 143)]
    public void Default_port_follows_the_security(MailboxSecurity security, int port)
    {
        var mailbox = Valid();
        mailbox.Security = security;

        Assert.Equal(port, mailbox.EffectivePort);
    }

    [Fact]
    public void Settings_written_out_never_hold_the_password()
    {
        Assert.DoesNotContain("secret-password", Valid().ToString(), StringComparison.Ordinal);
    }
}
