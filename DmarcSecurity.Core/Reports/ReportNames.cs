using System.Xml;

namespace DmarcSecurity.Core.Reports;

/// <summary>
/// Element names atomised in the reader's <see cref="NameTable"/>, so the hot loop compares references instead of
/// strings. A table is made per document: it also collects every name the (untrusted) document uses.
/// </summary>
internal sealed class ReportNames
{
    public const string DmarcBisNamespaceUri = "urn:ietf:params:xml:ns:dmarc-2.0";

    public ReportNames()
    {
        Table = new NameTable();
        DmarcBisNamespace = Table.Add(DmarcBisNamespaceUri);
        Feedback = Table.Add("feedback");
        Version = Table.Add("version");
        ReportMetadata = Table.Add("report_metadata");
        OrgName = Table.Add("org_name");
        Email = Table.Add("email");
        ExtraContactInfo = Table.Add("extra_contact_info");
        ReportId = Table.Add("report_id");
        DateRange = Table.Add("date_range");
        Begin = Table.Add("begin");
        End = Table.Add("end");
        Error = Table.Add("error");
        Generator = Table.Add("generator");
        PolicyPublished = Table.Add("policy_published");
        Domain = Table.Add("domain");
        Adkim = Table.Add("adkim");
        Aspf = Table.Add("aspf");
        P = Table.Add("p");
        Sp = Table.Add("sp");
        Np = Table.Add("np");
        Pct = Table.Add("pct");
        Fo = Table.Add("fo");
        Testing = Table.Add("testing");
        T = Table.Add("t");
        DiscoveryMethod = Table.Add("discovery_method");
        Extension = Table.Add("extension");
        Extensions = Table.Add("extensions");
        Record = Table.Add("record");
        Row = Table.Add("row");
        SourceIp = Table.Add("source_ip");
        Count = Table.Add("count");
        PolicyEvaluated = Table.Add("policy_evaluated");
        Disposition = Table.Add("disposition");
        Dkim = Table.Add("dkim");
        Spf = Table.Add("spf");
        Reason = Table.Add("reason");
        Type = Table.Add("type");
        Comment = Table.Add("comment");
        Identifiers = Table.Add("identifiers");
        Identities = Table.Add("identities");
        HeaderFrom = Table.Add("header_from");
        EnvelopeFrom = Table.Add("envelope_from");
        EnvelopeTo = Table.Add("envelope_to");
        AuthResults = Table.Add("auth_results");
        Selector = Table.Add("selector");
        Result = Table.Add("result");
        HumanResult = Table.Add("human_result");
        Scope = Table.Add("scope");
    }

    public NameTable Table { get; }

    public string DmarcBisNamespace { get; }

    public string Feedback { get; }

    public string Version { get; }

    public string ReportMetadata { get; }

    public string OrgName { get; }

    public string Email { get; }

    public string ExtraContactInfo { get; }

    public string ReportId { get; }

    public string DateRange { get; }

    public string Begin { get; }

    public string End { get; }

    public string Error { get; }

    public string Generator { get; }

    public string PolicyPublished { get; }

    public string Domain { get; }

    public string Adkim { get; }

    public string Aspf { get; }

    public string P { get; }

    public string Sp { get; }

    public string Np { get; }

    public string Pct { get; }

    public string Fo { get; }

    public string Testing { get; }

    public string T { get; }

    public string DiscoveryMethod { get; }

    public string Extension { get; }

    public string Extensions { get; }

    public string Record { get; }

    public string Row { get; }

    public string SourceIp { get; }

    public string Count { get; }

    public string PolicyEvaluated { get; }

    public string Disposition { get; }

    public string Dkim { get; }

    public string Spf { get; }

    public string Reason { get; }

    public string Type { get; }

    public string Comment { get; }

    public string Identifiers { get; }

    public string Identities { get; }

    public string HeaderFrom { get; }

    public string EnvelopeFrom { get; }

    public string EnvelopeTo { get; }

    public string AuthResults { get; }

    public string Selector { get; }

    public string Result { get; }

    public string HumanResult { get; }

    public string Scope { get; }
}
