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
        if (ctx.Series.Field(Field)?.Ends(ctx.At, Window, ctx.Admit) is not var (first, last))
        {
            return null;
        }

        double hours = (last.Time - first.Time).TotalHours;
        return hours < Window.TotalHours / 2 ? null : (last.Value - first.Value) / hours;
    }
}
