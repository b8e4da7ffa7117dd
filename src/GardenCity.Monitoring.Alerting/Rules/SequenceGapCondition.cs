namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>Holds when at least a number of sequence numbers went missing within a window (messages lost before the broker).</summary>
public sealed class SequenceGapCondition(TimeSpan within, long minMissing) : Condition
{
    /// <summary>The window.</summary>
    public TimeSpan Within { get; } = within;

    /// <summary>Missing numbers that count.</summary>
    public long MinMissing { get; } = minMissing;

    /// <inheritdoc/>
    public override TimeSpan Lookback => Within;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        double missing = ctx.Series.Gaps(ctx.At, Within).Sum(g => g.Value);
        ctx.Report(missing, MinMissing);
        return missing >= MinMissing;
    }
}
