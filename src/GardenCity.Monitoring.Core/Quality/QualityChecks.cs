namespace GardenCity.Monitoring.Core.Quality;

/// <summary>
/// The checks that found something in a value (docs/data-quality.md). A value's flag follows from them: see
/// <see cref="QualityFlags.Of(QualityChecks)"/>. Stored as their wire names, never as this number.
/// </summary>
[Flags]
public enum QualityChecks
{
    /// <summary>No check found anything.</summary>
    None = 0,

    /// <summary>Outside the soft limits: possible, but unusual for this station (doubtful).</summary>
    SoftLimit = 1,

    /// <summary>Changed faster than is plausible since the previous sample (doubtful until the next sample tells).</summary>
    RateOfChange = 2,

    /// <summary>A jump that came straight back: a spike, not the river (bad).</summary>
    Spike = 4,

    /// <summary>The same value for too many samples and too long: a stuck sensor (doubtful).</summary>
    Stuck = 8,

    /// <summary>The station's clock is consistently ahead of or behind the receipt time (doubtful).</summary>
    ClockDrift = 16,

    /// <summary>Sequence numbers were skipped just before this reading (informational: the value itself is fine).</summary>
    SequenceGap = 32,
}
