using GardenCity.Monitoring.Core.Alerts;
using System.Text.Json;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Readings;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>Raise, escalate, de-escalate, resolve, acknowledge; cooldown; late data; restart; reload.</summary>
public sealed class LifecycleTests
{
    private const string Gauge = "qs-wl-01"; // warning 2.0 m, guaranteed 3.0 m
    private static readonly string FloodLevels = """
              - severity: yellow
                when: { threshold: { field: water_level_m, at_least: { registry: warning_level_m } } }
              - severity: red
                when: { threshold: { field: water_level_m, at_least: { registry: guaranteed_level_m } } }
        """;

    private static TelemetryReading Level(int minute, double level) => Telemetry(Gauge, T0.AddMinutes(minute), minute, ("water_level_m", level));

    [Fact]
    public void Process_UnchangedDanger_IsNotifiedOnce()
    {
        AlertEngine engine = TestData.Engine(OneRule("water-level", FloodLevels));

        List<AlertChange> changes = Feed(engine, Enumerable.Range(0, 20).Select(i => Level(5 * i, 2.2 + (0.01 * i))));

        AlertChange raised = Assert.Single(changes);
        Assert.Equal((Transition.Raised, Severity.Yellow), (raised.Transition, raised.Alert.Severity));
        Assert.Equal("test-rule.qs-wl-01.20230730T000000Z", raised.Alert.Id);
        Assert.Single(engine.Active);
    }

    [Fact]
    public void Process_RiseAndFall_EscalatesAtOnceAndStepsDownOnlyAfterTheCooldown()
    {
        AlertEngine engine = TestData.Engine(OneRule("water-level", FloodLevels, cooldown: "30m"));
        (int Minute, double Level)[] series = [(0, 2.1), (10, 3.1), (20, 2.9), (30, 2.8), (40, 2.7), (50, 1.5), (60, 1.5), (70, 1.5), (80, 1.5)]; // red last held at 10, yellow at 40

        List<AlertChange> changes = Feed(engine, series.Select(s => Level(s.Minute, s.Level)));

        Assert.Equal(
            [(Transition.Raised, Severity.Yellow, 0), (Transition.Escalated, Severity.Red, 10), (Transition.DeEscalated, Severity.Yellow, 40), (Transition.Resolved, Severity.None, 70)],
            changes.Select(c => (c.Transition, c.Alert.Severity, (int)(c.Alert.UpdatedAt - T0).TotalMinutes)));
        Assert.Equal(Severity.Red, changes[^1].Alert.PeakSeverity);
        Assert.All(changes, c => Assert.Equal(changes[0].Alert.Id, c.Alert.Id));
        Assert.Equal([1, 2, 3, 4], changes.Select(c => c.Alert.Revision));
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void Process_FlappingAroundTheThreshold_StaysOneIncident()
    {
        AlertEngine engine = TestData.Engine(OneRule("water-level", FloodLevels, cooldown: "30m"));

        List<AlertChange> changes = Feed(engine, Enumerable.Range(0, 24).Select(i => Level(5 * i, i % 2 == 0 ? 2.01 : 1.99)));

        Assert.Equal(Transition.Raised, Assert.Single(changes).Transition);
    }

    [Fact]
    public void Process_LateBacklog_GivesALateNoticeButNoLiveAlert()
    {
        AlertEngine engine = TestData.Engine(OneRule("water-level", FloodLevels), horizon: TimeSpan.FromHours(1));
        Feed(engine, [Telemetry("zt-wl-01", T0.AddHours(5), 1, ("water_level_m", 10))]); // the fleet is at 05:00

        List<AlertChange> backlog = Feed(engine, [Level(60, 2.5), Level(65, 2.6), Level(70, 3.2), Level(75, 3.3)]); // 01:00–01:15, 4 h late

        Assert.Equal([(Transition.Late, Severity.Yellow), (Transition.Late, Severity.Red)], backlog.Select(c => (c.Transition, c.Alert.Severity)));
        Assert.All(backlog, c => Assert.Equal(AlertStatus.Resolved, c.Alert.Status));
        Assert.StartsWith("[late data]", backlog[0].Alert.MessageEn, StringComparison.Ordinal);
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void Process_BacklogWithinTheHorizon_LandsInItsWindowsAndRaisesLive()
    {
        AlertEngine engine = TestData.Engine(OneRule("weather", "      - severity: orange\n        when: { sum: { field: rain_mm, window: 3h, at_least: 50 } }"), horizon: TimeSpan.FromHours(6));
        Feed(engine, [Telemetry("zt-wx-01", T0.AddHours(3), 1, ("rain_mm", 0))]);

        // bhs-wx-01 comes back after an outage with its hourly backlog: 30 + 30 mm within 3 h of each other.
        List<AlertChange> changes = Feed(engine, [Telemetry("bhs-wx-01", T0.AddHours(1), 1, ("rain_mm", 30)), Telemetry("bhs-wx-01", T0.AddHours(2), 2, ("rain_mm", 30))]);

        AlertChange raised = Assert.Single(changes);
        Assert.Equal((Transition.Raised, T0.AddHours(2)), (raised.Transition, raised.Alert.RaisedAt));
    }

    [Fact]
    public void Restore_AfterRestart_KeepsTheIncidentAndRaisesNoDuplicate()
    {
        AlertEngine before = TestData.Engine(OneRule("water-level", FloodLevels, cooldown: "30m"));
        List<AlertChange> first = Feed(before, [Level(0, 2.5), Level(5, 3.2)]);
        string saved = JsonSerializer.Serialize(new AlertingState(before.Snapshot(), []));

        AlertEngine after = TestData.Engine(OneRule("water-level", FloodLevels, cooldown: "30m"));
        after.Restore(JsonSerializer.Deserialize<AlertingState>(saved)!.Engine);
        List<AlertChange> redelivered = Feed(after, [Level(5, 3.2), Level(10, 3.25)]);
        List<AlertChange> falling = Feed(after, [Level(15, 1.0), Level(50, 1.0)]);

        Assert.Equal(2, first.Count);
        Assert.Empty(redelivered);
        Assert.Equal((Transition.Resolved, first[0].Alert.Id, 3), (Assert.Single(falling).Transition, falling[0].Alert.Id, falling[0].Alert.Revision));
    }

    [Fact]
    public void Acknowledge_ActiveAlert_RecordsWhoAndWhenAndEscalationClearsIt()
    {
        AlertEngine engine = TestData.Engine(OneRule("water-level", FloodLevels));
        string id = Feed(engine, [Level(0, 2.5)])[0].Alert.Id;

        AlertChange? ack = engine.Acknowledge(id, "duty officer Li", T0.AddMinutes(2));
        AlertChange escalated = Assert.Single(Feed(engine, [Level(5, 3.5)]));

        Assert.NotNull(ack);
        Assert.Equal((Transition.Acknowledged, "duty officer Li", T0.AddMinutes(2)), (ack.Transition, ack.Alert.AcknowledgedBy, ack.Alert.AcknowledgedAt));
        Assert.Equal(Transition.Escalated, escalated.Transition);
        Assert.Null(escalated.Alert.AcknowledgedBy);
        Assert.Null(engine.Acknowledge("no-such-alert", "x", T0));
    }

    [Fact]
    public void ReplaceRules_KeptRuleKeepsItsIncident_RemovedRuleIsResolved()
    {
        AlertEngine engine = TestData.Engine(OneRule("water-level", FloodLevels));
        string id = Feed(engine, [Level(0, 2.5)])[0].Alert.Id;

        IReadOnlyList<AlertChange> kept = engine.ReplaceRules(TestData.Rules(OneRule("water-level", FloodLevels, cooldown: "10m")), T0);
        List<AlertChange> same = Feed(engine, [Level(5, 2.6)]);
        IReadOnlyList<AlertChange> removed = engine.ReplaceRules(TestData.Rules(OneRule("weather", "      - severity: red\n        when: { threshold: { field: rain_mm, at_least: 1 } }").Replace("test-rule", "other-rule", StringComparison.Ordinal)), T0);

        Assert.Empty(kept);
        Assert.Empty(same);
        Assert.Equal((Transition.Resolved, id), (Assert.Single(removed).Transition, removed[0].Alert.Id));
    }

    /// <summary>
    /// The engine looks up the rules of a station once per rule set: a rule added for a station it has already judged
    /// must judge that station's next reading, and a removed one must not (the lookup is rebuilt on reload).
    /// </summary>
    [Fact]
    public void ReplaceRules_AfterAStationWasJudged_ItsNextReadingMeetsTheNewRules()
    {
        AlertEngine engine = TestData.Engine(OneRule("weather", "      - severity: red\n        when: { threshold: { field: rain_mm, at_least: 1 } }"));
        Assert.Empty(Feed(engine, [Level(0, 2.5)])); // no rule watches the gauge yet

        Assert.Empty(engine.ReplaceRules(TestData.Rules(OneRule("water-level", FloodLevels)), T0));
        List<AlertChange> added = Feed(engine, [Level(5, 2.6)]);
        engine.ReplaceRules(TestData.Rules(OneRule("weather", "      - severity: red\n        when: { threshold: { field: rain_mm, at_least: 1 } }")), T0);
        List<AlertChange> removed = Feed(engine, [Level(10, 3.5)]);

        Assert.Equal((Transition.Raised, Severity.Yellow), (Assert.Single(added).Transition, added[0].Alert.Severity));
        Assert.Empty(removed);
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void Process_NoiseWithRedeliveries_IsDeterministic()
    {
        var readings = Enumerable.Range(0, 200).Select(i => Level(5 * i, 2 + Math.Sin(i / 7.0) * 1.2)).ToList();
        var redelivered = readings.SelectMany((r, i) => i % 10 == 0 ? new[] { r, r } : new[] { r }).ToList();

        List<AlertChange> a = Feed(TestData.Engine(OneRule("water-level", FloodLevels)), readings);
        List<AlertChange> b = Feed(TestData.Engine(OneRule("water-level", FloodLevels)), redelivered);

        Assert.NotEmpty(a);
        Assert.Equal(a.Select(c => (c.Transition, c.Alert.Id, c.Alert.Revision)), b.Select(c => (c.Transition, c.Alert.Id, c.Alert.Revision)));
    }
}
