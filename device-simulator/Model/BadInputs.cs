using System.Text;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>One malformed message and the rejection reason the contract requires for it.</summary>
public sealed record BadInput(string Topic, byte[] Payload, string ExpectedReason);

/// <summary>Every kind of malformed message wire contract v1 rejects, built for a given station and time.</summary>
public static class BadInputs
{
    private delegate BadInput Maker(SimStation station, DateTimeOffset t, long seq, SimStation? cameraTrap);

    private static readonly Maker[] Makers =
    [
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":{"{{{Field(s)}}}":-999}}""", "out-of-range"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t).TrimEnd('Z')}}}","seq":{{{q}}},"values":{"{{{Field(s)}}}":1}}""", "ts-without-zone"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"2100-01-01T00:00:00Z","seq":{{{q}}},"values":{"{{{Field(s)}}}":1}}""", "ts-in-future"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"1970-01-01T00:00:00Z","seq":{{{q}}},"values":{"{{{Field(s)}}}":1}}""", "ts-too-old"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"yesterday","seq":{{{q}}},"values":{"{{{Field(s)}}}":1}}""", "invalid-ts"),
        (s, t, q, c) => Telemetry(s, $$$"""{"seq":{{{q}}},"values":{"{{{Field(s)}}}":1}}""", "missing-ts"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","values":{"{{{Field(s)}}}":1}}""", "missing-seq"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":-{{{q}}},"values":{"{{{Field(s)}}}":1}}""", "invalid-seq"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":{"{{{Field(s)}}}":"NaN"}}""", "not-a-number"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":{"{{{Field(s)}}}":1e999}}""", "non-finite"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":{"temperature":21.5}}""", "unknown-field"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":{}}""", "no-values"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}}}""", "missing-field"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":[1,2]}""", "invalid-structure"),
        (s, t, q, c) => Telemetry(s, $$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":{"{{{Field(s)}}}":""", "malformed-json"),
        (s, t, q, c) => Telemetry(s, new string('[', 200) + new string(']', 200), "malformed-json"),
        (s, t, q, c) => new BadInput(Topic(s), [0x7b, 0x22, 0x74, 0x73, 0x22, 0x3a, 0xc3, 0x28, 0x7d], "invalid-utf8"),
        (s, t, q, c) => new BadInput(Topic(s), Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', 70_000) + "\"}"), "payload-too-large"),
        (s, t, q, c) => new BadInput($"gc/v1/{s.Kind.ToWireName()}/{s.Id}-ghost/telemetry", Encoding.UTF8.GetBytes($$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":{"{{{Field(s)}}}":1}}"""), "unknown-station"),
        (s, t, q, c) => new BadInput($"gc/v1/{(s.Kind == StationKind.Weather ? "fire" : "weather")}/{s.Id}/telemetry", Encoding.UTF8.GetBytes($$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"values":{"air_temp_c":1}}"""), "kind-mismatch"),
        (s, t, q, c) => new BadInput($"gc/v1/{s.Kind.ToWireName()}/{s.Id}/diary", Encoding.UTF8.GetBytes("{}"), "invalid-topic"),
        (s, t, q, c) => new BadInput($"gc/v1/camera-trap/{(c ?? s).Id}/event", Encoding.UTF8.GetBytes($$$"""{"ts":"{{{Payloads.Ts(t)}}}","seq":{{{q}}},"event_id":"bad","detections":[{"species":"leopard","count":1,"confidence":0.9}]}"""), c is null ? "kind-mismatch" : "invalid-event"),
    ];

    /// <summary>How many distinct malformed messages there are.</summary>
    public static int Count => Makers.Length;

    /// <summary>
    /// The <paramref name="index"/>-th malformed message (cycling) for a weather, water-level or fire station at a time;
    /// the malformed camera-trap event goes out under <paramref name="cameraTrap"/>'s id when the fleet has one.
    /// </summary>
    public static BadInput Make(int index, SimStation station, DateTimeOffset t, long seq, SimStation? cameraTrap) =>
        station.Kind == StationKind.CameraTrap
            ? throw new ArgumentException("camera traps send no telemetry to corrupt", nameof(station))
            : Makers[index % Makers.Length](station, t, seq, cameraTrap);

    private static string Topic(SimStation s) => $"gc/v1/{s.Kind.ToWireName()}/{s.Id}/telemetry";

    private static BadInput Telemetry(SimStation s, string json, string reason) => new(Topic(s), Encoding.UTF8.GetBytes(json), reason);

    private static string Field(SimStation s) => s.Kind switch
    {
        StationKind.WaterLevel => "water_level_m",
        StationKind.Fire => "co_ppm",
        _ => "rh_pct",
    };
}
