using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;

namespace DmarcSecurity.Grains;

public enum OutboxChannel
{
    /// <summary>A person should hear of it (Teams, Slack, e-mail...): the dispatcher routes it.</summary>
    Notify,

    /// <summary>Something outside must change (firewall, bouncer): only ever written when enforcement is on.</summary>
    Enforce,
}

/// <summary>A message that must leave the system, written to the durable outbox with the state change that made it.</summary>
/// <param name="MessageType">One of the constants below.</param>
/// <param name="Alert">Set for <see cref="AlertRaised"/>.</param>
/// <param name="Decision">Set for the decision messages, and for a threat alert raised by a decision.</param>
public sealed record OutboxOutput(OutboxChannel Channel, string MessageType, AlertOutput? Alert = null, DecisionOutput? Decision = null)
{
    public const string AlertRaised = "alert.raised";

    /// <summary>Block the decision's scope until its expiry.</summary>
    public const string DecisionBlock = "decision.block";

    /// <summary>Lift an enforced block before its expiry (an analyst dismissed it).</summary>
    public const string DecisionLift = "decision.lift";
}
