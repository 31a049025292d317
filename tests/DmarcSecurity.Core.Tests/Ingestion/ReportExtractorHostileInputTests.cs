using DmarcSecurity.Core.Ingestion;
using DmarcSecurity.Core.Tests.Support;

namespace DmarcSecurity.Core.Tests.Ingestion;

/// <summary>Inputs an attacker controls: each is refused with a reason and a message naming the part.</summary>
public sealed class ReportExtractorHostileInputTests
{
    private const string Google = "google.com!example.com!1700006400!1700092799.xml";

    private readonly ReportExtractor _extractor = new(ExtractionLimits.Default);

    private static ReportRejectedException Rejected(ReportExtractor extractor, byte[] input) =>
        Assert.Throws<ReportRejectedException>(() => extractor.Extract(new MemoryStream(input)));

    private ReportRejectedException Rejected(byte[] input) => Rejected(_extractor, input);

    [Fact]
    public void Gzip_bomb_is_rejected_before_inflating_past_the_cap()
    {
        // A ratio cap this loose leaves the size cap as the only defence.
        var extractor = new ReportExtractor(new ExtractionLimits { MaxDecompressedBytes = 8_000_000, MaxCompressionRatio = 1_000_000 });
        var bomb = Archives.GzipBomb(256L * 1024 * 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Rejected(extractor, bomb);

        Assert.Equal(RejectionReason.DecompressedSizeExceeded, error.Reason);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 40_000_000, "inflation went on past the cap");
    }

    [Fact]
    public void Gzip_bomb_is_rejected_on_its_ratio_once_past_the_floor()
    {
        var bomb = Archives.GzipBomb(64L * 1024 * 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Rejected(bomb);

        Assert.Equal(RejectionReason.CompressionRatioExceeded, error.Reason);
        Assert.StartsWith("input:", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16_000_000, "inflation went on past the ratio limit");
    }

    [Fact]
    public void Zip_bomb_is_rejected_before_inflating_past_the_cap()
    {
        var bomb = Archives.ZipBomb("report.xml", 64L * 1024 * 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Rejected(bomb);

        Assert.Equal(RejectionReason.CompressionRatioExceeded, error.Reason);
        Assert.StartsWith("input!/report.xml:", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16_000_000, "inflation went on past the ratio limit");
    }

    [Fact]
    public void Zip_declaring_more_than_the_size_cap_is_rejected_without_inflating()
    {
        var extractor = new ReportExtractor(new ExtractionLimits { MaxDecompressedBytes = 4_000_000 });
        var zip = Archives.ZipBomb("a.xml", 5_000_000);

        var error = Rejected(extractor, zip);

        Assert.Equal(RejectionReason.DecompressedSizeExceeded, error.Reason);
        Assert.Contains("declares 5,000,000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zip_with_more_entries_than_allowed_is_rejected()
    {
        var entries = Enumerable.Range(0, 51).Select(i => ($"r{i}.xml", Samples.Read(Google))).ToArray();

        var error = Rejected(Archives.Zip(entries));

        Assert.Equal(RejectionReason.TooManyArchiveEntries, error.Reason);
        Assert.Contains("51", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/cron.d/report.xml")]
    [InlineData("reports/../../../report.xml")]
    [InlineData("..\\..\\Windows\\report.xml")]
    [InlineData("/etc/passwd")]
    [InlineData("\\\\server\\share\\report.xml")]
    [InlineData("C:\\Windows\\Temp\\report.xml")]
    [InlineData("c:report.xml")]
    public void Zip_entry_name_that_escapes_the_archive_is_rejected(string entryName)
    {
        var zip = Archives.Zip(("good.xml", Samples.Read(Google)), (entryName, Samples.Read(Google)));

        var error = Rejected(zip);

        Assert.Equal(RejectionReason.UnsafeEntryName, error.Reason);
        Assert.Contains(entryName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Archives_nested_three_deep_are_rejected()
    {
        var zip = Archives.Zip(("inner.zip", Archives.Zip(("report.xml.gz", Archives.Gzip(Samples.Read(Google))))));

        var error = Rejected(zip);

        Assert.Equal(RejectionReason.NestingTooDeep, error.Reason);
        Assert.StartsWith("input!/inner.zip!/report.xml.gz:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gzip_cut_short_is_rejected_as_truncated()
    {
        var gzip = Archives.Gzip(Samples.Read("comcast.net!example.com!1700006400!1700092799.xml"));

        var error = Rejected(gzip[..(gzip.Length / 2)]);

        Assert.Equal(RejectionReason.Truncated, error.Reason);
        Assert.Contains("gzip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gzip_missing_only_its_trailer_is_rejected_as_truncated()
    {
        var gzip = Archives.Gzip(Samples.Read(Google));

        Assert.Equal(RejectionReason.Truncated, Rejected(gzip[..^6]).Reason);
    }

    [Fact]
    public void Zip_cut_short_is_rejected_as_truncated()
    {
        var zip = Archives.Zip(("a.xml", Samples.Read(Google)), ("b.xml", Samples.Read("rfc9990-example.xml")));

        var error = Rejected(zip[..(zip.Length * 2 / 3)]);

        Assert.Equal(RejectionReason.Truncated, error.Reason);
        Assert.Contains("zip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_report_inside_a_zip_rejects_the_whole_zip_and_names_the_entry()
    {
        var zip = Archives.Zip(("a.xml", Samples.Read(Google)), ("b.xml", Samples.Read("truncated.xml")));

        var error = Rejected(zip);

        Assert.Equal(RejectionReason.Truncated, error.Reason);
        Assert.StartsWith("input!/b.xml:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Xxe_inside_gzip_is_rejected_as_dtd_prohibited()
    {
        var error = Rejected(Archives.Gzip(Samples.Read("hostile-xxe.xml")));

        Assert.Equal(RejectionReason.DtdProhibited, error.Reason);
        Assert.StartsWith("input > gunzip:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_junk_is_rejected_as_unrecognised_content()
    {
        using var file = Samples.Open("binary-junk.bin");

        var error = Assert.Throws<ReportRejectedException>(() => _extractor.Extract(file));

        Assert.Equal(RejectionReason.UnrecognisedContent, error.Reason);
        Assert.StartsWith("binary-junk.bin:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_file_is_rejected_as_empty_input()
    {
        using var file = Samples.Open("empty.xml");

        Assert.Equal(RejectionReason.EmptyInput, Assert.Throws<ReportRejectedException>(() => _extractor.Extract(file)).Reason);
    }

    [Fact]
    public void Text_file_holding_unused_is_not_a_report()
    {
        using var file = Samples.Open("unused.txt");

        Assert.Equal(RejectionReason.NotAReport, Assert.Throws<ReportRejectedException>(() => _extractor.Extract(file)).Reason);
    }

    [Fact]
    public void Zip_without_any_report_is_rejected_as_no_report_found()
    {
        var zip = Archives.Zip(("notes.txt", "nothing here"u8.ToArray()), ("logo.png", Samples.Read("binary-junk.bin")));

        Assert.Equal(RejectionReason.NoReportFound, Rejected(zip).Reason);
    }

    [Fact]
    public void Input_over_the_size_cap_is_refused_without_being_read()
    {
        var extractor = new ReportExtractor(new ExtractionLimits { MaxInputBytes = 1_000 });
        using var stream = new MemoryStream(Samples.Read(Google));

        var error = Assert.Throws<ReportRejectedException>(() => extractor.Extract(stream));

        Assert.Equal(RejectionReason.InputTooLarge, error.Reason);
        Assert.Equal(0, stream.Position);
    }
}
