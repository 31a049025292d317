using System.Diagnostics;
using System.Globalization;
using DmarcSecurity.Api.Grains;
using DmarcSecurity.Data.Stats;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace DmarcSecurity.Api.Exports;

/// <summary>Everything the PDF summary of one domain and period shows.</summary>
public sealed record DomainSummary(
    string Domain, DateTimeOffset? From, DateTimeOffset? To, DateTimeOffset GeneratedAt, SummaryDto Totals,
    IReadOnlyList<TimelinePointDto> Days, IReadOnlyList<SourceStatsDto> TopFailing, DomainSendersDto Senders);

/// <summary>Writes a domain's summary as an A4 PDF with PDFsharp: totals, policy readiness, senders, the sources that
/// fail without a forwarder to explain it, and the days. Text is set in DejaVu Sans, built into the Api, so the PDF
/// looks the same on a machine or container without fonts.</summary>
public static class DomainSummaryPdf
{
    private const double Margin = 50;
    private const double Line = 14;

    // First: field initialisers run in order, and a font can only be made once PDFsharp knows where fonts come from.
    private static readonly bool s_fontsResolved = ResolveFonts();

    private static readonly XFont s_title = new(EmbeddedFonts.Family, 18, XFontStyleEx.Bold);
    private static readonly XFont s_heading = new(EmbeddedFonts.Family, 12, XFontStyleEx.Bold);
    private static readonly XFont s_text = new(EmbeddedFonts.Family, 9, XFontStyleEx.Regular);
    private static readonly XFont s_bold = new(EmbeddedFonts.Family, 9, XFontStyleEx.Bold);

    public static byte[] Write(DomainSummary summary)
    {
        Debug.Assert(s_fontsResolved);
        using var document = new PdfDocument();
        document.Info.Title = $"DMARC summary of {summary.Domain}";
        document.Info.Creator = "DmarcSecurity";
        var writer = new PageWriter(document);
        var t = summary.Totals;

        writer.Text($"DMARC summary: {summary.Domain}", s_title, 26);
        writer.Text($"Period: {Period(summary.From, summary.To)} · made {summary.GeneratedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC", s_text);
        writer.Gap();
        writer.Heading("Totals");
        writer.Table(
            [("Messages", 95), ("DMARC pass", 80), ("Failing", 80), ("Reports", 80), ("Sources", 80), ("Reporters", 80)],
            [[Count(t.Messages), Percent(t.PassRate), Count(t.Failing), Count(t.Reports), Count(t.Sources), Count(t.Reporters)]]);

        var readiness = summary.Senders.Readiness;
        writer.Heading("Policy readiness");
        writer.Text($"p=quarantine: {(readiness.Quarantine ? "ready" : "not yet")} · p=reject: {(readiness.Reject ? "ready" : "not yet")} · " +
            $"authorised senders passing: {(readiness.AuthorisedPassRate is { } rate ? Percent(rate) : "—")}", s_bold);
        foreach (var blocker in readiness.Blockers)
        {
            writer.Wrapped("Blocks: " + blocker);
        }

        foreach (var warning in readiness.CalledOut)
        {
            writer.Wrapped("Called out: " + warning);
        }

        writer.Heading("Senders by service");
        writer.Table(
            [("Service", 170), ("Sources", 55), ("Messages", 75), ("Passing", 65), ("Failing", 65), ("Authorised", 65)],
            summary.Senders.Services.Take(40).Select(s => (IReadOnlyList<string>)
                [s.Service, Count(s.Sources), Count(s.Messages), Percent(s.PassRate), Count(s.Failing), s.Authorised ? "yes" : "no"]).ToList());

        writer.Heading("Sources failing with no forwarder to explain it");
        writer.Table(
            [("Source", 170), ("Messages", 75), ("Failing", 75), ("Forwarded", 75), ("Failure rate", 90)],
            summary.TopFailing.Select(s => (IReadOnlyList<string>)
                [s.SourceIp, Count(s.Messages), Count(s.Failing), Count(s.Forwarded), Percent(s.FailureRate)]).ToList());

        writer.Heading("Per day (UTC)");
        writer.Table(
            [("Day", 110), ("Messages", 90), ("Passing", 90), ("Failing", 90), ("Pass rate", 90)],
            summary.Days.Select(d => (IReadOnlyList<string>)
                [d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Count(d.Messages), Count(d.Passing), Count(d.Failing),
                    d.Messages > 0 ? Percent(d.Passing / d.Messages) : "—"]).ToList());

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static bool ResolveFonts()
    {
        GlobalFontSettings.FontResolver ??= new EmbeddedFonts();
        return true;
    }

    private static string Period(DateTimeOffset? from, DateTimeOffset? to) => (from, to) switch
    {
        (null, null) => "all time",
        (null, { } end) => $"until {end.UtcDateTime:yyyy-MM-dd HH:mm} UTC",
        ({ } start, null) => $"from {start.UtcDateTime:yyyy-MM-dd HH:mm} UTC",
        ({ } start, { } end) => $"{start.UtcDateTime:yyyy-MM-dd HH:mm} – {end.UtcDateTime:yyyy-MM-dd HH:mm} UTC",
    };

    private static string Count(double value) => Math.Round(value).ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>Lays text out from the top of a page down, starting a new page when one is full.</summary>
    private sealed class PageWriter(PdfDocument document)
    {
        private XGraphics? _graphics;
        private PdfPage? _page;
        private double _y;

        public void Text(string text, XFont font, double height = Line)
        {
            Room(height);
            _graphics!.DrawString(text, font, XBrushes.Black, new XRect(Margin, _y, _page!.Width.Point - 2 * Margin, height), XStringFormats.TopLeft);
            _y += height;
        }

        public void Heading(string text)
        {
            Gap();
            Room(Line * 3);
            Text(text, s_heading, 18);
        }

        public void Gap() => _y += Line / 2;

        /// <summary>Words over as many lines as the page is wide.</summary>
        public void Wrapped(string text)
        {
            var width = (_page?.Width.Point ?? XUnit.FromMillimeter(210).Point) - 2 * Margin;
            var line = "";
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && Measure(candidate) > width)
                {
                    Text(line, s_text);
                    line = word;
                }
                else
                {
                    line = candidate;
                }
            }

            if (line.Length > 0)
            {
                Text(line, s_text);
            }
        }

        public void Table(IReadOnlyList<(string Title, double Width)> columns, IReadOnlyList<IReadOnlyList<string>> rows)
        {
            Row(columns, [.. columns.Select(c => c.Title)], s_bold);
            if (rows.Count == 0)
            {
                Text("None.", s_text);
                return;
            }

            foreach (var row in rows)
            {
                Row(columns, row, s_text);
            }
        }

        private void Row(IReadOnlyList<(string Title, double Width)> columns, IReadOnlyList<string> cells, XFont font)
        {
            Room(Line);
            var x = Margin;
            for (var i = 0; i < columns.Count; i++)
            {
                var width = columns[i].Width;
                _graphics!.DrawString(Fit(cells[i], font, width - 6), font, XBrushes.Black, new XRect(x, _y, width - 6, Line),
                    i == 0 ? XStringFormats.TopLeft : XStringFormats.TopRight);
                x += width;
            }

            _y += Line;
        }

        private string Fit(string text, XFont font, double width)
        {
            if (_graphics!.MeasureString(text, font).Width <= width)
            {
                return text;
            }

            var cut = text;
            while (cut.Length > 1 && _graphics.MeasureString(cut + "…", font).Width > width)
            {
                cut = cut[..^1];
            }

            return cut + "…";
        }

        private double Measure(string text)
        {
            Room(0);
            return _graphics!.MeasureString(text, s_text).Width;
        }

        private void Room(double height)
        {
            if (_page is not null && _y + height <= _page.Height.Point - Margin)
            {
                return;
            }

            _graphics?.Dispose();
            _page = document.AddPage();
            _page.Size = PdfSharp.PageSize.A4;
            _graphics = XGraphics.FromPdfPage(_page);
            _y = Margin;
        }
    }

    /// <summary>Every typeface asked for is DejaVu Sans, regular or bold, from the Api's own resources.</summary>
    private sealed class EmbeddedFonts : IFontResolver
    {
        public const string Family = "DejaVu Sans";

        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "DejaVuSans-Bold" : "DejaVuSans", mustSimulateBold: false, mustSimulateItalic: italic);

        public byte[] GetFont(string faceName)
        {
            using var stream = typeof(EmbeddedFonts).Assembly.GetManifestResourceStream($"fonts/{faceName}.ttf")
                ?? throw new InvalidOperationException($"The font {faceName} is not built into the Api.");
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            return bytes.ToArray();
        }
    }
}
