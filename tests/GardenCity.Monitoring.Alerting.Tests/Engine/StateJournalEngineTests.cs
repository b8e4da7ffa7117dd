using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>
/// The engine's side of the state journal (docs/alerting.md, "State: snapshot and journal"): what a record holds, and
/// how records restored over a snapshot keep a redelivered reading from being judged twice.
/// </summary>
public sealed class StateJournalEngineTests
{
    private const string Levels = """
              - severity: blue
                when: { threshold: { field: water_level_m, at_least: 1 } }
              - severity: yellow
                when: { threshold: { field: water_level_m, at_least: 2 } }
        """;

    [Fact]
    public void SnapshotOf_ARainGaugeOfTwoHazardUnits_HoldsTheGaugeAndBothUnitsAndNothingElse()
    {
        // A unit's incident is judged on its gauges' readings: a record of the gauge must carry the units' state too.
        var engine = new AlertEngine(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        engine.Process(Telemetry("mtg-wx-01", T0, 1, ("rain_mm", 2.0), ("air_temp_c", 20.0)), DateTimeOffset.MaxValue);
        engine.Process(Telemetry("bhs-wx-01", T0, 1, ("rain_mm", 2.0), ("air_temp_c", 20.0)), DateTimeOffset.MaxValue);

        EngineSnapshot part = engine.SnapshotOf(["mtg-wx-01"], out IReadOnlyList<string> targets);

        Assert.Equal(["heihe-gully-df", "mtg-wx-01", "zhongmensi-gully-df"], targets);
        Assert.All(part.Stations, s => Assert.Contains(s.StationId, targets));
        Assert.Contains(part.Stations, s => s.StationId == "mtg-wx-01");
        Assert.All(part.Pairs, p => Assert.Contains(p.StationId, targets));
        Assert.Contains(part.Pairs, p => p.StationId == "heihe-gully-df");
        Assert.Null(part.Watermark);
        Assert.Equal([T0], Assert.Single(part.Redelivery!).Times);
    }

    [Fact]
    public void RestoreTargets_TwoRecordsOfOneStation_EachRedeliveredReadingIsTakenOnceWithoutJudgingThenJudgedAsNew()
    {
        AlertEngine first = TestData.Engine(OneRule("water-level", Levels));
        EngineSnapshot snapshot = first.Snapshot();
        first.Checkpointed();
        Assert.Equal(Transition.Raised, Assert.Single(first.Process(Telemetry("qs-wl-01", T0, 1, ("water_level_m", 1.5)), DateTimeOffset.MaxValue).Changes).Transition);
        EngineSnapshot raise = first.SnapshotOf(["qs-wl-01"], out IReadOnlyList<string> targets);
        Assert.Equal(Transition.Escalated, Assert.Single(first.Process(Telemetry("qs-wl-01", T0.AddMinutes(5), 2, ("water_level_m", 2.5)), DateTimeOffset.MaxValue).Changes).Transition);
        EngineSnapshot escalate = first.SnapshotOf(["qs-wl-01"], out _);

        AlertEngine second = TestData.Engine(OneRule("water-level", Levels));
        second.Restore(snapshot);
        second.RestoreTargets(raise, targets);
        second.RestoreTargets(escalate, targets);

        // The later record names both readings; the earlier one's are not counted twice.
        Assert.Equal([T0, T0.AddMinutes(5)], Assert.Single(second.Snapshot().Redelivery!).Times);
        Assert.Equal(Severity.Yellow, Assert.Single(second.Active).Severity);
        Assert.Empty(second.Process(Telemetry("qs-wl-01", T0, 1, ("water_level_m", 1.5)), DateTimeOffset.MaxValue).Changes);
        Assert.Empty(second.Process(Telemetry("qs-wl-01", T0.AddMinutes(5), 2, ("water_level_m", 2.5)), DateTimeOffset.MaxValue).Changes);
        Assert.Empty(second.Snapshot().Redelivery!);
        Assert.Equal(T0.AddMinutes(5), second.Watermark); // the readings taken without judging still moved the watermark

        // Judged as usual from here: the level falls and, after the cooldown, the incident resolves.
        Assert.Equal(Transition.Resolved, Assert.Single(second.Process(Telemetry("qs-wl-01", T0.AddMinutes(40), 3, ("water_level_m", 0.5)), DateTimeOffset.MaxValue).Changes).Transition);
    }
}
