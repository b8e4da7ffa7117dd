using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Readings;

/// <summary>
/// One accepted sample from a station. <see cref="Timestamp"/> is the station's time of measurement,
/// in UTC, never the time of arrival.
/// </summary>
public abstract record Reading(Station Station, DateTimeOffset Timestamp, long? Seq);

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
