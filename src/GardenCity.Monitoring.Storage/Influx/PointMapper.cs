using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace GardenCity.Monitoring.Storage.Influx;

/// <summary>
/// Maps readings to InfluxDB points, following the schema in <c>docs/influxdb-schema.md</c>.
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

    /// <summary>Maps one reading to its points (a camera-trap event gives a trigger point plus one per species).</summary>
    public static IEnumerable<PointData> ToPoints(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        switch (reading)
        {
            case TelemetryReading t:
                PointData point = Base(TelemetryMeasurement(t.Station.Kind), t);
                foreach ((string field, double value) in t.Values)
                {
                    point = point.Field(field, value);
                }

                yield return t.Quality is { } quality ? WithQuality(point, quality) : point;
                break;

            case QualityUpdate u:
                // Only the flags: InfluxDB merges fields of one point (measurement + tags + time), so the values stay.
                yield return WithQuality(Tags(PointData.Measurement(TelemetryMeasurement(u.Station.Kind)), u.Station, u.Timestamp), u.NewQuality);
                break;

            case CameraTrapEvent e:
                yield return Base(CameraTrapTrigger, e)
                    .Field("event_id", e.EventId)
                    .Field("detections", (long)e.Detections.Count)
                    .Field("image_uri", e.ImageUri ?? string.Empty);

                // One point per species: the same species twice in one trigger is merged (counts summed, best confidence).
                foreach (IGrouping<string, Detection> species in e.Detections.GroupBy(d => d.Species, StringComparer.Ordinal))
                {
                    yield return Base(CameraTrap, e)
                        .Tag("species", species.Key)
                        .Field("count", (long)species.Sum(d => d.Count))
                        .Field("confidence", species.Max(d => d.Confidence))
                        .Field("event_id", e.EventId);
                }

                break;

            case FireEvent f:
                PointData fire = Base(FireEvent, f)
                    .Tag("detection", f.Detection == FireDetectionType.Smoke ? "smoke" : "flame")
                    .Field("confidence", f.Confidence)
                    .Field("event_id", f.EventId);
                yield return f.BearingDeg is { } bearing ? fire.Field("bearing_deg", bearing) : fire;
                break;

            case StatusReading s:
                PointData status = Base(StationStatus, s).Field("online", s.Online);
                if (s.BatteryV is { } battery)
                {
                    status = status.Field("battery_v", battery);
                }

                if (s.RssiDbm is { } rssi)
                {
                    status = status.Field("rssi_dbm", rssi);
                }

                if (s.Firmware is { } firmware)
                {
                    status = status.Field("firmware", firmware);
                }

                yield return status;
                break;

            default:
                throw new ArgumentException($"Unknown reading type {reading.GetType().Name}.", nameof(reading));
        }
    }

    /// <summary>Line protocol of readings, one point per line, nanosecond timestamps.</summary>
    public static string ToLineProtocol(IEnumerable<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var text = new System.Text.StringBuilder();
        foreach (PointData point in readings.SelectMany(ToPoints))
        {
            text.Append(point.ToLineProtocol()).Append('\n');
        }

        return text.ToString();
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
    private static PointData WithQuality(PointData point, ReadingQuality quality) => quality.Fields.Count == 0 ? point :
        point.Field(QualityField, quality.Flag.ToWireName()).Field(QualityChecksField, quality.ToString());

    private static PointData Base(string measurement, Reading reading)
    {
        PointData point = Tags(PointData.Measurement(measurement), reading.Station, reading.Timestamp);
        return reading.Seq is { } seq ? point.Field("seq", seq) : point;
    }

    private static PointData Tags(PointData point, Station station, DateTimeOffset timestamp)
    {
        point = point
            .Tag("station", station.Id)
            .Tag("site", station.Site.Id)
            .Tag("kind", station.Kind.ToWireName())
            .Timestamp(timestamp, WritePrecision.Ns);
        if (station.Watershed is { } watershed)
        {
            point = point.Tag("watershed", watershed);
        }

        return station.Zone is { } zone ? point.Tag("zone", zone) : point;
    }
}
