using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Tests;

/// <summary>The real registry and helpers to build readings and engines.</summary>
internal static class TestData
{
    public static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));

    public static readonly DateTimeOffset T0 = new(2023, 7, 30, 0, 0, 0, TimeSpan.Zero);

    public static Station Station(string id) => Registry.TryGet(id, out Station? s) ? s : throw new ArgumentException(id);

    public static RuleSet Rules(string yaml) => RuleLoader.Load([(yaml, "test.yaml")], Registry);

    public static RuleSet ShippedRules() => RuleLoader.LoadDirectory(Path.Combine(AppContext.BaseDirectory, "rules"), Registry);

    public static AlertEngine Engine(string yaml, AbsenceClock clock = AbsenceClock.Watermark, TimeSpan? horizon = null) =>
        new(Rules(yaml), Registry, horizon ?? TimeSpan.FromHours(1), clock, T0);

    public static TelemetryReading Telemetry(string station, DateTimeOffset at, long? seq, params (string Field, double Value)[] values) =>
        new(Station(station), at, seq, values.ToDictionary(v => v.Field, v => v.Value));

    public static StatusReading Status(string station, DateTimeOffset at, bool online = true, double? battery = 12.5) =>
        new(Station(station), at, null, online, battery, -70, "1.0");

    public static CameraTrapEvent Camera(string station, DateTimeOffset at, string species, double confidence) =>
        new(Station(station), at, null, $"{station}-{at.Ticks}", null, [new Detection(species, 1, confidence)]);

    public static FireEvent Fire(string station, DateTimeOffset at, FireDetectionType type, double confidence) =>
        new(Station(station), at, null, $"{station}-{at.Ticks}", type, confidence, 200);

    /// <summary>Feeds readings in order; returns every change (wall clock far ahead: event time rules).</summary>
    public static List<AlertChange> Feed(AlertEngine engine, IEnumerable<Reading> readings) =>
        readings.SelectMany(r => engine.Process(r, DateTimeOffset.MaxValue).Changes).ToList();

    /// <summary>A rule file with one rule of the given levels.</summary>
    public static string OneRule(string kinds, string levels, string cooldown = "30m", string extra = "") => $$"""
        rules:
          - id: test-rule
            name: { zh: 测试, en: Test }
            audience: emergency
            category: Met
            watch: { kinds: [{{kinds}}] }
            cooldown: {{cooldown}}
        {{extra}}
            levels:
        {{levels}}
            message: { zh: "{station_zh} {value:0.0}", en: "{station_en} {value:0.0} {severity}" }
        """;
}
