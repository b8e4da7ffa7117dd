namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>How a <see cref="ValueCondition"/> reduces a field's samples.</summary>
public enum Aggregate
{
    /// <summary>The latest value.</summary>
    Latest,

    /// <summary>Sum over the window (e.g. rain accumulation).</summary>
    Sum,

    /// <summary>Mean over the window.</summary>
    Mean,

    /// <summary>Maximum over the window.</summary>
    Max,

    /// <summary>Minimum over the window.</summary>
    Min,
}
