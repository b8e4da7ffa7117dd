using System.Collections.Frozen;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Wire;

/// <summary>
/// A numeric field of the wire contract, its valid range (inclusive) and the decimals its sensor reports (the query
/// API rounds stored values and aggregates to them: no <c>100.60000000000002</c>).
/// </summary>
public sealed record FieldSpec(string Name, double Min, double Max, int Decimals = 1);

/// <summary>The fields each kind may send in <c>values</c>, from the contract's table.</summary>
public static class FieldSpecs
{
    private static readonly FieldSpec AirTemp = new("air_temp_c", -60, 60);
    private static readonly FieldSpec Humidity = new("rh_pct", 0, 100);
    private static readonly FieldSpec WindSpeed = new("wind_speed_ms", 0, 90);
    private static readonly FieldSpec Rain = new("rain_mm", 0, 500);

    private static readonly FrozenDictionary<StationKind, FrozenDictionary<string, FieldSpec>> Telemetry =
        new Dictionary<StationKind, FrozenDictionary<string, FieldSpec>>
        {
            [StationKind.Weather] = Index(AirTemp, Humidity, WindSpeed, new("wind_dir_deg", 0, 360, 0), Rain, new("pressure_hpa", 500, 1100)),
            [StationKind.WaterLevel] = Index(new("water_level_m", -20, 200, 2), new("flow_m3s", 0, 100000, 2), Rain),
            [StationKind.Fire] = Index(AirTemp, Humidity, WindSpeed, new("co_ppm", 0, 10000, 0), new("smoke_obscuration_pct_m", 0, 100, 2)),
            [StationKind.CameraTrap] = Index(),
        }.ToFrozenDictionary();

    /// <summary>Detection <c>count</c> of a camera-trap event.</summary>
    public static FieldSpec DetectionCount { get; } = new("count", 1, 1000, 0);

    /// <summary><c>confidence</c> of a detection.</summary>
    public static FieldSpec Confidence { get; } = new("confidence", 0, 1, 2);

    /// <summary><c>bearing_deg</c> of a fire detection.</summary>
    public static FieldSpec BearingDeg { get; } = new("bearing_deg", 0, 360, 0);

    /// <summary>Status field <c>battery_v</c>.</summary>
    public static FieldSpec BatteryV { get; } = new("battery_v", 0, 60, 2);

    /// <summary>Status field <c>rssi_dbm</c>.</summary>
    public static FieldSpec RssiDbm { get; } = new("rssi_dbm", -150, 0, 0);

    /// <summary>The telemetry fields of a kind (camera traps send no telemetry values).</summary>
    public static FrozenDictionary<string, FieldSpec> TelemetryFor(StationKind kind) => Telemetry[kind];

    /// <summary>The decimals a field of a kind is reported with (telemetry and status fields); 2 for a field the contract does not list.</summary>
    public static int Decimals(StationKind kind, string field) =>
        Telemetry[kind].TryGetValue(field, out FieldSpec? spec) ? spec.Decimals
        : field == BatteryV.Name ? BatteryV.Decimals
        : field == RssiDbm.Name ? RssiDbm.Decimals
        : 2;

    private static FrozenDictionary<string, FieldSpec> Index(params FieldSpec[] specs) =>
        specs.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);
}
