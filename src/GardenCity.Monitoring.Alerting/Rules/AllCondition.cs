namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>All of the inner conditions hold (every one is evaluated, so each keeps its memory current).</summary>
public sealed class AllCondition(IReadOnlyList<Condition> conditions) : Condition
{
    /// <inheritdoc/>
    public override IEnumerable<Condition> Children => conditions;

    /// <inheritdoc/>
    public override TimeSpan Lookback => conditions.Max(c => c.Lookback);

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        bool all = true;
        foreach (Condition c in conditions)
        {
            all &= c.Evaluate(ctx);
        }

        return all;
    }
}
