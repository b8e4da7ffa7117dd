namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>Holds when its inner condition has held continuously for a duration (judged at each evaluation).</summary>
public sealed class SustainedCondition(Condition inner, TimeSpan duration) : Condition
{
    /// <summary>The inner condition.</summary>
    public Condition Inner { get; } = inner;

    /// <summary>For how long.</summary>
    public TimeSpan Duration { get; } = duration;

    /// <inheritdoc/>
    public override IEnumerable<Condition> Children => [Inner];

    /// <inheritdoc/>
    public override TimeSpan Lookback => Inner.Lookback + Duration;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        LeafMemory memory = ctx.MemoryOf(Id);
        if (!Inner.Evaluate(ctx))
        {
            memory.Since = null;
            return false;
        }

        memory.Since ??= ctx.At;
        return ctx.At - memory.Since.Value >= Duration;
    }
}
