using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>
/// Maps readings to InfluxDB points in line protocol (<see cref="LineProtocolBuffer"/>), following the schema in <c>docs/influxdb-schema.md</c>.
/// A point's identity is measurement + tags + timestamp, so a redelivered reading overwrites itself.
/// </summary>
public static class PointMapper
{
    /// <summary>Measurement of weather telemetry.</summary>
    public const string Weather = "weather";

    /// <summary>Measurement of water-level telemetry.</summary>
    public const string WaterLevel = "water_level";

    /// <summary>Measurement of fire-station telemetry.</summary>
    public const string Fire = "fire";

    /// <summary>Measurement of camera-trap detections, one point per species per trigger.</summary>
    public const string CameraTrap = "camera_trap";

    /// <summary>Measurement of every camera-trap trigger, blank ones included.</summary>
    public const string CameraTrapTrigger = "camera_trap_trigger";

    /// <summary>Measurement of fire detections (smoke, flame).</summary>
    public const string FireEvent = "fire_event";

    /// <summary>Measurement of station status reports.</summary>
    public const string StationStatus = "station_status";

    /// <summary>Writes one reading's points (a camera-trap event gives a trigger point plus one per species) to <paramref name="lines"/>.</summary>
    public static void Write(LineProtocolBuffer lines, Reading reading)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(reading);
        switch (reading)
        {
            case TelemetryReading t:
                Base(lines, TelemetryMeasurement(t.Station.Kind), t);
                foreach ((string field, double value) in t.Values)
                {
                    lines.Field(field, value);
                }

                WithQuality(lines, t.Quality).End(t.Timestamp);
                break;

            case QualityUpdate u:
                // Only the flags: InfluxDB merges fields of one point (measurement + tags + time), so the values stay.
                WithQuality(Tags(lines.Point(TelemetryMeasurement(u.Station.Kind)), u.Station), u.NewQuality).End(u.Timestamp);
                break;

            case CameraTrapEvent e:
                Base(lines, CameraTrapTrigger, e)
                    .Field("event_id", e.EventId)
                    .Field("detections", (long)e.Detections.Count)
                    .Field("image_uri", e.ImageUri ?? string.Empty)
                    .End(e.Timestamp);

                // One point per species: the same species twice in one trigger is merged (counts summed, best confidence).
                for (int i = 0; i < e.Detections.Count; i++)
                {
                    string species = e.Detections[i].Species;
                    if (FirstOf(e.Detections, species) != i)
                    {
                        continue;
                    }

                    long count = 0;
                    double confidence = double.MinValue;
                    for (int j = i; j < e.Detections.Count; j++)
                    {
                        if (string.Equals(e.Detections[j].Species, species, StringComparison.Ordinal))
                        {
                            count += e.Detections[j].Count;
                            confidence = Math.Max(confidence, e.Detections[j].Confidence);
                        }
                    }

                    Base(lines, CameraTrap, e)
                        .Tag("species", species)
                        .Field("count", count)
                        .Field("confidence", confidence)
                        .Field("event_id", e.EventId)
                        .End(e.Timestamp);
                }

                break;

            case FireEvent f:
                Base(lines, FireEvent, f)
                    .Tag("detection", f.Detection == FireDetectionType.Smoke ? "smoke" : "flame")
                    .Field("confidence", f.Confidence)
                    .Field("event_id", f.EventId);
                if (f.BearingDeg is { } bearing)
                {
                    lines.Field("bearing_deg", bearing);
                }

                lines.End(f.Timestamp);
                break;

            case StatusReading s:
                Base(lines, StationStatus, s).Field("online", s.Online);
                if (s.BatteryV is { } battery)
                {
                    lines.Field("battery_v", battery);
                }

                if (s.RssiDbm is { } rssi)
                {
                    lines.Field("rssi_dbm", rssi);
                }

                lines.Field("firmware", s.Firmware).End(s.Timestamp);
                break;

            default:
                throw new ArgumentException($"Unknown reading type {reading.GetType().Name}.", nameof(reading));
        }
    }

    /// <summary>Writes the readings' points to <paramref name="lines"/>, one point per line.</summary>
    public static void Write(LineProtocolBuffer lines, IEnumerable<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        foreach (Reading reading in readings)
        {
            Write(lines, reading);
        }
    }

    /// <summary>Line protocol of readings as text, one point per line, nanosecond timestamps (for dead letters and logs).</summary>
    public static string ToLineProtocol(IEnumerable<Reading> readings)
    {
        var lines = new LineProtocolBuffer(1024);
        Write(lines, readings);
        return lines.ToString();
    }

    private static int FirstOf(IReadOnlyList<Detection> detections, string species)
    {
        for (int i = 0; ; i++)
        {
            if (string.Equals(detections[i].Species, species, StringComparison.Ordinal))
            {
                return i;
            }
        }
    }

    /// <summary>The telemetry measurement of a kind.</summary>
    public static string TelemetryMeasurement(StationKind kind) => kind switch
    {
        StationKind.Weather => Weather,
        StationKind.WaterLevel => WaterLevel,
        StationKind.Fire => Fire,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "camera traps send events, not telemetry"),
    };

    /// <summary>Field of a telemetry point: its worst flag, <c>good</c>, <c>doubtful</c> or <c>bad</c> (docs/data-quality.md).</summary>
    public const string QualityField = "quality";

    /// <summary>Field of a telemetry point: the checks that found something, <c>check:field</c> entries, comma-separated.</summary>
    public const string QualityChecksField = "quality_checks";

    // Flags are written only where a check found something: most readings are good, and two string fields on every
    // point cost InfluxDB a third more bytes to write (seen in MosquittoCrashTests, where the slower worker let Mosquitto
    // lose more at a SIGKILL). A re-evaluation only ever makes flags worse (a jump becomes a spike), so a point never has
    // stale flags to clear; a point without them is good (or was stored before the checks existed).
    private static LineProtocolBuffer WithQuality(LineProtocolBuffer lines, ReadingQuality? quality) => quality is null || quality.Fields.Count == 0 ? lines :
        lines.Field(QualityField, quality.Flag.ToWireName()).Field(QualityChecksField, quality.ToString());

    private static LineProtocolBuffer Base(LineProtocolBuffer lines, string measurement, Reading reading)
    {
        Tags(lines.Point(measurement), reading.Station);
        return reading.Seq is { } seq ? lines.Field("seq", seq) : lines;
    }

    private static LineProtocolBuffer Tags(LineProtocolBuffer lines, Station station) => lines
        .Tag("station", station.Id)
        .Tag("site", station.Site.Id)
        .Tag("kind", station.Kind.ToWireName())
        .Tag("watershed", station.Watershed)
        .Tag("zone", station.Zone);
}
