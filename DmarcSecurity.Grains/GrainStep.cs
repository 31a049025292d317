using DmarcSecurity.Grains.Alerts;
using DmarcSecurity.Grains.Decisions;

namespace DmarcSecurity.Grains;

/// <summary>What one behaviour call produced: the grain's new state and its outputs, in the order made.</summary>
public sealed record GrainStep<TState>(
    TState State,
    IReadOnlyList<AlertOutput> Alerts,
    IReadOnlyList<DecisionOutput> Decisions,
    IReadOnlyList<OutboxOutput> Outbox)
{
    public bool HasOutputs => Alerts.Count + Decisions.Count + Outbox.Count > 0;
}

/// <summary>Collects outputs while a behaviour runs, and across the events of one batch in the handlers.</summary>
public sealed class Emissions
{
    public List<AlertOutput> Alerts { get; } = [];

    public List<DecisionOutput> Decisions { get; } = [];

    public List<OutboxOutput> Outbox { get; } = [];

    public GrainStep<TState> Step<TState>(TState state) => new(state, [.. Alerts], [.. Decisions], [.. Outbox]);

    /// <summary>Takes over another step's outputs and returns its state.</summary>
    public TState Take<TState>(GrainStep<TState> step)
    {
        Alerts.AddRange(step.Alerts);
        Decisions.AddRange(step.Decisions);
        Outbox.AddRange(step.Outbox);
        return step.State;
    }
}
