using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Readings;
using Microsoft.Extensions.Time.Testing;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>Each condition type through the engine, in event time.</summary>
public sealed class ConditionTests
{
    private const string Gauge = "qs-wl-01"; // warning 2.0 m, guaranteed 3.0 m
    private const string Weather = "bhs-wx-01";

    [Fact]
    public void Threshold_WithDeadband_RaisesAtLevelAndClearsOnlyBelowLevelMinusDeadband()
    {
        AlertEngine engine = TestData.Engine(OneRule("water-level", "      - severity: yellow\n        when: { threshold: { field: water_level_m, at_least: { registry: warning_level_m }, deadband: 0.1 } }", cooldown: "1s"));
        double[] levels = [1.9, 2.0, 1.95, 1.91, 1.89, 2.0];

        var changes = levels.Select((level, i) => Feed(engine, [Telemetry(Gauge, T0.AddMinutes(5 * i), i, ("water_level_m", level))])).ToList();

        Assert.Empty(changes[0]);
        Assert.Equal(Transition.Raised, Assert.Single(changes[1]).Transition);
        Assert.Equal(2.0, changes[1][0].Alert.Threshold);
        Assert.Empty(changes[2]); // 1.95 is inside the deadband
        Assert.Empty(changes[3]); // 1.91 too
        Assert.Equal(Transition.Resolved, Assert.Single(changes[4]).Transition); // 1.89 < 2.0 − 0.1
        Assert.Equal(Transition.Raised, Assert.Single(changes[5]).Transition);
    }

    [Fact]
    public void Threshold_AtMost_RaisesBelowAndClearsAboveLevelPlusDeadband()
    {
        AlertEngine engine = TestData.Engine(OneRule("weather", "      - severity: blue\n        when: { threshold: { field: battery_v, at_most: 11.0, deadband: 0.3 } }", cooldown: "1s"));

        List<AlertChange> changes = Feed(engine, [Status(Weather, T0, battery: 11.0), Status(Weather, T0.AddMinutes(30), battery: 11.2), Status(Weather, T0.AddMinutes(60), battery: 11.31)]);

        Assert.Equal([Transition.Raised, Transition.Resolved], changes.Select(c => c.Transition));
        Assert.Equal(T0.AddMinutes(60), changes[1].Alert.UpdatedAt);
    }

    [Fact]
    public void Sum_RollingWindow_CountsOnlyTheWindowInEventTime()
    {
        AlertEngine engine = TestData.Engine(OneRule("weather", "      - severity: orange\n        when: { sum: { field: rain_mm, window: 3h, at_least: 50 } }", cooldown: "1s"));
        // 20 mm every hour: 3 h window holds 60 mm from the third sample on; a dry spell empties it.
        var readings = new List<Reading>();
        for (int h = 0; h < 4; h++)
        {
            readings.Add(Telemetry(Weather, T0.AddHours(h), h, ("rain_mm", 20)));
        }

        for (int h = 4; h < 8; h++)
        {
            readings.Add(Telemetry(Weather, T0.AddHours(h), h, ("rain_mm", 0)));
        }

        List<AlertChange> changes = Feed(engine, readings);

        Assert.Equal([Transition.Raised, Transition.Resolved], changes.Select(c => c.Transition));
        Assert.Equal(T0.AddHours(2), changes[0].Alert.RaisedAt);
        Assert.Equal(60, changes[0].Alert.Value);
        Assert.Equal(T0.AddHours(4), changes[1].Alert.UpdatedAt); // window (1h, 4h] holds 20+20+0 mm < 50
    }

    [Theory]
    [InlineData("mean", "at_least: 10", 15.0)]
    [InlineData("max", "at_least: 20", 30.0)]
    [InlineData("min", "at_most: 0", 0.0)]
    public void Aggregates_MeanMaxMin_UseTheWindowValues(string aggregate, string bound, double expected)
    {
        AlertEngine engine = TestData.Engine(OneRule("weather", $"      - severity: blue\n        when: {{ {aggregate}: {{ field: air_temp_c, window: 1h, {bound} }} }}"));

        List<AlertChange> changes = Feed(engine, [Telemetry(Weather, T0, 1, ("air_temp_c", 5)), Telemetry(Weather, T0.AddMinutes(70), 2, ("air_temp_c", 0)), Telemetry(Weather, T0.AddMinutes(100), 3, ("air_temp_c", 30))]);

        Assert.Equal(expected, Assert.Single(changes).Alert.Value); // the 5 at T0 is outside every later 1 h window
    }

    [Fact]
    public void Rate_RiseOverWindow_RaisesWhenTheHourlyRiseReachesTheThreshold()
    {
        AlertEngine engine = TestData.Engine(OneRule("water-level", "      - severity: orange\n        when: { rate: { field: water_level_m, window: 1h, rise_at_least: 0.5 } }", cooldown: "1s"));
        // +0.1 m per 15 min = 0.4 m/h, then +0.2 m per 15 min.
        double[] levels = [1.0, 1.1, 1.2, 1.3, 1.4, 1.6, 1.8];

        List<AlertChange> changes = Feed(engine, levels.Select((l, i) => (Reading)Telemetry(Gauge, T0.AddMinutes(15 * i), i, ("water_level_m", l))));

        AlertChange raised = Assert.Single(changes);
        Assert.Equal(T0.AddMinutes(75), raised.Alert.RaisedAt); // window (15, 75]: samples 30..75 min, 1.2 → 1.6 m in 45 min
        Assert.Equal(0.4 / 0.75, raised.Alert.Value!.Value, 9);
    }

    [Fact]
    public void Sustained_InnerConditionHeldLongEnough_ThenRaises()
    {
        AlertEngine engine = TestData.Engine(OneRule("fire", "      - severity: yellow\n        when: { sustained: { for: 20m, when: { threshold: { field: co_ppm, at_least: 25 } } } }", cooldown: "1s"));

        List<AlertChange> changes = Feed(engine, [
            Telemetry("mfs-fire-02", T0, 1, ("co_ppm", 30)),
            Telemetry("mfs-fire-02", T0.AddMinutes(10), 2, ("co_ppm", 10)),   // interrupted: starts again
            Telemetry("mfs-fire-02", T0.AddMinutes(20), 3, ("co_ppm", 30)),
            Telemetry("mfs-fire-02", T0.AddMinutes(30), 4, ("co_ppm", 31)),
            Telemetry("mfs-fire-02", T0.AddMinutes(40), 5, ("co_ppm", 32))]);

        Assert.Equal(T0.AddMinutes(40), Assert.Single(changes).Alert.RaisedAt);
    }

    [Fact]
    public void Absence_WallClock_RaisesForASilentStationAndResolvesWhenItIsHeard()
    {
        var time = new FakeTimeProvider(T0);
        var engine = new AlertEngine(TestData.Rules(OneRule("weather", "      - severity: yellow\n        when: { absence: { for: 30m } }", cooldown: "1s")), Registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, time.GetUtcNow());
        engine.Process(Telemetry(Weather, T0, 1, ("air_temp_c", 20)), time.GetUtcNow());

        time.Advance(TimeSpan.FromMinutes(29));
        IReadOnlyList<AlertChange> early = engine.Tick(time.GetUtcNow());
        time.Advance(TimeSpan.FromMinutes(1));
        IReadOnlyList<AlertChange> late = engine.Tick(time.GetUtcNow());
        time.Advance(TimeSpan.FromMinutes(5));
        EngineOutput heard = engine.Process(Telemetry(Weather, time.GetUtcNow(), 2, ("air_temp_c", 20)), time.GetUtcNow());

        Assert.DoesNotContain(early, c => c.Station.Id == Weather);
        Assert.Contains(late, c => c.Station.Id == Weather && c.Transition == Transition.Raised);
        Assert.Contains(late, c => c.Station.Id == "ls-wx-01"); // never heard since the engine started 30 min ago
        Assert.Equal(Transition.Resolved, Assert.Single(heard.Changes).Transition);
    }

    [Fact]
    public void Absence_Watermark_IsJudgedAgainstTheLatestMeasurementTime()
    {
        AlertEngine engine = TestData.Engine(OneRule("weather", "      - severity: yellow\n        when: { absence: { for: 30m } }"));
        Feed(engine, [Telemetry(Weather, T0, 1, ("air_temp_c", 20)), Telemetry("ls-wx-01", T0, 1, ("air_temp_c", 20))]);
        List<AlertChange> early = Feed(engine, [Telemetry("ls-wx-01", T0.AddMinutes(20), 2, ("air_temp_c", 20))]);
        List<AlertChange> changes = Feed(engine, [Telemetry("ls-wx-01", T0.AddMinutes(40), 3, ("air_temp_c", 20))]);

        Assert.Empty(early);
        AlertChange raised = Assert.Single(changes); // judged as the watermark moves: 40 min silent; others never took part
        Assert.Equal((Weather, T0.AddMinutes(40)), (raised.Station.Id, raised.Alert.RaisedAt));
        Assert.Empty(engine.Tick(DateTimeOffset.MaxValue)); // nothing new for a timer to find
    }

    [Fact]
    public void Event_SpeciesPrefixConfidenceZoneAndNight_AllMustMatch()
    {
        AlertEngine engine = TestData.Engine(OneRule("camera-trap", "      - severity: orange\n        when: { event: { type: detection, species: [Panthera pardus], min_confidence: 0.8, zones: [core], local_hours: \"19-06\", within: 1h } }", cooldown: "1s"));
        DateTimeOffset night = new(2024, 10, 1, 22, 0, 0, TimeSpan.FromHours(8));
        DateTimeOffset day = new(2024, 10, 2, 12, 0, 0, TimeSpan.FromHours(8));

        Assert.Empty(Feed(engine, [Camera("bhs-ct-01", night, "Panthera pardus japonensis", 0.79)]));  // too unsure
        Assert.Empty(Feed(engine, [Camera("bhs-ct-05", night, "Panthera pardus japonensis", 0.95)]));  // buffer zone
        Assert.Empty(Feed(engine, [Camera("bhs-ct-02", day, "Panthera pardus japonensis", 0.95)]));    // daytime
        Assert.Empty(Feed(engine, [Camera("bhs-ct-03", night, "Pantherapardus", 0.95)]));              // not the species
        AlertChange raised = Assert.Single(Feed(engine, [Camera("bhs-ct-04", night, "Panthera pardus japonensis", 0.9)]));

        Assert.Equal("bhs-ct-04", raised.Station.Id);
        Assert.Equal(0.9, raised.Alert.Value);
    }

    [Fact]
    public void Event_FireWithin_HoldsForTheWindowThenResolvesAfterCooldown()
    {
        AlertEngine engine = TestData.Engine(OneRule("fire", "      - severity: red\n        when: { event: { type: fire, detections: [flame], within: 1h } }", cooldown: "30m"));
        var readings = new List<Reading> { Fire("mfs-fire-02", T0, Core.Readings.FireDetectionType.Flame, 0.9) };
        for (int m = 10; m <= 120; m += 10)
        {
            readings.Add(Telemetry("mfs-fire-02", T0.AddMinutes(m), m, ("co_ppm", 1)));
        }

        List<AlertChange> changes = Feed(engine, readings);

        Assert.Equal([Transition.Raised, Transition.Resolved], changes.Select(c => c.Transition));
        Assert.Equal(T0.AddMinutes(80), changes[1].Alert.UpdatedAt); // last held at 50 min (the flame leaves the window at 60), + 30 min cooldown
    }

    [Fact]
    public void SequenceGap_MissingNumbers_AreCountedWithinTheWindow()
    {
        AlertEngine engine = TestData.Engine(OneRule("weather", "      - severity: info\n        when: { sequence_gap: { within: 1h, min_missing: 3 } }", cooldown: "1s"));

        List<AlertChange> first = Feed(engine, [Telemetry(Weather, T0, 10, ("rain_mm", 0)), Telemetry(Weather, T0.AddMinutes(5), 12, ("rain_mm", 0))]);
        List<AlertChange> second = Feed(engine, [Telemetry(Weather, T0.AddMinutes(10), 12, ("rain_mm", 0)), Telemetry(Weather, T0.AddMinutes(15), 15, ("rain_mm", 0))]);

        Assert.Empty(first); // one missing; the redelivered 12 counts nothing
        Assert.Equal(3, Assert.Single(second).Alert.Value); // 1 + 2 missing within the hour
    }

    [Fact]
    public void AllAndAny_Combine()
    {
        AlertEngine engine = TestData.Engine(OneRule("fire", """
                  - severity: yellow
                    when: { any: [ { threshold: { field: co_ppm, at_least: 50 } }, { threshold: { field: smoke_obscuration_pct_m, at_least: 5 } } ] }
                  - severity: red
                    when: { all: [ { threshold: { field: co_ppm, at_least: 50 } }, { threshold: { field: smoke_obscuration_pct_m, at_least: 5 } } ] }
            """, cooldown: "1s"));

        List<AlertChange> changes = Feed(engine, [
            Telemetry("mfs-fire-02", T0, 1, ("co_ppm", 10), ("smoke_obscuration_pct_m", 6)),
            Telemetry("mfs-fire-02", T0.AddMinutes(10), 2, ("co_ppm", 60), ("smoke_obscuration_pct_m", 6))]);

        Assert.Equal([(Transition.Raised, Severity.Yellow), (Transition.Escalated, Severity.Red)], changes.Select(c => (c.Transition, c.Alert.Severity)));
    }
}
