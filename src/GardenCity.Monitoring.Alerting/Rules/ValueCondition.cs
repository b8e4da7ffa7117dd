using GardenCity.Monitoring.Alerting.Engine;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>
/// Threshold with hysteresis on a field's latest value or a rolling aggregate: raises at ≥ x (or ≤ x), and once on,
/// stays on until the value falls below x − deadband (rises above x + deadband).
/// </summary>
public sealed class ValueCondition(string field, Aggregate aggregate, TimeSpan window, Bound bound, bool atLeast, double deadband) : Condition
{
    /// <summary>The field.</summary>
    public string Field { get; } = field;

    /// <summary>The reduction.</summary>
    public Aggregate Aggregate { get; } = aggregate;

    /// <summary>The rolling window (zero for <see cref="Aggregate.Latest"/>).</summary>
    public TimeSpan Window { get; } = window;

    /// <summary>The threshold.</summary>
    public Bound Bound { get; } = bound;

    /// <summary>True for "at least", false for "at most".</summary>
    public bool AtLeast { get; } = atLeast;

    /// <summary>Hysteresis band, in the field's unit.</summary>
    public double Deadband { get; } = deadband;

    /// <inheritdoc/>
    public override TimeSpan Lookback => Window;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        LeafMemory memory = ctx.MemoryOf(Id);
        if (Bound.For(ctx.Station) is not { } threshold || Value(ctx) is not { } value)
        {
            memory.On = false;
            return false;
        }

        double limit = memory.On ? (AtLeast ? threshold - Deadband : threshold + Deadband) : threshold;
        memory.On = AtLeast ? value >= limit : value <= limit;
        ctx.Report(value, threshold);
        return memory.On;
    }

    /// <summary>The field's value for this condition at <see cref="EvalContext.At"/>; null when there is none.</summary>
    public double? Value(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        TimeSeries? series = ctx.Series.Field(Field);
        if (series is null)
        {
            return null;
        }

        if (Aggregate == Aggregate.Latest)
        {
            return series.Latest(ctx.At, ctx.Admit)?.Value;
        }

        var values = series.Window(ctx.At, Window).Where(ctx.Counts).Select(s => s.Value).ToList();
        if (values.Count == 0)
        {
            return Aggregate == Aggregate.Sum ? 0 : null;
        }

        return Aggregate switch
        {
            Aggregate.Sum => values.Sum(),
            Aggregate.Mean => values.Average(),
            Aggregate.Max => values.Max(),
            _ => values.Min(),
        };
    }
}
