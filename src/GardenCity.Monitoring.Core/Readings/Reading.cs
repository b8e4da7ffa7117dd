using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Readings;

/// <summary>
/// One accepted sample from a station. <see cref="Timestamp"/> is the station's time of measurement,
/// in UTC, never the time of arrival.
/// </summary>
public abstract record Reading(Station Station, DateTimeOffset Timestamp, long? Seq)
{
    /// <summary>
    /// What the quality checks found (docs/data-quality.md); null when the reading was not checked (not telemetry, or
    /// read back from a store that had no flags).
    /// </summary>
    public ReadingQuality? Quality { get; init; }
}

/// <summary>A telemetry sample: numeric values keyed by contract field name.</summary>
public sealed record TelemetryReading(Station Station, DateTimeOffset Timestamp, long? Seq, IReadOnlyDictionary<string, double> Values)
    : Reading(Station, Timestamp, Seq);

/// <summary>A species (or <c>human</c>, <c>vehicle</c>, <c>unknown</c>) seen in a camera-trap event.</summary>
public sealed record Detection(string Species, int Count, double Confidence);

/// <summary>A camera-trap trigger; no detections means a blank trigger.</summary>
public sealed record CameraTrapEvent(Station Station, DateTimeOffset Timestamp, long? Seq, string EventId, string? ImageUri, IReadOnlyList<Detection> Detections)
    : Reading(Station, Timestamp, Seq);

/// <summary>What a fire station detected.</summary>
public enum FireDetectionType
{
    /// <summary>Smoke.</summary>
    Smoke,

    /// <summary>Flame.</summary>
    Flame,
}

/// <summary>A smoke or flame detection by a fire station.</summary>
public sealed record FireEvent(Station Station, DateTimeOffset Timestamp, long? Seq, string EventId, FireDetectionType Detection, double Confidence, double? BearingDeg)
    : Reading(Station, Timestamp, Seq);

/// <summary>A station's health report (also its Last Will, with <see cref="Online"/> false).</summary>
public sealed record StatusReading(Station Station, DateTimeOffset Timestamp, long? Seq, bool Online, double? BatteryV, double? RssiDbm, string? Firmware)
    : Reading(Station, Timestamp, Seq);

/// <summary>
/// New quality flags for a telemetry reading stored earlier (a later sample showed its jump was a spike). Stored as the
/// earlier point's <c>quality</c> and <c>quality_checks</c> fields only, at the same measurement, tags and time, so the
/// reading stays one point and its values are untouched.
/// </summary>
public sealed record QualityUpdate(Station Station, DateTimeOffset Timestamp, ReadingQuality NewQuality)
    : Reading(Station, Timestamp, null);
