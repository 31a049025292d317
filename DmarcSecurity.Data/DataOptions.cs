using System.ComponentModel.DataAnnotations;

namespace DmarcSecurity.Data;

public sealed class DataOptions
{
    public const string SectionName = "Storage";

    /// <summary>Largest report XML (uncompressed bytes) archived gzip-compressed; larger XML is not kept and the report is flagged.</summary>
    [Range(0, 1L << 30, ErrorMessage = "Storage:MaxRawXmlBytes must be between 0 and 1073741824 bytes.")]
    public long MaxRawXmlBytes { get; set; } = 25L * 1024 * 1024;
}
