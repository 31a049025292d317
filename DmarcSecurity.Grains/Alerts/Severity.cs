namespace DmarcSecurity.Grains.Alerts;

/// <summary>Shared by alerts and decisions; ordered so that a higher value is worse.</summary>
public enum Severity
{
    Info = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}
