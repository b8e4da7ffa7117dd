namespace GardenCity.Monitoring.Core.Time;

/// <summary>
/// The alerting engine's watermark (the latest measurement time of a reading that was not late), as the query API
/// sees it when the alerting role runs in the same process: the "now" of a replay under the clock policy
/// (docs/alerting.md, "Clock policy"). Declared in Core so that neither Alerting nor Api references the other.
/// </summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface IAlertingWatermark
{
    /// <summary>The engine's watermark, or null before its first reading.</summary>
    DateTimeOffset? Watermark { get; }
}
