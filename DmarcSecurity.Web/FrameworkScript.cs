using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.Net.Http.Headers;

namespace DmarcSecurity.Web;

/// <summary>
/// Serves Blazor's browser script, <c>_framework/blazor.web.js</c>. On .NET 10 the SDK takes it from a package this
/// project's registry does not hold, so the build copies the ASP.NET Core 9 servicing assembly that embeds the script
/// beside the app (see the csproj), and this class reads the script out of its managed resources without loading the
/// assembly. The script speaks the same circuit protocol; the end-to-end tests drive every interactive page with it.
/// </summary>
internal static class FrameworkScript
{
    public const string Path = "/_framework/blazor.web.js";
    private const string ResourceName = "_framework/blazor.web.js";

    public static IEndpointRouteBuilder MapFrameworkScript(this IEndpointRouteBuilder endpoints)
    {
        var assembly = System.IO.Path.Combine(AppContext.BaseDirectory, "framework-script", "Microsoft.AspNetCore.Components.Endpoints.dll");
        var script = Read(assembly);
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(script))[..16]}\"");
        endpoints.MapGet(Path, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            return TypedResults.Bytes(script, "text/javascript", entityTag: etag);
        }).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>The bytes of the embedded script: the managed resource named <see cref="ResourceName"/>, read from the
    /// CLI header's resources directory (a 4-byte little-endian length, then the bytes).</summary>
    internal static byte[] Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!metadata.StringComparer.Equals(resource.Name, ResourceName) || !resource.Implementation.IsNil)
            {
                continue;
            }

            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var block = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader(0, directory.Size);
            block.Offset = checked((int)resource.Offset);
            var length = block.ReadInt32();
            return block.ReadBytes(length);
        }

        throw new InvalidOperationException($"{assemblyPath} holds no {ResourceName}.");
    }
}
