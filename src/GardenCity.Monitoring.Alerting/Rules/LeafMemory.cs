namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>What one condition remembers between evaluations for one (rule, station): hysteresis and "holding since".</summary>
public sealed class LeafMemory
{
    /// <summary>Whether the condition held at the last evaluation (hysteresis).</summary>
    public bool On { get; set; }

    /// <summary>Since when the inner condition of a <see cref="SustainedCondition"/> has held.</summary>
    public DateTimeOffset? Since { get; set; }
}
