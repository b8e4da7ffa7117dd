using GardenCity.Monitoring.Core.Alerts;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Readings;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>
/// The clock policy (docs/alerting.md, "Clock policy"), late notices and the figures alert messages quote, on the
/// shipped rainstorm rule.
/// </summary>
public sealed class ClockPolicyTests
{
    private const string Wx = "bhs-wx-01";
    private const string Rainstorm = "rainstorm-cma";
    private static readonly DateTimeOffset Now2026 = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A storm every 10 minutes from <paramref name="start"/>: nothing for 2 h, 20 mm per 10 min for an hour (3 h sum
    /// 120 mm: red), 1 mm per 10 min for five hours more, then dry for 16 h.
    /// </summary>
    private static List<TelemetryReading> Storm(DateTimeOffset start, long seq0 = 1)
    {
        var readings = new List<TelemetryReading>();
        for (int i = 1; i <= 6 * 24; i++)
        {
            double rain = i switch { <= 12 => 0, <= 18 => 20, <= 48 => 1, _ => 0 };
            readings.Add(Telemetry(Wx, start.AddMinutes(10 * i), seq0 + i, ("rain_mm", rain)));
        }

        return readings;
    }

    private static double Sum(IEnumerable<TelemetryReading> readings, DateTimeOffset at, TimeSpan window) =>
        readings.Where(r => r.Timestamp > at - window && r.Timestamp <= at).Sum(r => r.Values["rain_mm"]);

    [Fact]
    public void Process_FreshLiveEngineFedA2023Backlog_GivesOnlyLateNoticesAndNoOfflineForTheSender()
    {
        var engine = new AlertEngine(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, Now2026);
        List<TelemetryReading> backlog = Storm(T0);

        // The backlog arrives over 48 minutes of wall time, with the absence timer running as it does live.
        var changes = new List<AlertChange>();
        for (int i = 0; i < backlog.Count; i++)
        {
            DateTimeOffset wall = Now2026.AddSeconds(20 * i);
            changes.AddRange(engine.Process(backlog[i], wall).Changes);
            changes.AddRange(engine.Tick(wall));
        }

        changes.AddRange(engine.Tick(Now2026.AddSeconds(20 * backlog.Count)));

        List<AlertChange> rain = changes.Where(c => c.Rule.Id == Rainstorm).ToList();
        Assert.NotEmpty(rain);
        Assert.All(rain, c => Assert.Equal(Transition.Late, c.Transition));
        Assert.DoesNotContain(changes, c => c.Station.Id == Wx && c.Transition is Transition.Raised or Transition.Escalated);
        Assert.DoesNotContain(changes, c => c.Station.Id == Wx && c.Rule.Id == "station-offline");
        Assert.DoesNotContain(engine.Active, a => a.StationId == Wx);
        Assert.Null(engine.Watermark); // a lone backlog does not set the fleet's clock
        Assert.Contains(changes, c => c.Rule.Id == "station-offline" && c.Station.Id == "zt-wx-01"); // the silent ones still are offline
    }

    [Fact]
    public void Process_StormMeasuredDuringAFourHourOutageThenSentAsBacklog_GivesLateNoticesOnlyAndOfflineWhileSilent()
    {
        // The simulator's outage scenario in miniature: the station reports live, loses its link for 4 h (OutageScenario
        // .LinkLost .. LinkBack) while the storm happens, then sends its store-and-forward backlog at once.
        var engine = new AlertEngine(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, Now2026);
        List<TelemetryReading> storm = Storm(Now2026);
        DateTimeOffset linkLost = Now2026.AddMinutes(100), linkBack = linkLost.AddHours(4);
        var live = new List<AlertChange>();
        var fromBacklog = new List<AlertChange>();
        foreach (TelemetryReading r in storm.Where(r => r.Timestamp < linkLost))
        {
            live.AddRange(engine.Process(r, r.Timestamp.AddSeconds(5)).Changes);
        }

        for (DateTimeOffset wall = linkLost; wall < linkBack; wall = wall.AddMinutes(1))
        {
            live.AddRange(engine.Tick(wall));
        }

        var withinHorizon = new List<AlertChange>();
        foreach (TelemetryReading r in storm.Where(r => r.Timestamp >= linkLost && r.Timestamp < linkBack))
        {
            (linkBack - r.Timestamp > TimeSpan.FromHours(1) ? fromBacklog : withinHorizon).AddRange(engine.Process(r, linkBack).Changes);
        }

        Assert.Contains(live, c => c.Station.Id == Wx && c.Rule.Id == "station-offline" && c.Transition == Transition.Raised);
        Assert.DoesNotContain(live, c => c.Rule.Id == Rainstorm); // the storm began after the link was lost
        List<AlertChange> rain = fromBacklog.Where(c => c.Rule.Id == Rainstorm).ToList();
        Assert.NotEmpty(rain); // the storm is told, as late data
        Assert.All(rain, c => Assert.Equal(Transition.Late, c.Transition));
        Assert.Contains(rain, c => c.Alert.Severity == Severity.Red);

        // The last hour of the backlog is within the lateness horizon: live, by the policy. Its 3 h sum still holds the
        // storm, so the warning is raised live then — the only live change the backlog may make.
        Assert.All(withinHorizon.Where(c => c.Rule.Id == Rainstorm), c => Assert.Equal(Transition.Raised, c.Transition));
    }

    [Fact]
    public void Process_LiveEngine_ReadingWithinTheHorizonOfTheWallClockRaisesLive()
    {
        var engine = new AlertEngine(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, Now2026);

        List<AlertChange> changes = [.. engine.Process(Telemetry(Wx, Now2026.AddMinutes(-50), 1, ("rain_mm", 60)), Now2026).Changes];
        changes.AddRange(engine.Process(Telemetry(Wx, Now2026.AddMinutes(-70), 2, ("rain_mm", 110)), Now2026).Changes); // 70 min old: late, not an escalation

        Assert.Equal(
            [(Transition.Raised, Severity.Orange), (Transition.Late, Severity.Red)],
            changes.Where(c => c.Rule.Id == Rainstorm).Select(c => (c.Transition, c.Alert.Severity)));
    }

    [Fact]
    public void Process_ReplayEngine_KeepsPureEventTime()
    {
        // The same 2023 storm through a replay engine (wall clock 2026) is live, not late.
        var engine = new AlertEngine(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, Now2026);

        List<AlertChange> changes = Storm(T0).SelectMany(r => engine.Process(r, Now2026).Changes).Where(c => c.Rule.Id == Rainstorm).ToList();

        Assert.Equal(Transition.Raised, changes[0].Transition);
        Assert.DoesNotContain(changes, c => c.Transition == Transition.Late);
    }

    [Fact]
    public void Process_LateStormThatRisesAndFalls_GivesOneNoticePerSeverity()
    {
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        engine.Process(Telemetry("zt-wx-01", T0.AddDays(3), 1, ("rain_mm", 0)), DateTimeOffset.MaxValue); // the fleet is 3 days on

        // Two late storms 36 h apart: each rises orange → red and falls through orange, yellow and blue.
        List<AlertChange> notices = Storm(T0).Concat(Storm(T0.AddHours(36), 1000))
            .SelectMany(r => engine.Process(r, DateTimeOffset.MaxValue).Changes).Where(c => c.Rule.Id == Rainstorm).ToList();

        Assert.Equal(
            [(Severity.Orange, T0.AddMinutes(150)), (Severity.Red, T0.AddMinutes(170)), (Severity.Orange, T0.AddHours(36).AddMinutes(150)), (Severity.Red, T0.AddHours(36).AddMinutes(170))],
            notices.Select(c => (c.Alert.Severity, c.Alert.RaisedAt)));
        Assert.All(notices, c => Assert.Equal(Transition.Late, c.Transition));
    }

    [Fact]
    public void Process_StormThatStepsDownAndResolves_QuotesTheQuantityOfTheLevelItReportsAndSaysSo()
    {
        AlertEngine engine = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        List<TelemetryReading> storm = Storm(T0);

        List<AlertChange> changes = storm.SelectMany(r => engine.Process(r, DateTimeOffset.MaxValue).Changes).Where(c => c.Rule.Id == Rainstorm).ToList();

        Assert.Equal(
            [Transition.Raised, Transition.Escalated, Transition.DeEscalated, Transition.DeEscalated, Transition.DeEscalated, Transition.Resolved],
            changes.Select(c => c.Transition));
        AlertChange orange = changes[2];
        double orange3h = Sum(storm, orange.Alert.UpdatedAt, TimeSpan.FromHours(3));
        string figure = orange3h.ToString("0.0", CultureInfo.InvariantCulture);
        Assert.Equal((Severity.Orange, Severity.Red, orange3h, 50.0), (orange.Alert.Severity, orange.Previous, orange.Alert.Value, orange.Alert.Threshold));
        Assert.NotEqual(Sum(storm, orange.Alert.UpdatedAt, TimeSpan.FromHours(6)), orange3h); // the 6 h sum would be another figure
        Assert.Equal($"Lowered from red to orange: Baihua Mountain weather station (Baihua Mountain): {figure} mm of rain in 3 h, orange rainstorm warning level (criterion 50 mm in 3 h).", Normalise(orange.Alert.MessageEn, orange));
        Assert.StartsWith("由红色降为橙色：", orange.Alert.MessageZh, StringComparison.Ordinal);
        Assert.Contains($"{figure} 毫米", orange.Alert.MessageZh, StringComparison.Ordinal);

        AlertChange yellow = changes[3];
        Assert.Equal(Sum(storm, yellow.Alert.UpdatedAt, TimeSpan.FromHours(6)), yellow.Alert.Value);

        AlertChange resolved = changes[^1];
        double blue12h = Sum(storm, resolved.Alert.UpdatedAt, TimeSpan.FromHours(12));
        Assert.Equal((Severity.None, Severity.Blue, blue12h), (resolved.Alert.Severity, resolved.Previous, resolved.Alert.Value));
        Assert.StartsWith("Resolved: ", resolved.Alert.MessageEn, StringComparison.Ordinal);
        Assert.Contains("below the blue criterion", resolved.Alert.MessageEn, StringComparison.Ordinal);
        Assert.Contains(blue12h.ToString("0.0", CultureInfo.InvariantCulture), resolved.Alert.MessageEn, StringComparison.Ordinal);
        Assert.DoesNotContain("reached", resolved.Alert.MessageEn, StringComparison.Ordinal);
        Assert.Contains("解除", resolved.Alert.MessageZh, StringComparison.Ordinal);
        Assert.Contains("低于蓝色", resolved.Alert.MessageZh, StringComparison.Ordinal);
        Assert.DoesNotContain("达到", resolved.Alert.MessageZh, StringComparison.Ordinal);
    }

    [Fact]
    public void Restore_MidwayThroughALateStorm_GivesNoSecondNotice()
    {
        List<TelemetryReading> storm = Storm(T0);
        AlertEngine before = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        before.Process(Telemetry("zt-wx-01", T0.AddDays(3), 1, ("rain_mm", 0)), DateTimeOffset.MaxValue);
        List<AlertChange> first = storm.Take(40).SelectMany(r => before.Process(r, DateTimeOffset.MaxValue).Changes).Where(c => c.Rule.Id == Rainstorm).ToList();
        string saved = JsonSerializer.Serialize(new AlertingState(before.Snapshot(), []));

        AlertEngine after = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);
        after.Restore(JsonSerializer.Deserialize<AlertingState>(saved)!.Engine);
        foreach (TelemetryReading r in storm.Take(40))
        {
            after.Prime(r); // the windows refilled from InfluxDB at start
        }

        List<AlertChange> rest = storm.Skip(40).SelectMany(r => after.Process(r, DateTimeOffset.MaxValue).Changes).Where(c => c.Rule.Id == Rainstorm).ToList();

        Assert.Equal([Severity.Orange, Severity.Red], first.Select(c => c.Alert.Severity));
        Assert.Empty(rest);
    }

    [Fact]
    public void Restore_StateFileWithoutTheNewFields_IsRead()
    {
        AlertEngine before = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, Now2026);
        before.Process(Telemetry(Wx, Now2026.AddMinutes(-5), 7, ("rain_mm", 60)), Now2026);
        JsonNode state = JsonSerializer.SerializeToNode(new AlertingState(before.Snapshot(), []))!;
        foreach (JsonNode? station in state["Engine"]!["Stations"]!.AsArray())
        {
            Assert.True(station!.AsObject().Remove("LastArrival"));
        }

        foreach (JsonNode? pair in state["Engine"]!["Pairs"]!.AsArray())
        {
            Assert.True(pair!.AsObject().Remove("LateHeld"));
        }

        AlertEngine after = new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, Now2026);
        after.Restore(state.Deserialize<AlertingState>()!.Engine);

        Assert.Equal(Severity.Orange, Assert.Single(after.Active, a => a.RuleId == Rainstorm).Severity);
        Assert.DoesNotContain(after.Process(Telemetry(Wx, Now2026.AddMinutes(-4), 8, ("rain_mm", 0)), Now2026).Changes, c => c.Rule.Id == Rainstorm);
    }

    /// <summary>The station's English name as the registry spells it, replaced by a fixed one (the test names the wording, not the registry).</summary>
    private static string Normalise(string message, AlertChange change) =>
        message.Replace($"{change.Station.NameEn} ({change.Station.Site.NameEn})", "Baihua Mountain weather station (Baihua Mountain)", StringComparison.Ordinal);
}
