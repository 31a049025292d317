using DmarcSecurity.Api.Posture;
using DmarcSecurity.Core.Posture;

namespace DmarcSecurity.Api.Tests.Posture;

public sealed class PostureChangesTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

    private static DmarcPostureDto Dmarc(string record, string p, int? pct = null, string? adkim = null) =>
        new("_dmarc.example.com", record, null, p, null, null, pct, adkim, null, ["mailto:d@example.com"], [], [], []);

    private static DkimPostureDto Key(string selector, string? record, int? bits, bool revoked = false, params PostureFindingDto[] findings) =>
        new(selector, "example.com", $"{selector}._domainkey.example.com", record, record is null ? null : "rsa", bits, revoked, findings);

    private static PostureCheck Check(DmarcPostureDto dmarc, string? spf = "v=spf1 -all", params DkimPostureDto[] dkim) =>
        new("example.com", At, ["127.0.0.1:53"], 5, false, dmarc, new SpfPostureDto(spf, 0, 0, null, []), dkim,
            new MtaStsPostureDto("_mta-sts.example.com", null, null, []), new TxtPostureDto("_smtp._tls.example.com", null, []));

    private static PostureCheck WithPolicy(string? text, string? mode = "enforce", long maxAge = 604_800)
    {
        var check = Check(Dmarc("v=DMARC1; p=reject", "reject"));
        var policy = new MtaStsPolicyDto("https://mta-sts.example.com/.well-known/mta-sts.txt", text, text is null ? null : mode,
            text is null ? [] : ["mail.example.com"], text is null ? null : maxAge, ["mail.example.com"], []);
        return check with { MtaSts = new MtaStsPostureDto("_mta-sts.example.com", "v=STSv1; id=1", policy, []) };
    }

    private static DnsPostureDto Stored(PostureCheck c) =>
        new(1, c.Domain, c.CheckedAt, "schedule", c.Worst, c.Resolvers, c.Lookups, c.Incomplete, c.Dmarc, c.Spf, c.Dkim, c.MtaSts, c.TlsRpt, []);

    [Fact]
    public void The_same_records_are_no_change()
    {
        var check = Check(Dmarc("v=DMARC1; p=reject", "reject"), dkim: Key("s1", "v=DKIM1; p=AAA", 2048));

        var (changes, weakened) = PostureChanges.Compare(Stored(check), check);

        Assert.Empty(changes);
        Assert.False(weakened);
        Assert.Equal(PostureChanges.Fingerprint(check), PostureChanges.Fingerprint(check with { CheckedAt = At.AddDays(1) }));
    }

    [Fact]
    public void A_lower_pct_and_relaxed_alignment_weaken_the_policy()
    {
        var before = Check(Dmarc("v=DMARC1; p=reject; adkim=s", "reject", adkim: "s"));
        var after = Check(Dmarc("v=DMARC1; p=reject; pct=20", "reject", pct: 20));

        var (changes, weakened) = PostureChanges.Compare(Stored(before), after);

        Assert.Equal(["DMARC pct: 100 -> 20", "DMARC alignment: adkim s, aspf r -> adkim r, aspf r"], changes);
        Assert.True(weakened);
    }

    [Fact]
    public void A_stricter_policy_is_a_change_that_does_not_weaken()
    {
        var (changes, weakened) = PostureChanges.Compare(Stored(Check(Dmarc("v=DMARC1; p=none", "none"))), Check(Dmarc("v=DMARC1; p=quarantine", "quarantine")));

        Assert.Equal(["DMARC p: none -> quarantine"], changes);
        Assert.False(weakened);
    }

    [Fact]
    public void A_DKIM_key_replaced_by_a_shorter_one_or_revoked_weakens_and_a_selector_no_longer_reported_is_not_a_change()
    {
        var before = Check(Dmarc("v=DMARC1; p=reject", "reject"), "v=spf1 -all", Key("s1", "v=DKIM1; p=AAA", 2048), Key("s2", "v=DKIM1; p=BBB", 2048),
            Key("old", "v=DKIM1; p=CCC", 2048));
        var after = Check(Dmarc("v=DMARC1; p=reject", "reject"), "v=spf1 -all", Key("s1", "v=DKIM1; p=DDD", 1024),
            Key("s2", "v=DKIM1; p=", null, revoked: true));

        var (changes, weakened) = PostureChanges.Compare(Stored(before), after);

        Assert.Equal(["the DKIM key s1._domainkey.example.com was replaced (rsa 2048 bits -> rsa 1024 bits)",
            "the DKIM key s2._domainkey.example.com was revoked (empty p=)"], changes);
        Assert.True(weakened);
    }

    [Fact]
    public void A_removed_SPF_record_and_a_new_error_weaken()
    {
        var before = Check(Dmarc("v=DMARC1; p=reject", "reject"));
        var error = new PostureFindingDto(FindingSeverity.Error, "spf.missing", "No SPF record (v=spf1) at example.com.");
        var after = Check(Dmarc("v=DMARC1; p=reject", "reject"), null) with { Spf = new SpfPostureDto(null, 0, 0, null, [error]) };

        var (changes, weakened) = PostureChanges.Compare(Stored(before), after);

        Assert.Equal(["the SPF record was removed", "new error: No SPF record (v=spf1) at example.com."], changes);
        Assert.True(weakened);
        Assert.NotEqual(PostureChanges.Fingerprint(before), PostureChanges.Fingerprint(after));
    }

    [Fact]
    public void A_policy_file_that_moves_from_enforce_to_testing_is_a_change_that_weakens_and_a_new_fingerprint()
    {
        var before = WithPolicy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n");
        var after = WithPolicy("version: STSv1\r\nmode: testing\r\nmx: mail.example.com\r\nmax_age: 86400\r\n", "testing", 86_400);

        var (changes, weakened) = PostureChanges.Compare(Stored(before), after);

        Assert.Equal(["MTA-STS mode: enforce -> testing", "MTA-STS max_age: 604800 -> 86400"], changes);
        Assert.True(weakened);
        Assert.NotEqual(PostureChanges.Fingerprint(before), PostureChanges.Fingerprint(after));
    }

    [Fact]
    public void A_policy_file_changed_only_in_its_text_is_a_change_quoting_it()
    {
        var before = WithPolicy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n");
        var after = WithPolicy("version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 604800\n");

        var (changes, weakened) = PostureChanges.Compare(Stored(before), after);

        Assert.Equal(["the MTA-STS policy file changed: 'version: STSv1; mode: enforce; mx: mail.example.com; max_age: 604800' -> "
            + "'version: STSv1; mode: enforce; mx: mail.example.com; max_age: 604800'"], changes);
        Assert.False(weakened);
    }

    [Fact]
    public void A_policy_file_that_can_no_longer_be_fetched_weakens_and_a_check_from_before_files_were_fetched_is_no_change()
    {
        var fetched = WithPolicy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n");
        var older = fetched with { MtaSts = fetched.MtaSts with { Policy = null } };

        var (gone, weakened) = PostureChanges.Compare(Stored(fetched), WithPolicy(null));
        var (upgraded, _) = PostureChanges.Compare(Stored(older), fetched);

        Assert.Equal(["the MTA-STS policy file https://mta-sts.example.com/.well-known/mta-sts.txt can no longer be fetched"], gone);
        Assert.True(weakened);
        Assert.Empty(upgraded);
    }
}
