using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Api.Alerts;

/// <summary>
/// Without the alerting role in this process the rules are not loaded here: the geohazard endpoints then show the
/// stored figures with <c>thresholds</c> and <c>level</c> null (unknown, not "none"; docs/api.md).
/// </summary>
internal sealed class NoGeohazardThresholds : IGeohazardThresholds
{
    public static NoGeohazardThresholds Instance { get; } = new();

    public bool IsAvailable => false;

    public IReadOnlyList<GeohazardThreshold> ForUnit(HazardUnit unit) => [];
}
