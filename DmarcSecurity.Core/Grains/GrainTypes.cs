namespace DmarcSecurity.Core.Grains;

/// <summary>The grain type names, part of every grain's identity in the runtime and of every alert's origin.</summary>
public static class GrainTypes
{
    public const string Domain = "domain";

    public const string SourceIp = "source-ip";
}
