using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DmarcSecurity.Data.Tests;

public abstract class IngestionTests(DataFixture fixture)
{
    [Fact]
    public async Task Stored_report_reads_back_every_field()
    {
        var domain = ReportBuilder.UniqueDomain();
        var extracted = ReportBuilder.For(domain)
            .By("Mail.Example Org")
            .WithId("<17636$weird id>")
            .Covering(new DateTimeOffset(2025, 11, 20, 0, 0, 0, TimeSpan.Zero), TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1))
            .Record("2001:db8::25", 3, "quarantine", "fail", "pass", r => r with
            {
                Reasons = [new PolicyOverrideReason("forwarded", "list at lists.example.net"), new PolicyOverrideReason("local_policy", null)],
                EnvelopeFrom = null,
                EnvelopeTo = "inbox.example.net",
                Dkim = [new DkimAuthResult(domain, "s1", "fail", "body hash mismatch"), new DkimAuthResult("esp.example.net", null, "pass", null)],
                Spf = [new SpfAuthResult("bounce." + domain, null, "pass"), new SpfAuthResult(domain, "helo", "softfail")],
                HasNonStandardValues = true,
            })
            .With(r => r with
            {
                Format = ReportFormat.Rfc9990,
                Version = "2.0",
                ExtraContactInfo = "https://support.example/dmarc",
                Generator = "Example Reporter 4.2",
                Errors = ["record 7: unparseable count"],
                Warnings = ["non-standard result 'hardfail' kept"],
                SkippedRecords = 1,
                Extensions = ["<ext:foo xmlns:ext=\"urn:example\">1</ext:foo>"],
                Policy = new PolicyPublished
                {
                    Domain = domain, Adkim = "s", Aspf = "r", P = "reject", Sp = "quarantine", Np = "reject", Pct = null, Fo = "1",
                    Testing = "n", DiscoveryMethod = "treewalk",
                },
            })
            .Extract();
        var file = ReportBuilder.FileOf(extracted) with { Source = "imap:dmarc@example.org", FileName = "google.com!x!1.xml.gz", Size = 1234 };

        var result = await fixture.Ingestor.StoreAsync(file, [extracted], CancellationToken.None);

        Assert.Equal(FileOutcome.Stored, result.Outcome);
        Assert.Equal(1, result.RecordCount);
        Assert.Empty(result.DuplicateOfReportIds);
        var id = Assert.Single(result.StoredReportIds);
        var report = await fixture.Reports.GetReportAsync(id, CancellationToken.None);
        Assert.NotNull(report);
        var expected = extracted.Report;
        Assert.Equal(new ReportSummaryDto(id, "Rfc9990", "Mail.Example Org", "noreply-dmarc-support@Mail.Example Org", "<17636$weird id>",
            expected.Begin, expected.End, domain, "reject", 1, 3, result.FileId!.Value, file.ReceivedAt), report.Summary);
        Assert.Equal("2.0", report.Version);
        Assert.Equal("https://support.example/dmarc", report.ExtraContactInfo);
        Assert.Equal("Example Reporter 4.2", report.Generator);
        Assert.Equal(expected.Errors, report.Errors);
        Assert.Equal(expected.Warnings, report.Warnings);
        Assert.Equal(1, report.SkippedRecords);
        Assert.Equal(new PolicyPublishedDto(domain, "s", "r", "reject", "quarantine", "reject", null, "1", "n", "treewalk"), report.Policy);
        Assert.True(report.RawXmlStored);

        var record = Assert.Single(report.Records);
        Assert.Equal(id, record.ReportId);
        Assert.Equal("2001:db8::25", record.SourceIp);
        Assert.Equal(3, record.Count);
        Assert.Equal("quarantine", record.Disposition);
        Assert.Equal("fail", record.DkimPolicyResult);
        Assert.Equal("pass", record.SpfPolicyResult);
        Assert.Equal([new OverrideReasonDto("forwarded", "list at lists.example.net"), new OverrideReasonDto("local_policy", null)], record.Reasons);
        Assert.Equal(domain, record.HeaderFrom);
        Assert.Null(record.EnvelopeFrom);
        Assert.Equal("inbox.example.net", record.EnvelopeTo);
        Assert.Equal([new DkimResultDto(domain, "s1", "fail", "body hash mismatch"), new DkimResultDto("esp.example.net", null, "pass", null)], record.Dkim);
        Assert.Equal([new SpfResultDto("bounce." + domain, null, "pass"), new SpfResultDto(domain, "helo", "softfail")], record.Spf);
        Assert.True(record.HasNonStandardValues);

        Assert.Equal(extracted.Xml.ToArray(), await fixture.Reports.GetRawXmlAsync(id, CancellationToken.None));

        await using var context = fixture.CreateContext();
        var stored = await context.Reports.SingleAsync(r => r.Id == id);
        Assert.Equal(expected.Extensions, stored.Extensions);
        Assert.Equal(extracted.Origin, stored.Origin);
        Assert.Equal(extracted.Xml.Length, stored.RawXmlSize);
        var storedFile = await context.IngestedFiles.SingleAsync(f => f.Id == result.FileId);
        Assert.Equal((file.Sha256, "imap:dmarc@example.org", "google.com!x!1.xml.gz", 1234L, file.ReceivedAt, FileOutcome.Stored),
            (storedFile.Sha256, storedFile.Source, storedFile.FileName, storedFile.Size, storedFile.ReceivedAt, storedFile.Outcome));
    }

    [Fact]
    public async Task Same_bytes_twice_is_a_duplicate_of_the_earlier_files_reports()
    {
        var domain = ReportBuilder.UniqueDomain();
        var reports = new[] { ReportBuilder.For(domain).Record("192.0.2.1", 5).Extract(), ReportBuilder.For(domain).Record("192.0.2.2", 7).Extract() };
        var file = ReportBuilder.FileOf(reports);
        var first = await fixture.Ingestor.StoreAsync(file, reports, CancellationToken.None);

        var found = await fixture.Ingestor.FindDuplicateFileAsync(file.Sha256.ToUpperInvariant(), CancellationToken.None);
        var second = await fixture.Ingestor.StoreAsync(file with { ReceivedAt = file.ReceivedAt.AddHours(1) }, reports, CancellationToken.None);

        Assert.Equal(FileOutcome.Stored, first.Outcome);
        Assert.Equal(2, first.StoredReportIds.Count);
        Assert.NotNull(found);
        Assert.Equal(new FileIngestResult(FileOutcome.Duplicate, first.FileId, [], first.StoredReportIds, 0).ToString(), found.ToString());
        Assert.Equal(FileOutcome.Duplicate, second.Outcome);
        Assert.Equal(first.FileId, second.FileId);
        Assert.Empty(second.StoredReportIds);
        Assert.Equal(first.StoredReportIds.Order(), second.DuplicateOfReportIds);
        Assert.Equal(0, second.RecordCount);
        Assert.Equal(2, await CountReportsAsync(domain));
    }

    [Fact]
    public async Task Same_report_in_a_different_file_is_answered_as_duplicate_of_the_stored_report()
    {
        var domain = ReportBuilder.UniqueDomain();
        var builder = ReportBuilder.For(domain).WithId("report-1").Record("192.0.2.1", 5);
        var original = builder.Extract();
        var stored = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(original), [original], CancellationToken.None);
        // Same identity, different bytes (e.g. re-sent zipped instead of gzipped, or with other whitespace).
        var resent = original with { Xml = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(original.Xml.Span) + "\n") };
        var resentFile = ReportBuilder.FileOf(resent);

        var duplicate = await fixture.Ingestor.StoreAsync(resentFile, [resent], CancellationToken.None);
        var sameBytesAgain = await fixture.Ingestor.StoreAsync(resentFile, [resent], CancellationToken.None);

        Assert.Equal(FileOutcome.Duplicate, duplicate.Outcome);
        Assert.NotEqual(stored.FileId, duplicate.FileId);
        Assert.Empty(duplicate.StoredReportIds);
        Assert.Equal(stored.StoredReportIds, duplicate.DuplicateOfReportIds);
        Assert.Equal(FileOutcome.Duplicate, sameBytesAgain.Outcome);
        Assert.Equal(duplicate.FileId, sameBytesAgain.FileId);
        Assert.Equal(stored.StoredReportIds, sameBytesAgain.DuplicateOfReportIds);
        Assert.Equal(1, await CountReportsAsync(domain));
    }

    [Fact]
    public async Task File_with_one_new_and_one_known_report_stores_only_the_new_one()
    {
        var domain = ReportBuilder.UniqueDomain();
        var known = ReportBuilder.For(domain).WithId("known").Record("192.0.2.1", 5).Extract();
        var earlier = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(known), [known], CancellationToken.None);
        var fresh = ReportBuilder.For(domain).WithId("fresh").Record("192.0.2.9", 4).Record("192.0.2.10", 6).Extract();

        var result = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(known, fresh), [known, fresh], CancellationToken.None);

        Assert.Equal(FileOutcome.Stored, result.Outcome);
        Assert.Equal(earlier.StoredReportIds, result.DuplicateOfReportIds);
        var freshId = Assert.Single(result.StoredReportIds);
        Assert.Equal(2, result.RecordCount);
        Assert.Equal(2, await CountReportsAsync(domain));
        var stored = await fixture.Reports.GetReportAsync(freshId, CancellationToken.None);
        Assert.Equal(["192.0.2.10", "192.0.2.9"], stored!.Records.Select(r => r.SourceIp).Order());
    }

    [Fact]
    public async Task Report_repeated_inside_one_file_is_stored_once()
    {
        var domain = ReportBuilder.UniqueDomain();
        var report = ReportBuilder.For(domain).Record("192.0.2.1", 5).Extract();

        var result = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(report, report), [report, report], CancellationToken.None);

        var id = Assert.Single(result.StoredReportIds);
        Assert.Equal([id], result.DuplicateOfReportIds);
        Assert.Equal(1, result.RecordCount);
        Assert.Equal(1, await CountReportsAsync(domain));
    }

    [Fact]
    public async Task Same_report_with_different_records_is_kept_as_a_conflicting_copy_and_not_counted()
    {
        var domain = ReportBuilder.UniqueDomain();
        var original = ReportBuilder.For(domain).WithId("report-c").Record("192.0.2.1", 5).Record("192.0.2.2", 3, "quarantine", "fail", "fail").Extract();
        var stored = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(original), [original], CancellationToken.None);
        var storedId = Assert.Single(stored.StoredReportIds);
        // The same identity; one record's count differs and a record the original lacks.
        var differing = ReportBuilder.For(domain).WithId("report-c").Record("192.0.2.1", 9).Record("192.0.2.2", 3, "quarantine", "fail", "fail")
            .Record("198.51.100.7", 2, "reject", "fail", "fail").Extract();

        var conflict = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(differing), [differing], CancellationToken.None);

        Assert.Equal(FileOutcome.Duplicate, conflict.Outcome);
        Assert.Empty(conflict.StoredReportIds);
        Assert.Equal([storedId], conflict.DuplicateOfReportIds);
        Assert.Equal(0, conflict.RecordCount);
        var copyId = Assert.Single(conflict.ConflictIds);
        Assert.Equal(1, await CountReportsAsync(domain));
        Assert.Equal(2, await CountRecordsAsync(domain));
        await using (var context = fixture.CreateContext())
        {
            var copy = await context.ReportConflicts.SingleAsync(c => c.Id == copyId);
            Assert.Equal(storedId, copy.ReportId);
            Assert.Equal(conflict.FileId, copy.FileId);
            Assert.Equal((3, 14L, 9L, 9L), (copy.RecordCount, copy.MessageCount, copy.DkimPassCount, copy.SpfPassCount));
            Assert.Equal(
                ["192.0.2.1 9 none pass pass", "192.0.2.2 3 quarantine fail fail", "198.51.100.7 2 reject fail fail"],
                ReportContent.Decompress(copy.RecordsGzip).Select(r => $"{r.SourceIp} {r.Count} {r.Disposition} {r.DkimPolicyResult} {r.SpfPolicyResult}").Order());
            Assert.Equal(ReportContent.Fingerprint(differing.Report), copy.ContentSha256);
            Assert.Equal(ReportContent.Fingerprint(original.Report), await context.Reports.Where(r => r.Id == storedId).Select(r => r.ContentSha256).SingleAsync());
        }

        // The same conflicting content in other bytes repeats the copy; the original's records in another order repeat the report.
        var differingAgain = differing with { Xml = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(differing.Xml.Span) + "\n") };
        var again = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(differingAgain), [differingAgain], CancellationToken.None);
        var reordered = ReportBuilder.For(domain).WithId("report-c").Record("192.0.2.2", 3, "quarantine", "fail", "fail").Record("192.0.2.1", 5).Extract();
        var same = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(reordered), [reordered], CancellationToken.None);

        Assert.Equal(FileOutcome.Duplicate, again.Outcome);
        Assert.Equal([storedId], again.DuplicateOfReportIds);
        Assert.Empty(again.ConflictIds);
        Assert.Equal(FileOutcome.Duplicate, same.Outcome);
        Assert.Equal([storedId], same.DuplicateOfReportIds);
        Assert.Empty(same.ConflictIds);
        await using var check = fixture.CreateContext();
        Assert.Equal(1, await check.ReportConflicts.CountAsync(c => c.ReportId == storedId));
        Assert.Equal([copyId], (await fixture.Reports.GetReportAsync(storedId, CancellationToken.None))!.ConflictIds);
    }

    [Fact]
    public async Task A_changed_published_policy_alone_is_a_conflict_and_a_file_with_news_stays_stored()
    {
        var domain = ReportBuilder.UniqueDomain();
        var original = ReportBuilder.For(domain).WithId("policy").Record("192.0.2.1", 5).Extract();
        var stored = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(original), [original], CancellationToken.None);
        var stricter = ReportBuilder.For(domain).WithId("policy").Record("192.0.2.1", 5)
            .With(r => r with { Policy = r.Policy with { P = "reject" } }).Extract();
        var fresh = ReportBuilder.For(domain).WithId("fresh").Record("192.0.2.9", 1).Extract();

        var result = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(stricter, fresh), [stricter, fresh], CancellationToken.None);

        Assert.Equal(FileOutcome.Stored, result.Outcome);
        Assert.Single(result.StoredReportIds);
        Assert.Equal(stored.StoredReportIds, result.DuplicateOfReportIds);
        var copyId = Assert.Single(result.ConflictIds);
        await using var context = fixture.CreateContext();
        var policies = await context.ReportConflicts.Where(c => c.Id == copyId).Select(c => new { Copy = c.PolicyP, Stored = c.Report!.PolicyP }).SingleAsync();
        Assert.Equal(("reject", "none"), (policies.Copy, policies.Stored));
    }

    [Fact]
    public async Task Two_copies_of_one_report_in_one_file_store_the_first_and_keep_the_other_as_its_conflict()
    {
        var domain = ReportBuilder.UniqueDomain();
        var first = ReportBuilder.For(domain).WithId("twice").Record("192.0.2.1", 5).Extract();
        var second = ReportBuilder.For(domain).WithId("twice").Record("192.0.2.1", 6).Extract();

        var result = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(first, second), [first, second], CancellationToken.None);

        var storedId = Assert.Single(result.StoredReportIds);
        var copyId = Assert.Single(result.ConflictIds);
        Assert.Equal(FileOutcome.Stored, result.Outcome);
        Assert.Equal(1, result.RecordCount);
        await using var context = fixture.CreateContext();
        var copy = await context.ReportConflicts.SingleAsync(c => c.Id == copyId);
        Assert.Equal((storedId, 6L), (copy.ReportId, copy.MessageCount));
    }

    [Fact]
    public async Task A_report_stored_before_fingerprints_were_kept_is_fingerprinted_from_its_records()
    {
        var domain = ReportBuilder.UniqueDomain();
        var original = ReportBuilder.For(domain).WithId("legacy").Record("192.0.2.1", 5).Record("2001:db8::5", 2, "reject", "fail", "fail").Extract();
        var stored = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(original), [original], CancellationToken.None);
        var storedId = Assert.Single(stored.StoredReportIds);
        await using (var context = fixture.CreateContext())
        {
            Assert.Equal(1, await context.Reports.Where(r => r.Id == storedId).ExecuteUpdateAsync(u => u.SetProperty(r => r.ContentSha256, (string?)null)));
        }

        var resent = original with { Xml = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(original.Xml.Span) + " ") };
        var duplicate = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(resent), [resent], CancellationToken.None);
        var changed = ReportBuilder.For(domain).WithId("legacy").Record("192.0.2.1", 5).Extract();
        var conflict = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(changed), [changed], CancellationToken.None);

        Assert.Equal(FileOutcome.Duplicate, duplicate.Outcome);
        Assert.Empty(duplicate.ConflictIds);
        Assert.Equal(FileOutcome.Duplicate, conflict.Outcome);
        await using var check = fixture.CreateContext();
        Assert.Equal(ReportContent.Fingerprint(original.Report), await check.Reports.Where(r => r.Id == storedId).Select(r => r.ContentSha256).SingleAsync());
    }

    [Fact]
    public async Task Concurrent_identical_uploads_store_one_copy_and_answer_the_rest_as_duplicates()
    {
        var domain = ReportBuilder.UniqueDomain();
        var reports = new[] { ReportBuilder.For(domain).Records(200).Extract(), ReportBuilder.For(domain).Records(50).Extract() };
        var file = ReportBuilder.FileOf(reports);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var uploads = Enumerable.Range(0, 6).Select(async _ =>
        {
            await start.Task;
            return await fixture.Ingestor.StoreAsync(file, reports, CancellationToken.None);
        }).ToList();

        start.SetResult();
        var results = await Task.WhenAll(uploads);

        var stored = Assert.Single(results, r => r.Outcome == FileOutcome.Stored);
        Assert.All(results.Where(r => r != stored), r =>
        {
            Assert.Equal(FileOutcome.Duplicate, r.Outcome);
            Assert.Equal(stored.FileId, r.FileId);
            Assert.Equal(stored.StoredReportIds.Order(), r.DuplicateOfReportIds);
        });
        Assert.Equal(2, await CountReportsAsync(domain));
        Assert.Equal(250, await CountRecordsAsync(domain));
    }

    [Fact]
    public async Task Concurrent_different_files_with_the_same_report_store_it_once()
    {
        var domain = ReportBuilder.UniqueDomain();
        var report = ReportBuilder.For(domain).Records(100).Extract();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var uploads = Enumerable.Range(0, 4).Select(async i =>
        {
            // Different bytes each time (as if re-compressed), same report identity.
            var copy = report with { Xml = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(report.Xml.Span) + new string(' ', i)) };
            await start.Task;
            return await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(copy), [copy], CancellationToken.None);
        }).ToList();

        start.SetResult();
        var results = await Task.WhenAll(uploads);

        var stored = Assert.Single(results, r => r.Outcome == FileOutcome.Stored);
        Assert.All(results.Where(r => r != stored), r => Assert.Equal(stored.StoredReportIds, r.DuplicateOfReportIds));
        Assert.Equal(4, results.Select(r => r.FileId).Distinct().Count());
        Assert.Equal(1, await CountReportsAsync(domain));
        Assert.Equal(100, await CountRecordsAsync(domain));
    }

    [Fact]
    public async Task Failed_record_insert_rolls_back_the_whole_file()
    {
        var domain = ReportBuilder.UniqueDomain();
        var good = ReportBuilder.For(domain).Records(20).Extract();
        // A negative count passes the parser's types but not the schema's check: the insert fails halfway through the file.
        var bad = ReportBuilder.For(domain).Record("192.0.2.1", 1).Record("192.0.2.2", -1).Extract();
        var file = ReportBuilder.FileOf(good, bad);

        await Assert.ThrowsAnyAsync<Exception>(() => fixture.Ingestor.StoreAsync(file, [good, bad], CancellationToken.None));

        Assert.Null(await fixture.Ingestor.FindDuplicateFileAsync(file.Sha256, CancellationToken.None));
        Assert.Equal(0, await CountReportsAsync(domain));
        Assert.Equal(0, await CountRecordsAsync(domain));
        await using var context = fixture.CreateContext();
        Assert.False(await context.IngestedFiles.AnyAsync(f => f.Sha256 == file.Sha256));

        var retry = await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(good), [good], CancellationToken.None);
        Assert.Equal(FileOutcome.Stored, retry.Outcome);
        Assert.Equal(20, await CountRecordsAsync(domain));
    }

    [Fact]
    public async Task Rejection_is_recorded_and_the_same_bytes_are_not_treated_as_stored()
    {
        var file = new IncomingFile(new string('a', 64), "upload", "junk.bin", 17, DateTimeOffset.UtcNow);
        var longError = "Not a DMARC report: " + new string('x', 10_000);

        var rejected = await fixture.Ingestor.RecordRejectionAsync(file, RejectionReason.NotAReport, longError, CancellationToken.None);
        var again = await fixture.Ingestor.RecordRejectionAsync(file, RejectionReason.NotAReport, "again", CancellationToken.None);

        Assert.Equal(FileOutcome.Rejected, rejected.Outcome);
        Assert.Equal(RejectionReason.NotAReport, rejected.Reason);
        Assert.NotNull(rejected.FileId);
        Assert.NotEqual(rejected.FileId, again.FileId);
        Assert.Null(await fixture.Ingestor.FindDuplicateFileAsync(file.Sha256, CancellationToken.None));
        await using var context = fixture.CreateContext();
        var row = await context.IngestedFiles.SingleAsync(f => f.Id == rejected.FileId);
        Assert.Equal((FileOutcome.Rejected, RejectionReason.NotAReport, "junk.bin"), (row.Outcome, row.RejectionReason, row.FileName));
        Assert.StartsWith("Not a DMARC report: xxx", row.Error);
        Assert.Equal(4000, row.Error!.Length);
    }

    [Fact]
    public async Task Xml_over_the_archive_cap_is_not_kept_and_the_report_is_flagged()
    {
        await using var services = DataFixture.BuildServices(fixture.ConnectionString,
            new Dictionary<string, string?> { ["Storage:MaxRawXmlBytes"] = "2000" });
        var ingestor = services.GetRequiredService<IReportIngestor>();
        var domain = ReportBuilder.UniqueDomain();
        var small = ReportBuilder.For(domain).Record("192.0.2.1", 1).Extract();
        var large = ReportBuilder.For(domain).Records(30).Extract();
        Assert.True(small.Xml.Length <= 2000 && large.Xml.Length > 2000);

        var result = await ingestor.StoreAsync(ReportBuilder.FileOf(small, large), [small, large], CancellationToken.None);

        var smallReport = await fixture.Reports.GetReportAsync(result.StoredReportIds[0], CancellationToken.None);
        var largeReport = await fixture.Reports.GetReportAsync(result.StoredReportIds[1], CancellationToken.None);
        Assert.True(smallReport!.RawXmlStored);
        Assert.False(largeReport!.RawXmlStored);
        Assert.Equal(30, largeReport.Records.Count);
        Assert.Equal(small.Xml.ToArray(), await fixture.Reports.GetRawXmlAsync(smallReport.Summary.Id, CancellationToken.None));
        Assert.Null(await fixture.Reports.GetRawXmlAsync(largeReport.Summary.Id, CancellationToken.None));
    }

    [Fact]
    public async Task File_without_reports_is_refused()
    {
        var file = new IncomingFile(new string('b', 64), "upload", null, 0, DateTimeOffset.UtcNow);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Ingestor.StoreAsync(file, [], CancellationToken.None));

        Assert.Contains("RecordRejectionAsync", error.Message);
    }

    private async Task<int> CountReportsAsync(string domain)
    {
        await using var context = fixture.CreateContext();
        return await context.Reports.CountAsync(r => r.PolicyDomain == domain);
    }

    private async Task<int> CountRecordsAsync(string domain)
    {
        await using var context = fixture.CreateContext();
        return await context.Records.CountAsync(r => r.Report!.PolicyDomain == domain);
    }
}

public sealed class IngestionTestsOnPostgreSql(PostgreSqlFixture fixture) : IngestionTests(fixture), IClassFixture<PostgreSqlFixture>;

public sealed class IngestionTestsOnSqlite(SqliteFixture fixture) : IngestionTests(fixture), IClassFixture<SqliteFixture>;
