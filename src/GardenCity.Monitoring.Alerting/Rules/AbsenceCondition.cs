namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>Holds when nothing was heard from the station for a duration.</summary>
public sealed class AbsenceCondition(TimeSpan duration) : Condition
{
    /// <summary>Silence that counts as absent.</summary>
    public TimeSpan Duration { get; } = duration;

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        DateTimeOffset last = ctx.Series.LastHeard ?? ctx.NeverHeardSince;
        TimeSpan silent = ctx.AbsenceNow - last;
        ctx.Report(Math.Round(silent.TotalMinutes), Duration.TotalMinutes);
        return silent >= Duration;
    }
}
