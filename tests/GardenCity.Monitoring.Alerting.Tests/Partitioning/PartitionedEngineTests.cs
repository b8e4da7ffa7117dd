using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Readings;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Partitioning;

/// <summary>
/// The engine of a partitioned worker: what it gives up is dropped silently, what it takes over goes on as the one
/// engine that saw everything would have gone on (same ids, revisions and transitions).
/// </summary>
public sealed class PartitionedEngineTests
{
    private const string Kept = "qs-wl-01", Moved = "yd-wl-01"; // warning 2.0 / 3.0 m, guaranteed 3.0 / 4.5 m (registry)
    private static readonly string FloodLevels = """
              - severity: yellow
                when: { threshold: { field: water_level_m, at_least: { registry: warning_level_m } } }
              - severity: red
                when: { threshold: { field: water_level_m, at_least: { registry: guaranteed_level_m } } }
        """;

    private static readonly string Yaml = OneRule("water-level", FloodLevels, cooldown: "30m");

    private static TelemetryReading Level(string station, int minute, double level) => Telemetry(station, T0.AddMinutes(minute), minute, ("water_level_m", level));

    [Fact]
    public void Restore_WithoutAStation_DropsItsIncidentWithoutResolvingIt()
    {
        AlertEngine whole = TestData.Engine(Yaml);
        Feed(whole, [Level(Kept, 0, 2.5), Level(Moved, 0, 3.5)]);
        Assert.Equal(2, whole.Active.Count);

        AlertEngine giver = new(TestData.Rules(Yaml), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0) { Owns = id => id != Moved };
        giver.Restore(whole.Snapshot());

        Assert.Equal(Kept, Assert.Single(giver.Active).StationId);
        Assert.DoesNotContain(giver.Snapshot().Pairs, p => p.StationId == Moved);
        Assert.Empty(giver.Tick(DateTimeOffset.MaxValue)); // nothing to tell anyone: the incident is not over, it moved
    }

    [Fact]
    public void Adopt_TheTakerGoesOnAsTheWholeEngineWould()
    {
        // The previous owner: yellow at 0, red at 10, red held until 20; the readings of minutes 0-20 are in InfluxDB.
        (int Minute, double Level)[] before = [(0, 3.2), (10, 4.6), (15, 4.7), (20, 4.55)];
        (int Minute, double Level)[] after = [(25, 3.5), (30, 3.4), (45, 3.3), (55, 2.0), (90, 2.0)];
        AlertEngine whole = TestData.Engine(Yaml);
        List<AlertChange> beforeChanges = Feed(whole, before.Select(s => Level(Moved, s.Minute, s.Level)));
        Alert handedOver = Assert.Single(whole.Active);
        Assert.Equal((Severity.Red, 2, T0.AddMinutes(10)), (handedOver.Severity, handedOver.Revision, handedOver.UpdatedAt));

        AlertEngine taker = new(TestData.Rules(Yaml), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0) { Owns = id => id == Moved };
        foreach ((int minute, double level) in before)
        {
            taker.Prime(Level(Moved, minute, level));
        }

        Assert.True(taker.Adopt(handedOver, before.Select(s => T0.AddMinutes(s.Minute))));
        Assert.False(taker.Adopt(handedOver)); // already in force here

        List<AlertChange> expected = Feed(whole, after.Select(s => Level(Moved, s.Minute, s.Level)));
        List<AlertChange> actual = Feed(taker, after.Select(s => Level(Moved, s.Minute, s.Level)));

        // Red last held at 20 (not at 10, its latest change): the step down to yellow comes after the cooldown from 20.
        Assert.Equal([(Transition.DeEscalated, 3, 55), (Transition.Resolved, 4, 90)], expected.Select(c => (c.Transition, c.Alert.Revision, (int)(c.Alert.UpdatedAt - T0).TotalMinutes)));
        Assert.Equal(expected.Select(c => (c.NotificationId, c.Transition, c.Alert.Severity, c.Alert.UpdatedAt)), actual.Select(c => (c.NotificationId, c.Transition, c.Alert.Severity, c.Alert.UpdatedAt)));
        Assert.DoesNotContain(actual, c => c.Transition == Transition.Raised);
        Assert.Equal(2, beforeChanges.Count);
    }

    [Fact]
    public void Adopt_StationHeardAtItsLatestStoredReading_NotStaleAtTheTakeOver()
    {
        // Raised at 0 and unchanged since; the gauge kept reporting until 40. With a 30 min stale horizon the incident
        // is not stale at 45 (heard at 40), though its latest change (0) is 45 min old.
        string yaml = OneRule("water-level", FloodLevels, cooldown: "30m", extra: "    stale_after: 30m");
        int[] minutes = [0, 10, 20, 30, 40];
        AlertEngine whole = TestData.Engine(yaml);
        Feed(whole, minutes.Select(m => Level(Moved, m, 3.5)));
        Alert handedOver = Assert.Single(whole.Active);

        AlertEngine taker = new(TestData.Rules(yaml), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0) { Owns = id => id == Moved };
        foreach (int minute in minutes)
        {
            taker.Prime(Level(Moved, minute, 3.5));
        }

        taker.Observe(T0.AddMinutes(45), DateTimeOffset.MaxValue);
        Assert.True(taker.Adopt(handedOver, minutes.Select(m => T0.AddMinutes(m))));

        Assert.Empty(taker.Tick(DateTimeOffset.MaxValue));
        Assert.False(Assert.Single(taker.Active).Stale);
        taker.Observe(T0.AddMinutes(75), DateTimeOffset.MaxValue);
        Assert.Equal(Transition.Stale, Assert.Single(taker.Tick(DateTimeOffset.MaxValue)).Transition); // silent for 35 min: stale, once
    }

    [Fact]
    public void Adopt_NotOwnedOrEnded_IsRefused()
    {
        AlertEngine whole = TestData.Engine(Yaml);
        Feed(whole, [Level(Moved, 0, 3.5)]);
        Alert alert = Assert.Single(whole.Active);
        AlertEngine other = new(TestData.Rules(Yaml), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0) { Owns = id => id == Kept };

        Assert.False(other.Adopt(alert));
        Assert.False(TestData.Engine(Yaml).Adopt(alert with { Status = AlertStatus.Resolved }));
        Assert.Empty(other.Active);
    }

    [Fact]
    public void Observe_MovesTheWatermarkLikeProcess_ButNotBackwardsOrByALateReading()
    {
        AlertEngine engine = new(TestData.Rules(Yaml), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0) { Owns = _ => false };

        engine.Observe(T0.AddMinutes(30), DateTimeOffset.MaxValue);
        engine.Observe(T0.AddMinutes(20), DateTimeOffset.MaxValue);
        Assert.Equal(T0.AddMinutes(30), engine.Watermark);
        engine.Observe(T0.AddHours(5), T0.AddHours(2)); // capped by the wall clock
        Assert.Equal(T0.AddHours(2), engine.Watermark);
    }
}
