namespace DmarcSecurity.Grains.Settings;

/// <summary>Where the handlers take the settings in force (rules, suppressions, lists) from; the host keeps it
/// current (e.g. reloads from the database), the behaviours only ever see one immutable snapshot per call.</summary>
public interface IGrainSettingsSource
{
    GrainSettings Current { get; }
}

/// <summary>A source that always returns the same settings: tests, and hosts without editable settings.</summary>
public sealed class FixedGrainSettings(GrainSettings settings) : IGrainSettingsSource
{
    public GrainSettings Current { get; } = settings;
}
