using DmarcSecurity.Core.Grains;
using DmarcSecurity.Grains.Runtime;
using Microsoft.Extensions.Logging;

namespace DmarcSecurity.Grains.Domains;

/// <summary>The Orleans grain of a domain: runs <see cref="DomainGrain"/> through <see cref="DomainGrainHandler"/>.
/// Placed on the silo of the partition that calls it, so a batch's calls stay in-process.</summary>
[GrainType(GrainTypes.Domain), PreferLocalPlacement]
internal sealed class DomainGrainHost(IEnumerable<IGrainHandler> handlers, GrainStorage storage, TimeProvider clock, ILogger<DomainGrainHost> logger)
    : InboxGrain(handlers, storage, clock, logger), IDomainGrain;
