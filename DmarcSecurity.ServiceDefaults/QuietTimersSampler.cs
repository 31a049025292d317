using OpenTelemetry.Trace;

namespace DmarcSecurity.ServiceDefaults;

/// <summary>
/// Keeps the traces people look for findable: a trace that a grain timer starts (the silo's inbox pumps and due scans
/// tick many times a second) is kept one time in <see cref="TimerShare"/>, with everything under it; every other trace is
/// kept whole. Used as the root sampler under the parent-based one, so a span follows its trace's fate.
/// </summary>
internal sealed class QuietTimersSampler : Sampler
{
    /// <summary>One timer-started trace in a hundred.</summary>
    public const double TimerShare = 0.01;

    private static readonly SamplingResult s_keep = new(SamplingDecision.RecordAndSample);
    private readonly TraceIdRatioBasedSampler _timers = new(TimerShare);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name.StartsWith("IGrainTimerInvoker/", StringComparison.Ordinal) ? _timers.ShouldSample(samplingParameters) : s_keep;
}
