using DmarcSecurity.Api.Ingestion;
using DmarcSecurity.Api.Mailboxes;

namespace DmarcSecurity.Api.Tests.Mailboxes;

public sealed class GraphMailboxOptionsTests
{
    private static IngestionOptions With(GraphMailboxOptions mailbox) => new() { GraphMailboxes = { ["m365"] = mailbox } };

    private static GraphMailboxOptions Valid() => new()
    {
        TenantId = "contoso.onmicrosoft.com",
        ClientId = "0f6b3c41-7d2e-4e59-a8c3-94b1d2e6f705",
        ClientSecret = "graph-client-secret-value",
        UserId = "dmarc@contoso.com",
    };

    private static IReadOnlyList<string> Failures(IngestionOptions options) =>
        new GraphMailboxOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Complete_settings_with_a_secret_are_accepted_with_the_public_cloud_by_default()
    {
        var mailbox = Valid();

        Assert.Empty(Failures(With(mailbox)));
        Assert.Equal(("Inbox", "Archive", "Invalid", TimeSpan.FromMinutes(5)), (mailbox.Folder, mailbox.ArchiveFolder, mailbox.InvalidFolder, mailbox.PollInterval));
        Assert.Equal(("https://graph.microsoft.com", "https://login.microsoftonline.com"), (mailbox.GraphEndpoint, mailbox.AuthorityHost));
    }

    [Fact]
    public void Missing_and_wrong_settings_are_refused_with_the_setting_named()
    {
        var mailbox = Valid();
        mailbox.TenantId = "";
        mailbox.ClientId = "my-app";
        mailbox.UserId = "dmarc@contoso.com/../other";
        mailbox.InvalidFolder = "inbox";
        mailbox.PollInterval = TimeSpan.Zero;
        mailbox.GraphEndpoint = "http://graph.microsoft.com";
        mailbox.AuthorityHost = "https://login.microsoftonline.com/tenant";

        var failures = Failures(With(mailbox));

        Assert.Contains("Ingestion:GraphMailboxes:m365:TenantId is required (the directory's id, or one of its domains).", failures);
        Assert.Contains("Ingestion:GraphMailboxes:m365:ClientId must be the application's id, a GUID.", failures);
        Assert.Contains("Ingestion:GraphMailboxes:m365:UserId must be a user principal name (dmarc@contoso.com) or an object id.", failures);
        Assert.Contains(failures, f => f.StartsWith("Ingestion:GraphMailboxes:m365:ArchiveFolder and", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Ingestion:GraphMailboxes:m365:PollInterval must be", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Ingestion:GraphMailboxes:m365:GraphEndpoint must be an https:// address", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Ingestion:GraphMailboxes:m365:AuthorityHost must be an https:// address", StringComparison.Ordinal));
    }

    [Fact]
    public void Exactly_one_of_secret_and_certificate_is_required()
    {
        var neither = Valid();
        neither.ClientSecret = null;
        var both = Valid();
        both.CertificatePath = "/etc/dmarc/app.pfx";

        Assert.Contains(Failures(With(neither)), f => f.EndsWith("not neither.", StringComparison.Ordinal) && f.Contains(":ClientSecret or ", StringComparison.Ordinal));
        Assert.Contains(Failures(With(both)), f => f.EndsWith("not both.", StringComparison.Ordinal));
    }

    [Fact]
    public void Certificate_that_is_missing_or_unreadable_is_refused_at_start()
    {
        var folder = Directory.CreateTempSubdirectory("graph-options-");
        try
        {
            var missing = Valid();
            missing.ClientSecret = null;
            missing.CertificatePath = Path.Combine(folder.FullName, "none.pfx");
            var garbage = Valid();
            garbage.ClientSecret = null;
            garbage.CertificatePath = Path.Combine(folder.FullName, "garbage.pfx");
            File.WriteAllText(garbage.CertificatePath, "not a certificate");
            var wrongPassword = Valid();
            wrongPassword.ClientSecret = null;
            wrongPassword.CertificatePath = Path.Combine(folder.FullName, "app.pfx");
            wrongPassword.CertificatePassword = "wrong-password";
            GraphServer.WriteClientCertificate(wrongPassword.CertificatePath, "right-password");
            var right = Valid();
            right.ClientSecret = null;
            right.CertificatePath = wrongPassword.CertificatePath;
            right.CertificatePassword = "right-password";

            Assert.Contains($"Ingestion:GraphMailboxes:m365:CertificatePath: no file {missing.CertificatePath}.", Failures(With(missing)));
            Assert.Contains(Failures(With(garbage)), f => f.StartsWith($"Ingestion:GraphMailboxes:m365:CertificatePath: {garbage.CertificatePath} could not be read", StringComparison.Ordinal));
            var refused = Assert.Single(Failures(With(wrongPassword)));
            Assert.DoesNotContain("wrong-password", refused, StringComparison.Ordinal);
            Assert.Empty(Failures(With(right)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Name_used_by_an_imap_mailbox_too_is_refused()
    {
        var options = With(Valid());
        options.Mailboxes["M365"] = new MailboxOptions { Host = "imap.example.com", UserName = "u", Password = "p" };

        Assert.Contains(Failures(options), f => f.StartsWith("Ingestion:GraphMailboxes:m365: the name \"m365\" is also an IMAP mailbox's", StringComparison.Ordinal));
    }

    [Fact]
    public void Settings_written_out_never_hold_the_secret_or_the_certificate_password()
    {
        var mailbox = Valid();
        var withCertificate = Valid();
        withCertificate.ClientSecret = null;
        withCertificate.CertificatePath = "/etc/dmarc/app.pfx";
        withCertificate.CertificatePassword = "pfx-password-value";

        Assert.DoesNotContain("graph-client-secret-value", mailbox.ToString(), StringComparison.Ordinal);
        Assert.Contains("dmarc@contoso.com", mailbox.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pfx-password-value", withCertificate.ToString(), StringComparison.Ordinal);
        Assert.Contains("certificate app.pfx", withCertificate.ToString(), StringComparison.Ordinal);
    }
}
