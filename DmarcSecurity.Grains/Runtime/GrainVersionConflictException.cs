namespace DmarcSecurity.Grains.Runtime;

/// <summary>A grain state changed since this silo read it (another silo applied events to it): the batch's
/// transaction is rolled back and retried from freshly loaded states.</summary>
internal sealed class GrainVersionConflictException(int expected, int written, Exception? inner = null)
    : Exception($"{expected - written} of {expected} grain state writes found a different version.", inner);
