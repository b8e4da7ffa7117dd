using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// The geohazard thresholds in force for a hazard unit (docs/geohazard.md), as the rules running say: declared here so
/// that the query API can draw a unit's threshold curves without referencing the alerting worker, which implements it.
/// Thread-safe.
/// </summary>
public interface IGeohazardThresholds
{
    /// <summary>Whether an alerting worker runs in this process (false: <see cref="ForUnit"/> gives nothing).</summary>
    bool IsAvailable { get; }

    /// <summary>The thresholds of the rules that watch <paramref name="unit"/>, with the unit's own parameters applied; empty when none.</summary>
    IReadOnlyList<GeohazardThreshold> ForUnit(HazardUnit unit);
}
