using System.Globalization;

namespace DmarcSecurity.Data.Grains;

/// <summary>PostgreSQL session advisory lock keys of the grain runtime. A silo holds, on its one lease connection,
/// a member lock keyed by that connection's backend pid (so live silos can be counted from pg_locks the moment one
/// dies) and one lock per partition it owns. Keys are bigint: the class is the high 32 bits, which pg_locks shows
/// as classid (objid is the low 32 bits, objsubid 1). The schema migrator's key has a different class.</summary>
public static class GrainAdvisoryLocks
{
    /// <summary>"DGRP" in ASCII.</summary>
    public const long PartitionClass = 0x4447_5250;

    /// <summary>"DGRM" in ASCII.</summary>
    public const long MemberClass = 0x4447_524D;

    /// <summary>Advisory locks of both classes held in the current database: (class, objid, pid) per row.</summary>
    public static readonly string HeldLocksSql = string.Create(CultureInfo.InvariantCulture,
        $"SELECT l.classid::bigint, l.objid::bigint, l.pid FROM pg_locks l " +
        $"WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted " +
        $"AND l.classid::bigint IN ({PartitionClass}, {MemberClass}) " +
        $"AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())");

    public static long PartitionKey(int partition) => (PartitionClass << 32) | (uint)partition;

    public static long MemberKey(int backendPid) => (MemberClass << 32) | (uint)backendPid;
}
