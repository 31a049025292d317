using System.Globalization;
using System.Net;
using System.Xml;
using DmarcSecurity.Core.Addresses;
using DmarcSecurity.Core.Ingestion;

namespace DmarcSecurity.Core.Reports;

/// <summary>
/// Walks one aggregate report with a forward-only XmlReader. Elements are matched by local name in any namespace;
/// unknown elements are skipped; a record that cannot be read is skipped and counted, never fatal.
/// </summary>
internal sealed class ReportDocumentReader(XmlReader reader, ReportNames names)
{
    private const int MaxShownValueLength = 64;

    private readonly ValuePool _pool = new();
    private readonly WarningLog _warnings = new();
    private readonly List<string> _errors = [];
    private readonly List<string> _extensions = [];
    private readonly List<ReportRecord> _records = [];
    private readonly List<PolicyOverrideReason> _reasons = [];
    private readonly List<DkimAuthResult> _dkim = [];
    private readonly List<SpfAuthResult> _spf = [];
    private char[] _text = new char[256];

    private ReportFormat _format;
    private Vocabulary _dispositions = Vocabulary.Disposition7489;
    private Vocabulary _reasonTypes = Vocabulary.Reason7489;
    private string? _version;
    private string? _orgName;
    private string? _email;
    private string? _extraContactInfo;
    private string? _reportId;
    private string? _generator;
    // Identity fields are indexed and shown to people; real values are far shorter, so longer ones are hostile or broken.
    private const int MaxOrgNameLength = 512;
    private const int MaxReportIdLength = 1024;
    private const int MaxDomainLength = 253;

    /// <summary>Reports cover a day, sometimes a week; a longer span is a broken or hostile date range.</summary>
    private static readonly TimeSpan MaxReportSpan = TimeSpan.FromDays(366);

    private string? _begin;
    private string? _end;
    private PolicyPublished? _policy;
    private int _recordNumber;
    private int _skippedRecords;

    /// <summary>True once the root element was reached; errors before it concern the prolog (DTDs).</summary>
    public bool RootSeen { get; private set; }

    public AggregateReport Read()
    {
        if (reader.MoveToContent() != XmlNodeType.Element)
        {
            throw NotAReport("the document has no root element");
        }

        RootSeen = true;
        if (!Is(names.Feedback))
        {
            throw NotAReport($"the root element is <{Shown(reader.LocalName)}>, not <feedback>");
        }

        if (ReferenceEquals(reader.NamespaceURI, names.DmarcBisNamespace))
        {
            _format = ReportFormat.Rfc9990;
            _dispositions = Vocabulary.Disposition9990;
            _reasonTypes = Vocabulary.Reason9990;
        }

        var sawMetadata = false;
        if (EnterElement())
        {
            while (NextChild())
            {
                if (Is(names.Version))
                {
                    _version = ReadString();
                }
                else if (Is(names.ReportMetadata))
                {
                    sawMetadata = true;
                    ReadMetadata();
                }
                else if (Is(names.PolicyPublished))
                {
                    // Some reporters repeat the block (one per DNS lookup, or the organisational domain's beside the
                    // subdomain's). The first is the policy the report was evaluated under; the others are named.
                    var policy = ReadPolicy();
                    if (_policy is null)
                    {
                        _policy = policy;
                    }
                    else
                    {
                        _warnings.Add($"another policy_published (domain {Shown(policy.Domain)}, p={Shown(policy.P)}, sp={Shown(policy.Sp)}) " +
                            $"after the first was ignored; the report is read under the first (domain {Shown(_policy.Domain)}, p={Shown(_policy.P)})");
                    }
                }
                else if (Is(names.Record))
                {
                    ReadRecord();
                }
                else if (_format == ReportFormat.Rfc9990 && IsExtension())
                {
                    _extensions.Add(reader.ReadOuterXml());
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        if (!sawMetadata)
        {
            throw NotAReport("<feedback> has no <report_metadata>");
        }

        if (_policy is null)
        {
            throw NotAReport("<feedback> has no <policy_published>");
        }

        if (_format != ReportFormat.Rfc9990)
        {
            _format = _version is null ? ReportFormat.Draft : ReportFormat.Rfc7489;
        }

        var reportId = ReportIdWithoutBrackets(_reportId) ?? throw NotAReport("<report_metadata> has no <report_id>");
        var begin = ParseTime(_begin, "begin");
        var end = ParseTime(_end, "end");
        if (end < begin)
        {
            _warnings.Add("date_range end is before begin");
        }
        else if (end - begin > MaxReportSpan)
        {
            throw NotAReport($"<date_range> covers {(end - begin).TotalDays:N0} days; an aggregate report covers at most {MaxReportSpan.TotalDays:N0}");
        }

        var orgName = OrgNameOrFallback();
        CheckLength(orgName, MaxOrgNameLength, "org_name");
        CheckLength(reportId, MaxReportIdLength, "report_id");
        CheckLength(_policy.Domain, MaxDomainLength, "policy_published domain");

        return new AggregateReport
        {
            Format = _format,
            Version = _version,
            OrgName = orgName,
            ReporterEmail = _email,
            ExtraContactInfo = _extraContactInfo,
            ReportId = reportId,
            Begin = begin,
            End = end,
            Generator = _generator,
            Errors = _errors,
            Policy = _policy,
            Records = _records,
            SkippedRecords = _skippedRecords,
            Warnings = _warnings.ToList(),
            Extensions = _extensions,
        };
    }

    private void ReadMetadata()
    {
        if (!EnterElement())
        {
            return;
        }

        while (NextChild())
        {
            if (Is(names.OrgName))
            {
                _orgName = ReadString();
            }
            else if (Is(names.Email))
            {
                _email = ReadString();
            }
            else if (Is(names.ExtraContactInfo))
            {
                _extraContactInfo = ReadString();
            }
            else if (Is(names.ReportId))
            {
                _reportId = ReadString();
            }
            else if (Is(names.DateRange))
            {
                ReadDateRange();
            }
            else if (Is(names.Error))
            {
                if (ReadString() is { } error)
                {
                    _errors.Add(error);
                }
            }
            else if (Is(names.Generator))
            {
                _generator = ReadString();
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ReadDateRange()
    {
        if (!EnterElement())
        {
            return;
        }

        while (NextChild())
        {
            if (Is(names.Begin))
            {
                _begin = ReadString();
            }
            else if (Is(names.End))
            {
                _end = ReadString();
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private PolicyPublished ReadPolicy()
    {
        string? domain = null, adkim = null, aspf = null, p = null, sp = null, np = null;
        string? fo = null, testing = null, discovery = null;
        int? pct = null;
        if (EnterElement())
        {
            while (NextChild())
            {
                if (Is(names.Domain))
                {
                    domain = ReadString();
                }
                else if (Is(names.Adkim))
                {
                    adkim = ReadPolicyWord(Vocabulary.Alignment);
                }
                else if (Is(names.Aspf))
                {
                    aspf = ReadPolicyWord(Vocabulary.Alignment);
                }
                else if (Is(names.P))
                {
                    p = ReadPolicyWord(Vocabulary.Policy);
                }
                else if (Is(names.Sp))
                {
                    sp = ReadPolicyWord(Vocabulary.Policy);
                }
                else if (Is(names.Np))
                {
                    np = ReadPolicyWord(Vocabulary.Policy);
                }
                else if (Is(names.Pct))
                {
                    pct = ReadPct();
                }
                else if (Is(names.Fo))
                {
                    fo = ReadString();
                }
                else if (Is(names.Testing) || Is(names.T))
                {
                    testing = ReadPolicyWord(Vocabulary.Testing);
                }
                else if (Is(names.DiscoveryMethod))
                {
                    discovery = ReadPolicyWord(Vocabulary.DiscoveryMethod);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        if (domain is null)
        {
            throw NotAReport("<policy_published> has no <domain>");
        }

        // The policy domain names the domain grain and appears on every page: markup or a script URL there is no
        // reporter's quirk but an attack on whoever reads it.
        if (!DomainName.TryNormalise(domain, out _))
        {
            throw new ReportRejectedException(
                RejectionReason.InvalidPolicyDomain, $"The report's policy domain '{Shown(domain)}' is not a domain name.");
        }

        if (p is null)
        {
            _warnings.Add("policy_published has no p; assumed none");
        }

        p ??= "none";
        return new PolicyPublished
        {
            Domain = domain,
            Adkim = adkim ?? "r",
            Aspf = aspf ?? "r",
            P = p,
            Sp = sp ?? p,
            Np = np,
            Pct = pct,
            Fo = fo,
            Testing = testing,
            DiscoveryMethod = discovery,
        };
    }

    private string? ReadPolicyWord(Vocabulary vocabulary)
    {
        var value = ReadValue();
        if (value.IsEmpty)
        {
            return null;
        }

        var word = vocabulary.Normalise(value, out var standard);
        if (!standard)
        {
            _warnings.Add($"non-standard {vocabulary.Field} value '{Shown(word)}' in policy_published kept as-is");
        }

        return word;
    }

    private int? ReadPct()
    {
        var value = ReadValue();
        if (value.IsEmpty)
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pct) && pct <= 100)
        {
            return pct;
        }

        _warnings.Add($"pct '{Shown(value)}' is not a percentage and was ignored");
        return null;
    }

    private void ReadRecord()
    {
        _recordNumber++;
        _reasons.Clear();
        _dkim.Clear();
        _spf.Clear();
        var record = new RecordFields { Count = -1 };
        if (EnterElement())
        {
            while (NextChild())
            {
                if (Is(names.Row))
                {
                    ReadRow(ref record);
                }
                else if (Is(names.Identifiers) || Is(names.Identities))
                {
                    ReadIdentifiers(ref record);
                }
                else if (Is(names.AuthResults))
                {
                    ReadAuthResults(ref record);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        var problem = record.Problem
            ?? (record.SourceIp is null ? "it has no source_ip" : null)
            ?? (record.Count < 0 ? "it has no count" : null)
            ?? (record.HeaderFrom is null ? "it has no header_from" : null);
        if (problem is not null)
        {
            _skippedRecords++;
            _warnings.Add($"record {_recordNumber} skipped: {problem}");
            return;
        }

        _records.Add(new ReportRecord
        {
            SourceIp = record.SourceIp!,
            Count = record.Count,
            Disposition = record.Disposition ?? MissingWord(ref record, "disposition"),
            DkimPolicyResult = record.DkimPolicyResult ?? MissingWord(ref record, "policy_evaluated dkim"),
            SpfPolicyResult = record.SpfPolicyResult ?? MissingWord(ref record, "policy_evaluated spf"),
            Reasons = _reasons.Count == 0 ? [] : _reasons.ToArray(),
            HeaderFrom = record.HeaderFrom!,
            EnvelopeFrom = record.EnvelopeFrom,
            EnvelopeTo = record.EnvelopeTo,
            Dkim = _dkim.Count == 0 ? [] : _dkim.ToArray(),
            Spf = _spf.Count == 0 ? [] : _spf.ToArray(),
            HasNonStandardValues = record.NonStandard,
        });
    }

    private string MissingWord(ref RecordFields record, string field)
    {
        record.NonStandard = true;
        _warnings.Add($"{field} missing in a record; recorded as none");
        return "none";
    }

    private void ReadRow(ref RecordFields record)
    {
        if (!EnterElement())
        {
            return;
        }

        while (NextChild())
        {
            if (Is(names.SourceIp))
            {
                var value = ReadValue();
                if (TryParseIp(value, out var ip))
                {
                    record.SourceIp = ip;
                }
                else
                {
                    record.Problem ??= $"source_ip '{Shown(value)}' is not an IP address";
                }
            }
            else if (Is(names.Count))
            {
                var value = ReadValue();
                if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                {
                    record.Count = count;
                }
                else
                {
                    record.Problem ??= $"count '{Shown(value)}' is not a whole number";
                }
            }
            else if (Is(names.PolicyEvaluated))
            {
                ReadPolicyEvaluated(ref record);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ReadPolicyEvaluated(ref RecordFields record)
    {
        if (!EnterElement())
        {
            return;
        }

        while (NextChild())
        {
            if (Is(names.Disposition))
            {
                record.Disposition = ReadWord(ref record, _dispositions);
            }
            else if (Is(names.Dkim))
            {
                record.DkimPolicyResult = ReadWord(ref record, Vocabulary.PolicyResult);
            }
            else if (Is(names.Spf))
            {
                record.SpfPolicyResult = ReadWord(ref record, Vocabulary.PolicyResult);
            }
            else if (Is(names.Reason))
            {
                ReadReason(ref record);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ReadReason(ref RecordFields record)
    {
        string? type = null, comment = null;
        if (EnterElement())
        {
            while (NextChild())
            {
                if (Is(names.Type))
                {
                    type = ReadWord(ref record, _reasonTypes);
                }
                else if (Is(names.Comment))
                {
                    comment = ReadString();
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        // Reporters emit <reason><type/></reason> with nothing in it; an empty reason says nothing worth keeping.
        if (type is null && comment is null)
        {
            return;
        }

        _reasons.Add(new PolicyOverrideReason(type ?? "other", comment));
    }

    private void ReadIdentifiers(ref RecordFields record)
    {
        if (!EnterElement())
        {
            return;
        }

        while (NextChild())
        {
            if (Is(names.HeaderFrom))
            {
                record.HeaderFrom = ReadPooled();
            }
            else if (Is(names.EnvelopeFrom))
            {
                record.EnvelopeFrom = ReadPooled();
            }
            else if (Is(names.EnvelopeTo))
            {
                record.EnvelopeTo = ReadPooled();
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ReadAuthResults(ref RecordFields record)
    {
        if (!EnterElement())
        {
            return;
        }

        while (NextChild())
        {
            if (Is(names.Dkim))
            {
                ReadDkimResult(ref record);
            }
            else if (Is(names.Spf))
            {
                ReadSpfResult(ref record);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private void ReadDkimResult(ref RecordFields record)
    {
        string? domain = null, selector = null, result = null, human = null;
        if (EnterElement())
        {
            while (NextChild())
            {
                if (Is(names.Domain))
                {
                    domain = ReadPooled();
                }
                else if (Is(names.Selector))
                {
                    selector = ReadPooled();
                }
                else if (Is(names.Result))
                {
                    result = ReadWord(ref record, Vocabulary.DkimResult);
                }
                else if (Is(names.HumanResult))
                {
                    human = ReadPooled();
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        _dkim.Add(new DkimAuthResult(domain ?? string.Empty, selector, result ?? MissingWord(ref record, "dkim result"), human));
    }

    private void ReadSpfResult(ref RecordFields record)
    {
        string? domain = null, scope = null, result = null;
        if (EnterElement())
        {
            while (NextChild())
            {
                if (Is(names.Domain))
                {
                    domain = ReadPooled();
                }
                else if (Is(names.Scope))
                {
                    scope = ReadWord(ref record, Vocabulary.SpfScope);
                }
                else if (Is(names.Result))
                {
                    result = ReadWord(ref record, Vocabulary.SpfResult);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        _spf.Add(new SpfAuthResult(domain ?? string.Empty, scope, result ?? MissingWord(ref record, "spf result")));
    }

    /// <summary>A result word, lower-cased; words outside the schema are kept and flag the record.</summary>
    private string? ReadWord(ref RecordFields record, Vocabulary vocabulary)
    {
        var value = ReadValue();
        if (value.IsEmpty)
        {
            return null;
        }

        var word = vocabulary.Normalise(value, out var standard);
        if (!standard)
        {
            record.NonStandard = true;
            _warnings.Add($"non-standard {vocabulary.Field} value '{Shown(word)}' kept as-is");
        }

        return word;
    }

    private string? ReadString()
    {
        var value = ReadValue();
        return value.IsEmpty ? null : value.ToString();
    }

    private string? ReadPooled()
    {
        var value = ReadValue();
        return value.IsEmpty ? null : _pool.Get(value);
    }

    /// <summary>
    /// The trimmed text of the current element, copied into a reused buffer so that values which end up as
    /// shared words, IP addresses or numbers cost no string. Markup nested inside a value is ignored.
    /// </summary>
    private ReadOnlySpan<char> ReadValue()
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return default;
        }

        reader.Read();
        var length = 0;
        while (true)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    int read;
                    while ((read = reader.ReadValueChunk(_text, length, _text.Length - length)) > 0)
                    {
                        length += read;
                        if (length == _text.Length)
                        {
                            Array.Resize(ref _text, _text.Length * 2);
                        }
                    }

                    reader.Read();
                    break;
                case XmlNodeType.EndElement:
                    reader.Read();
                    return _text.AsSpan(0, length).Trim();
                case XmlNodeType.Element:
                    reader.Skip();
                    break;
                default:
                    ReadOrFail();
                    break;
            }
        }
    }

    /// <summary>Moves inside the current element; false when it is empty (and then moves past it).</summary>
    private bool EnterElement()
    {
        if (reader.IsEmptyElement)
        {
            // Never read past the root: reporters append junk after </feedback> and it must not matter.
            if (reader.Depth > 0)
            {
                reader.Read();
            }

            return false;
        }

        reader.Read();
        return true;
    }

    /// <summary>Moves to the next child element; false at the parent's end tag (and then moves past it).</summary>
    private bool NextChild()
    {
        while (true)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    return true;
                case XmlNodeType.EndElement:
                    if (reader.Depth > 0)
                    {
                        reader.Read();
                    }

                    return false;
                default:
                    ReadOrFail();
                    break;
            }
        }
    }

    private void ReadOrFail()
    {
        if (!reader.Read())
        {
            throw new XmlException("Unexpected end of document.");
        }
    }

    private bool Is(string atomisedName) => ReferenceEquals(reader.LocalName, atomisedName);

    private bool IsExtension() =>
        Is(names.Extension) || Is(names.Extensions)
        || (reader.NamespaceURI.Length > 0 && !ReferenceEquals(reader.NamespaceURI, names.DmarcBisNamespace));

    private string OrgNameOrFallback()
    {
        if (!string.IsNullOrWhiteSpace(_orgName))
        {
            return _orgName;
        }

        var at = _email?.LastIndexOf('@') ?? -1;
        var domain = at >= 0 ? _email![(at + 1)..].Trim().TrimEnd('>').Trim() : string.Empty;
        var fallback = domain.Length > 0 ? domain : "unknown";
        _warnings.Add($"org_name is empty; using '{fallback}'");
        return fallback;
    }

    private static void CheckLength(string value, int max, string field)
    {
        if (value.Length > max)
        {
            throw NotAReport($"<{field}> is {value.Length:N0} characters long; at most {max:N0} are accepted");
        }
    }

    private static string? ReportIdWithoutBrackets(string? reportId)
    {
        var id = reportId.AsSpan().Trim();
        if (id.Length >= 2 && id[0] == '<' && id[^1] == '>')
        {
            id = id[1..^1].Trim();
        }

        return id.IsEmpty ? null : id.Length == reportId!.Length ? reportId : id.ToString();
    }

    private DateTimeOffset ParseTime(string? value, string field)
    {
        const long maxUnixSeconds = 253402300799; // 9999-12-31T23:59:59Z
        if (value is null)
        {
            throw NotAReport($"<date_range> has no <{field}>");
        }

        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= maxUnixSeconds)
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        // Some reporters write fractional epoch seconds ("1700000000.5"); the fraction is noise at report scale.
        if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var fractional)
            && fractional <= maxUnixSeconds)
        {
            return DateTimeOffset.FromUnixTimeSeconds((long)decimal.Floor(fractional));
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            _warnings.Add($"date_range {field} is a calendar date, not Unix time");
            return date;
        }

        throw NotAReport($"date_range {field} '{Shown(value)}' is not a Unix time");
    }

    private static bool TryParseIp(ReadOnlySpan<char> value, out IPAddress? ip)
    {
        ip = null;

        // IPAddress.TryParse accepts legacy shorthand such as "10.1" (10.0.0.1); a report never means that.
        if (value.Contains(':') || value.Count('.') == 3)
        {
            return IPAddress.TryParse(value, out ip);
        }

        return false;
    }

    private static string Shown(ReadOnlySpan<char> value) =>
        value.Length <= MaxShownValueLength ? value.ToString() : string.Concat(value[..MaxShownValueLength], "...");

    private static ReportRejectedException NotAReport(string detail) =>
        new(RejectionReason.NotAReport, $"The document is not a DMARC aggregate report: {detail}.");

    private struct RecordFields
    {
        public IPAddress? SourceIp;
        public long Count;
        public string? Disposition;
        public string? DkimPolicyResult;
        public string? SpfPolicyResult;
        public string? HeaderFrom;
        public string? EnvelopeFrom;
        public string? EnvelopeTo;
        public string? Problem;
        public bool NonStandard;
    }
}
