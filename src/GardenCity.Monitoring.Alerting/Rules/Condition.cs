namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>A condition of a rule level. Conditions are immutable; their state lives in <see cref="LeafMemory"/>.</summary>
public abstract class Condition
{
    /// <summary>Unique within the rule; keys its memory.</summary>
    public int Id { get; internal set; }

    /// <summary>Conditions inside this one.</summary>
    public virtual IEnumerable<Condition> Children => [];

    /// <summary>How far back this condition looks.</summary>
    public virtual TimeSpan Lookback => TimeSpan.Zero;

    /// <summary>Whether the condition holds.</summary>
    public abstract bool Evaluate(EvalContext ctx);

    /// <summary>This condition and every one inside it.</summary>
    public IEnumerable<Condition> SelfAndDescendants() => Children.SelectMany(c => c.SelfAndDescendants()).Prepend(this);
}
