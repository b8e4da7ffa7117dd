using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Storage.Retention;

/// <summary>One hourly aggregate of a raw measurement, written as <c>&lt;measurement&gt;_1h</c> (docs/retention.md, "Hourly aggregates").</summary>
/// <param name="Measurement">The raw measurement.</param>
/// <param name="NumericFields">Fields that get <c>_mean</c>, <c>_min</c>, <c>_max</c>, <c>_sum</c> (floats), <c>_count</c> (integer) and, with <paramref name="Quality"/>, <c>_flag</c>.</param>
/// <param name="Counts">Other aggregates: output field, InfluxQL expression, whether the value is an integer.</param>
/// <param name="Quality">Whether the raw points carry <c>quality_checks</c> (docs/data-quality.md): each field's hour then gets its worst flag.</param>
public sealed record HourlyAggregate(string Measurement, IReadOnlyList<string> NumericFields, IReadOnlyList<(string Field, string Expression, bool Integer)> Counts, bool Quality)
{
    /// <summary>The aggregate's measurement: <c>weather</c> → <c>weather_1h</c>.</summary>
    public string Target => Measurement + DownsamplePlan.Suffix;
}

/// <summary>A raw measurement copied point for point into the kept-for-ever place, with its field types.</summary>
/// <param name="Measurement">The measurement (the same name in both places).</param>
/// <param name="Where">An extra InfluxQL condition, or empty.</param>
/// <param name="Integers">Integer fields.</param>
/// <param name="Strings">String fields.</param>
/// <param name="Booleans">Boolean fields; every other field is a float.</param>
public sealed record RawCopy(string Measurement, string Where, IReadOnlySet<string> Integers, IReadOnlySet<string> Strings, IReadOnlySet<string> Booleans)
{
    /// <summary>The WHERE condition of the copy's points in <paramref name="range"/>: the range and, if any, <see cref="Where"/>.</summary>
    public string Filter(string range) => Where.Length > 0 ? $"{range} AND {Where}" : range;
}

/// <summary>What the hourly job aggregates and copies (docs/retention.md; the raw schema is docs/influxdb-schema.md).</summary>
public static class DownsamplePlan
{
    /// <summary>Suffix of an hourly aggregate's measurement.</summary>
    public const string Suffix = "_1h";

    /// <summary>Fields left out of the aggregates: a mean or minimum of a compass direction means nothing.</summary>
    public static IReadOnlySet<string> NotAggregated { get; } = new HashSet<string>(["wind_dir_deg"], StringComparer.Ordinal);

    /// <summary>The hourly aggregates.</summary>
    public static IReadOnlyList<HourlyAggregate> Aggregates { get; } =
    [
        Telemetry(StationKind.Weather),
        Telemetry(StationKind.WaterLevel),
        Telemetry(StationKind.Fire),
        new(PointMapper.StationStatus, [FieldSpecs.BatteryV.Name, FieldSpecs.RssiDbm.Name], [("reports", "count(\"online\")", true)], false),
        new(PointMapper.FireEvent, [], [("events", "count(\"confidence\")", true), ("confidence_max", "max(\"confidence\")", false)], false),
        new(PointMapper.CameraTrapTrigger, [], [("triggers", "count(\"detections\")", true), ("detections", "sum(\"detections\")", true)], false),
        new(PointMapper.CameraTrap, [], [("detections", "count(\"count\")", true), ("individuals", "sum(\"count\")", true), ("confidence_max", "max(\"confidence\")", false)], false),
    ];

    /// <summary>
    /// Raw measurements kept for ever point for point: what multi-year occupancy, RAI and activity analyses need
    /// (each detection with its time and event, each trigger, and the camera traps' status for trap-nights).
    /// </summary>
    public static IReadOnlyList<RawCopy> Copies { get; } =
    [
        new(PointMapper.CameraTrap, string.Empty, Set("count", "seq"), Set("event_id"), Set()),
        new(PointMapper.CameraTrapTrigger, string.Empty, Set("detections", "seq"), Set("event_id", "image_uri"), Set()),
        new(PointMapper.StationStatus, "\"kind\" = 'camera-trap'", Set("seq"), Set("firmware"), Set("online")),
    ];

    private static HourlyAggregate Telemetry(StationKind kind) => new(
        PointMapper.TelemetryMeasurement(kind),
        [.. FieldSpecs.TelemetryFor(kind).Keys.Where(f => !NotAggregated.Contains(f)).Order(StringComparer.Ordinal)],
        [],
        true);

    private static HashSet<string> Set(params string[] names) => new(names, StringComparer.Ordinal);
}
