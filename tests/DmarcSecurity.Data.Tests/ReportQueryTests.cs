namespace DmarcSecurity.Data.Tests;

public abstract class ReportQueryTests(DataFixture fixture)
{
    private static readonly DateTimeOffset Day = new(2025, 10, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("198.51.100.0/24", new[] { "198.51.100.7", "198.51.100.200" })]
    [InlineData("198.51.100.7/24", new[] { "198.51.100.7", "198.51.100.200" })]
    [InlineData("198.51.0.0/16", new[] { "198.51.100.7", "198.51.100.200", "198.51.101.1" })]
    [InlineData("198.51.100.7", new[] { "198.51.100.7" })]
    [InlineData("198.51.100.7/32", new[] { "198.51.100.7" })]
    [InlineData("203.0.113.0/24", new[] { "203.0.113.5", "203.0.113.5" })]
    [InlineData("0.0.0.0/0", new[] { "198.51.100.7", "198.51.100.200", "198.51.101.1", "203.0.113.5", "203.0.113.5" })]
    public async Task Records_filter_by_ipv4_address_or_block(string filter, string[] expected)
    {
        var domain = await StoreMixedAddressesAsync();

        var page = await fixture.Reports.ListRecordsAsync(new RecordFilter(Domain: domain, SourceIp: filter), new PageRequest(PageSize: 100), CancellationToken.None);

        Assert.Equal(expected.Order(), page.Items.Select(r => r.SourceIp).Order());
        Assert.Equal(expected.Length, page.TotalCount);
    }

    [Theory]
    [InlineData("2001:db8::/32", new[] { "2001:db8::1", "2001:db8:0:1::5", "2001:db8:ffff::1" })]
    [InlineData("2001:db8::/64", new[] { "2001:db8::1" })]
    [InlineData("2001:db8:0:1::/64", new[] { "2001:db8:0:1::5" })]
    [InlineData("2001:DB8::1", new[] { "2001:db8::1" })]
    [InlineData("::/0", new[] { "2001:db8::1", "2001:db8:0:1::5", "2001:db8:ffff::1", "2001:db9::1" })]
    public async Task Records_filter_by_ipv6_address_or_block(string filter, string[] expected)
    {
        var domain = await StoreMixedAddressesAsync();

        var page = await fixture.Reports.ListRecordsAsync(new RecordFilter(Domain: domain, SourceIp: filter), new PageRequest(PageSize: 100), CancellationToken.None);

        Assert.Equal(expected.Order(), page.Items.Select(r => r.SourceIp).Order());
    }

    [Theory]
    [InlineData("not-an-ip")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/x")]
    public async Task Source_filter_that_is_neither_address_nor_block_is_an_argument_error(string filter)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Reports.ListRecordsAsync(new RecordFilter(SourceIp: filter), new PageRequest(), CancellationToken.None));

        Assert.Contains(filter, error.Message);
    }

    [Fact]
    public async Task Records_filter_by_policy_results_and_sort_by_address()
    {
        var domain = ReportBuilder.UniqueDomain();
        var report = ReportBuilder.For(domain)
            .Record("192.0.2.10", 1, "reject", "fail", "fail")
            .Record("192.0.2.9", 2, "reject", "fail", "fail")
            .Record("192.0.2.100", 3, "none", "pass", "fail")
            .Record("2001:db8::1", 4, "reject", "fail", "fail")
            .Extract();
        await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(report), [report], CancellationToken.None);

        var page = await fixture.Reports.ListRecordsAsync(
            new RecordFilter(Domain: domain.ToUpperInvariant(), Disposition: "REJECT", Dkim: "fail", Spf: "Fail"),
            new PageRequest(Sort: "sourceIp"), CancellationToken.None);
        var descending = await fixture.Reports.ListRecordsAsync(
            new RecordFilter(Domain: domain), new PageRequest(Sort: "-count"), CancellationToken.None);

        // Addresses sort numerically (192.0.2.9 before 192.0.2.10), IPv4 before IPv6.
        Assert.Equal(["192.0.2.9", "192.0.2.10", "2001:db8::1"], page.Items.Select(r => r.SourceIp));
        Assert.Equal([4L, 3, 2, 1], descending.Items.Select(r => r.Count));
    }

    [Fact]
    public async Task Reports_are_paged_and_sorted_with_a_total()
    {
        var reporter = "reporter-" + Guid.NewGuid().ToString("N")[..8];
        var domain = ReportBuilder.UniqueDomain();
        for (var i = 0; i < 5; i++)
        {
            var report = ReportBuilder.For(domain).By(reporter).Covering(Day.AddDays(i), TimeSpan.FromDays(1)).Record("192.0.2.1", 10 * (i % 3) + i).Extract();
            await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(report), [report], CancellationToken.None);
        }

        var filter = new ReportFilter(Reporter: reporter.ToUpperInvariant());
        var first = await fixture.Reports.ListReportsAsync(filter, new PageRequest(1, 2, "-messages"), CancellationToken.None);
        var third = await fixture.Reports.ListReportsAsync(filter, new PageRequest(3, 2, "-messages"), CancellationToken.None);
        var byDefault = await fixture.Reports.ListReportsAsync(filter, new PageRequest(), CancellationToken.None);
        var byBegin = await fixture.Reports.ListReportsAsync(filter, new PageRequest(Sort: "begin"), CancellationToken.None);

        // messages per day: 0, 11, 22, 3, 14
        Assert.Equal(5, first.TotalCount);
        Assert.Equal([22L, 14], first.Items.Select(r => r.MessageCount));
        Assert.Equal([0L], third.Items.Select(r => r.MessageCount));
        Assert.Equal((3, 2), (third.Page, third.PageSize));
        Assert.Equal(Enumerable.Range(0, 5).Reverse().Select(i => Day.AddDays(i)), byDefault.Items.Select(r => r.Begin));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Day.AddDays(i)), byBegin.Items.Select(r => r.Begin));
    }

    [Fact]
    public async Task Reports_filter_by_domain_case_insensitively_and_by_overlapping_date_range()
    {
        var domain = ReportBuilder.UniqueDomain();
        foreach (var (begin, hours) in new[] { (Day, 24), (Day.AddDays(1), 24), (Day.AddDays(2), 48), (Day.AddDays(5), 0) })
        {
            var report = ReportBuilder.For(domain).Covering(begin, TimeSpan.FromHours(hours)).Record("192.0.2.1", 1).Extract();
            await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(report), [report], CancellationToken.None);
        }

        async Task<IEnumerable<DateTimeOffset>> Begins(DateTimeOffset? from, DateTimeOffset? to) =>
            (await fixture.Reports.ListReportsAsync(new ReportFilter(domain.ToUpperInvariant(), From: from, To: to), new PageRequest(Sort: "begin"), CancellationToken.None))
            .Items.Select(r => r.Begin);

        Assert.Equal([Day, Day.AddDays(1), Day.AddDays(2), Day.AddDays(5)], await Begins(null, null));
        // [Day+1, Day+2): the first report ends exactly at From and does not overlap.
        Assert.Equal([Day.AddDays(1)], await Begins(Day.AddDays(1), Day.AddDays(2)));
        Assert.Equal([Day.AddDays(2)], await Begins(Day.AddDays(3), Day.AddDays(4)));
        Assert.Equal([Day.AddDays(5)], await Begins(Day.AddDays(5), null));
        Assert.Equal([Day, Day.AddDays(1)], await Begins(null, Day.AddDays(2)));
    }

    [Fact]
    public async Task Unknown_sort_field_is_an_argument_error_naming_the_allowed_fields()
    {
        var reports = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Reports.ListReportsAsync(new ReportFilter(), new PageRequest(Sort: "-colour"), CancellationToken.None));
        var records = await Assert.ThrowsAsync<ArgumentException>(() =>
            fixture.Reports.ListRecordsAsync(new RecordFilter(), new PageRequest(Sort: "size"), CancellationToken.None));

        Assert.Contains("'colour'", reports.Message);
        Assert.Contains("begin, end, reporter, domain, records, messages, received", reports.Message);
        Assert.Contains("'size'", records.Message);
        Assert.Contains("sourceIp", records.Message);
    }

    [Theory]
    [InlineData(0, 0, 1, 1)]
    [InlineData(-3, 10_000, 1, 500)]
    [InlineData(2, 7, 2, 7)]
    public async Task Page_and_page_size_are_clamped(int page, int size, int expectedPage, int expectedSize)
    {
        var result = await fixture.Reports.ListReportsAsync(new ReportFilter(Domain: "no-such.example"), new PageRequest(page, size), CancellationToken.None);

        Assert.Equal((expectedPage, expectedSize, 0L), (result.Page, result.PageSize, result.TotalCount));
    }

    [Fact]
    public async Task Missing_report_is_null()
    {
        Assert.Null(await fixture.Reports.GetReportAsync(long.MaxValue, CancellationToken.None));
        Assert.Null(await fixture.Reports.GetRawXmlAsync(long.MaxValue, CancellationToken.None));
    }

    private async Task<string> StoreMixedAddressesAsync()
    {
        var domain = ReportBuilder.UniqueDomain();
        var builder = ReportBuilder.For(domain);
        foreach (var ip in new[]
                 {
                     "198.51.100.7", "198.51.100.200", "198.51.101.1", "203.0.113.5",
                     "2001:db8::1", "2001:db8:0:1::5", "2001:db8:ffff::1", "2001:db9::1",
                 })
        {
            builder.Record(ip, 1);
        }

        // An IPv4-mapped IPv6 address is the IPv4 address.
        builder.Record("::ffff:203.0.113.5", 1);
        var report = builder.Extract();
        await fixture.Ingestor.StoreAsync(ReportBuilder.FileOf(report), [report], CancellationToken.None);
        return domain;
    }
}

public sealed class ReportQueryTestsOnPostgreSql(PostgreSqlFixture fixture) : ReportQueryTests(fixture), IClassFixture<PostgreSqlFixture>;

public sealed class ReportQueryTestsOnSqlite(SqliteFixture fixture) : ReportQueryTests(fixture), IClassFixture<SqliteFixture>;
