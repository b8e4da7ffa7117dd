namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>Any of the inner conditions holds (every one is evaluated, so each keeps its memory current).</summary>
public sealed class AnyCondition(IReadOnlyList<Condition> conditions) : Condition
{
    /// <inheritdoc/>
    public override IEnumerable<Condition> Children => conditions;

    /// <inheritdoc/>
    public override TimeSpan Lookback => conditions.Max(c => c.Lookback);

    /// <inheritdoc/>
    public override bool Evaluate(EvalContext ctx)
    {
        bool any = false;
        foreach (Condition c in conditions)
        {
            any |= c.Evaluate(ctx);
        }

        return any;
    }
}
