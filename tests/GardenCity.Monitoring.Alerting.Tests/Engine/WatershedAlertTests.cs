using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>
/// <c>watershed_alert</c> follows the alerts in force as they change: the engine works the watershed summary out again
/// only after an alert changed (raised, ended, closed by hand), so every change must reach it.
/// </summary>
public sealed class WatershedAlertTests
{
    private const string Yaml = """
        rules:
          - id: storm
            name: { zh: 暴雨, en: Storm }
            audience: emergency
            category: Met
            watch: { kinds: [weather] }
            cooldown: 10m
            levels:
              - severity: yellow
                when: { threshold: { field: rain_mm, at_least: 10 } }
            message: { zh: "{station_zh} {value:0.0}", en: "{station_en} {value:0.0} {severity}" }
          - id: in-storm
            name: { zh: 流域暴雨, en: In storm }
            audience: emergency
            category: Met
            watch: { kinds: [weather] }
            cooldown: 10m
            levels:
              - severity: blue
                when: { watershed_alert: { rule: storm, at_least: yellow } }
            message: { zh: "{station_zh}", en: "{station_en} {severity}" }
        """;

    // Two weather stations of one watershed, and one of another (or none).
    private static readonly Station[] Weather = [.. Registry.Stations.Where(s => s.Kind == StationKind.Weather && s.Watershed is not null).OrderBy(s => s.Id, StringComparer.Ordinal)];
    private static readonly Station A = Weather.First(s => Weather.Count(o => o.Watershed == s.Watershed) >= 2);
    private static readonly Station B = Weather.First(s => s.Watershed == A.Watershed && s.Id != A.Id);
    private static readonly Station Elsewhere = Registry.Stations.First(s => s.Kind == StationKind.Weather && s.Watershed != A.Watershed);

    private static List<AlertChange> Rain(AlertEngine engine, Station station, int minute, double mm) =>
        [.. engine.Process(Telemetry(station.Id, T0.AddMinutes(minute), minute, ("rain_mm", mm)), DateTimeOffset.MaxValue).Changes];

    [Fact]
    public void Process_StormRaisedThenEndsOnItsOwn_TheWatershedConditionFollows()
    {
        AlertEngine engine = TestData.Engine(Yaml);
        Assert.Contains(Rain(engine, A, 0, 20), c => c.Rule.Id == "storm" && c.Transition == Transition.Raised);
        Assert.Contains(Rain(engine, B, 1, 0), c => c.Rule.Id == "in-storm" && c.Transition == Transition.Raised && c.Alert.StationId == B.Id);
        Assert.DoesNotContain(Rain(engine, Elsewhere, 2, 0), c => c.Rule.Id == "in-storm" && c.Transition == Transition.Raised);

        Assert.Contains(Rain(engine, A, 30, 0), c => c.Rule.Id == "storm" && c.Transition == Transition.Resolved); // dry past the cooldown
        Assert.Contains(Rain(engine, B, 45, 0), c => c.Rule.Id == "in-storm" && c.Transition == Transition.Resolved && c.Alert.StationId == B.Id);
        Assert.Empty(engine.Active);
        Assert.Equal(0, engine.ActiveCount);
    }

    [Fact]
    public void Process_StormClosedByHand_TheWatershedConditionNoLongerHolds()
    {
        AlertEngine engine = TestData.Engine(Yaml);
        AlertChange storm = Assert.Single(Rain(engine, A, 0, 20), c => c.Rule.Id == "storm" && c.Transition == Transition.Raised);
        Assert.Contains(Rain(engine, B, 1, 0), c => c.Rule.Id == "in-storm" && c.Transition == Transition.Raised);
        int before = engine.ActiveCount;

        Assert.NotNull(engine.Close(storm.Alert.Id, "duty officer", "gauge under maintenance", T0.AddMinutes(2)));
        Assert.Equal(before - 1, engine.ActiveCount);

        Assert.Contains(Rain(engine, B, 20, 0), c => c.Rule.Id == "in-storm" && c.Transition == Transition.Resolved && c.Alert.StationId == B.Id);
        Assert.Equal(engine.Active.Count, engine.ActiveCount);
    }
}
