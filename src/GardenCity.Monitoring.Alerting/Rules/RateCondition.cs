namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>
/// Rate of change over a window, per hour: (last − first) / their time apart, using the samples in the window; needs
/// two samples at least half the window apart.
/// </summary>
public sealed class RateCondition(string field, TimeSpan window, double perHour, bool rising) : Condition
{
    /// <summary>The field.</summary>
    public string Field { get; } = field;

    /// <summary>The window.</summary>
    public TimeSpan Window { get; } = window;

    /// <summary>Threshold in the field's unit per hour (positive).</summary>
    public double PerHour { get; } = perHour;

    /// <summary>True for a rise, false for a fall.</summary>
    public bool Rising { get; } = rising;

    /// <inheritdoc/>
    public override TimeSpan Lookback => Window;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        if (Rate(ctx) is not { } rate)
        {
            return false;
        }

        ctx.Report(rate, PerHour);
        return Rising ? rate >= PerHour : -rate >= PerHour;
    }

    /// <summary>The rate per hour at <see cref="EvalContext.At"/>, or null without enough data.</summary>
    public double? Rate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var samples = ctx.Series.Field(Field)?.Window(ctx.At, Window).Where(ctx.Counts).ToList();
        if (samples is null || samples.Count < 2)
        {
            return null;
        }

        double hours = (samples[^1].Time - samples[0].Time).TotalHours;
        return hours < Window.TotalHours / 2 ? null : (samples[^1].Value - samples[0].Value) / hours;
    }
}
