namespace GardenCity.Monitoring.Core.Quality;

/// <summary>Soft limits: a value outside them is kept and flagged doubtful (hard limits, in the wire contract, reject).</summary>
/// <param name="Min">Lowest usual value, or null for none.</param>
/// <param name="Max">Highest usual value, or null for none.</param>
public sealed record SoftLimits(double? Min, double? Max);

/// <summary>Rate of change: a step larger than <paramref name="MaxChange"/> from a sample at most <paramref name="Within"/> earlier is doubtful.</summary>
/// <param name="MaxChange">Largest plausible change (absolute, in the field's unit).</param>
/// <param name="Within">Only consecutive samples at most this far apart are compared (a gap of hours may hold a real rise).</param>
public sealed record RateRule(double MaxChange, TimeSpan Within);

/// <summary>
/// Spike: a rate-of-change jump whose next sample, at most <paramref name="ReturnWithin"/> later, is back within
/// <paramref name="Tolerance"/> of the value before the jump. The jump is then re-flagged bad.
/// </summary>
/// <param name="ReturnWithin">How soon the value must come back.</param>
/// <param name="Tolerance">How close to the value before the jump it must come back.</param>
public sealed record SpikeRule(TimeSpan ReturnWithin, double Tolerance);

/// <summary>Stuck: at least <paramref name="Samples"/> samples over at least <paramref name="For"/> within <paramref name="Tolerance"/> of the first.</summary>
/// <param name="Samples">Samples in the flat run, the first included.</param>
/// <param name="For">Span of the flat run.</param>
/// <param name="Tolerance">Largest difference from the run's first value still counted as the same value.</param>
public sealed record StuckRule(int Samples, TimeSpan For, double Tolerance);

/// <summary>Clock drift: the last <paramref name="Samples"/> readings all off the receipt time by more than <paramref name="Tolerance"/>, in one direction, while arriving at the pace they were measured (a backlog arrives faster and is not drift).</summary>
/// <param name="Tolerance">Largest offset from the receipt time still counted as on time.</param>
/// <param name="Samples">Consecutive readings needed.</param>
public sealed record ClockDriftRule(TimeSpan Tolerance, int Samples);

/// <summary>The checks of one field; a null check is off.</summary>
public sealed record FieldQualityRules
{
    /// <summary>No check.</summary>
    public static FieldQualityRules None { get; } = new();

    /// <summary>Soft limits.</summary>
    public SoftLimits? Soft { get; init; }

    /// <summary>Rate of change.</summary>
    public RateRule? Rate { get; init; }

    /// <summary>Spike (needs <see cref="Rate"/>).</summary>
    public SpikeRule? Spike { get; init; }

    /// <summary>Stuck sensor.</summary>
    public StuckRule? Stuck { get; init; }
}
