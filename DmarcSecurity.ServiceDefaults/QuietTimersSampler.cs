using OpenTelemetry.Trace;

namespace DmarcSecurity.ServiceDefaults;

/// <summary>
/// Keeps the traces people look for findable: a trace that a grain timer starts (the silo's inbox pumps and due scans
/// tick many times a second) or that Orleans starts to place, activate or deactivate a grain (a drain over new sources
/// does that tens of thousands of times a second) is kept one time in <see cref="TimerShare"/>, with everything under
/// it; every other trace is kept whole. Used as the root sampler under the parent-based one, so a span follows its
/// trace's fate. A trace dropped at its root costs nothing: no activity is made for it.
/// </summary>
internal sealed class QuietTimersSampler : Sampler
{
    /// <summary>One timer-started or lifecycle trace in a hundred.</summary>
    public const double TimerShare = 0.01;

    /// <summary>Orleans' runtime activities of a grain's lifecycle ("Microsoft.Orleans.Runtime").</summary>
    private static readonly HashSet<string> s_lifecycle = new(StringComparer.Ordinal)
    {
        "place grain", "filter placement candidates", "activate grain", "execute OnActivateAsync", "register directory entry",
        "deactivate grain", "execute OnDeactivateAsync",
    };

    private static readonly SamplingResult s_keep = new(SamplingDecision.RecordAndSample);
    private readonly TraceIdRatioBasedSampler _timers = new(TimerShare);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name.StartsWith("IGrainTimerInvoker/", StringComparison.Ordinal) || s_lifecycle.Contains(samplingParameters.Name)
            ? _timers.ShouldSample(samplingParameters)
            : s_keep;
}
