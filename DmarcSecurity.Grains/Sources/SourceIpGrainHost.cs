using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Runtime;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Grains.Sources;

/// <summary>The Orleans grain of a source IP: runs <see cref="SourceIpGrain"/> through <see cref="SourceIpGrainHandler"/>.
/// Placed on the silo of the partition that calls it, so a batch's calls stay in-process.</summary>
[GrainType(GrainTypes.SourceIp), PreferLocalPlacement]
internal sealed class SourceIpGrainHost(IEnumerable<IGrainHandler> handlers, GrainStorage storage, TimeProvider clock, ILogger<SourceIpGrainHost> logger)
    : InboxGrain(handlers, storage, clock, logger), ISourceIpGrain;
