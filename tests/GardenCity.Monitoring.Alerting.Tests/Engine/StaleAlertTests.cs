using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using System.Xml.Schema;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Readings;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>
/// "No data is not normal" (docs/alerting.md): an alert whose station goes silent stays active and is marked stale, a
/// rainstorm warning escalates as lost contact once, fresh data clears stale and the alert resolves only when data
/// shows the danger is over; a person can close an alert with a reason; all of it survives a restart.
/// </summary>
public sealed class StaleAlertTests
{
    private const string Wx = "bhs-wx-01";
    private const string Other = "zt-wx-01";
    private const string Rainstorm = "rainstorm-cma";
    private static readonly DateTimeOffset Live = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Replay engine with the shipped rules.</summary>
    private static AlertEngine Replay() => new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0);

    /// <summary>
    /// Replay: bhs-wx-01 rains 20 mm per 10 min for an hour (red by 01:00), then is silent until <paramref name="silentUntil"/>
    /// (none: to the end), then dry; zt-wx-01 reports dry every 10 min throughout and keeps the fleet's clock moving.
    /// </summary>
    private static IEnumerable<Reading> StormThenSilence(TimeSpan until, TimeSpan? silentUntil)
    {
        for (int i = 1; T0.AddMinutes(10 * i) <= T0 + until; i++)
        {
            DateTimeOffset at = T0.AddMinutes(10 * i);
            yield return Telemetry(Other, at, i, ("rain_mm", 0));
            if (i <= 6)
            {
                yield return Telemetry(Wx, at, i, ("rain_mm", 20));
            }
            else if (silentUntil is { } back && at >= T0 + back)
            {
                yield return Telemetry(Wx, at, i, ("rain_mm", 0));
            }
        }
    }

    private static List<AlertChange> Rain(IEnumerable<AlertChange> changes) => changes.Where(c => c.Rule.Id == Rainstorm && c.Station.Id == Wx).ToList();

    [Fact]
    public void Replay_RainstormGaugeGoesSilent_StaysActiveBecomesStaleAndEscalatesAsLostContactOnce()
    {
        AlertEngine engine = Replay();
        List<AlertChange> changes = Rain(Feed(engine, StormThenSilence(TimeSpan.FromHours(8), silentUntil: null)));

        // Red by 00:50, then the gauge's last data at 01:00; 30 min later (the rule's stale_after) one lost-contact escalation.
        Assert.Equal([Transition.Raised, Transition.Escalated, Transition.LostContact], changes.Select(c => c.Transition));
        AlertChange lost = changes[^1];
        Assert.Equal((Severity.Red, Severity.Red, AlertStatus.Active, Audience.Emergency), (lost.Alert.Severity, lost.Previous, lost.Alert.Status, lost.Alert.Audience));
        Assert.True(lost.Alert.Stale);
        Assert.Equal(T0.AddHours(1), lost.Alert.StaleSince);
        Assert.Equal(T0.AddMinutes(90), lost.Alert.UpdatedAt);
        Assert.StartsWith("失联：百花山气象站", lost.Alert.MessageZh, StringComparison.Ordinal);
        Assert.Contains("暴雨预警（红色）期间中断数据", lost.Alert.MessageZh, StringComparison.Ordinal);
        Assert.StartsWith("Lost contact: ", lost.Alert.MessageEn, StringComparison.Ordinal);
        Assert.Contains("during an active red rainstorm warning", lost.Alert.MessageEn, StringComparison.Ordinal);

        Alert active = Assert.Single(engine.Active, a => a.RuleId == Rainstorm && a.StationId == Wx);
        Assert.True(active.Stale);
        Assert.Equal(Severity.Red, active.Severity);
    }

    [Fact]
    public void Replay_GaugeBackAfterSilence_ContactRestoredAndResolvesOnlyWhenTheWindowsHoldFreshData()
    {
        AlertEngine engine = Replay();
        List<AlertChange> changes = Rain(Feed(engine, StormThenSilence(TimeSpan.FromHours(22), silentUntil: TimeSpan.FromHours(7))));

        Assert.Equal(
            [Transition.Raised, Transition.Escalated, Transition.LostContact, Transition.ContactRestored, Transition.DeEscalated, Transition.DeEscalated, Transition.Resolved],
            changes.Select(c => c.Transition));
        AlertChange restored = changes[3];
        Assert.Equal((T0.AddHours(7), Severity.Red, false), (restored.Alert.UpdatedAt, restored.Alert.Severity, restored.Alert.Stale));
        Assert.Null(restored.Alert.StaleSince);
        Assert.StartsWith("恢复联系：", restored.Alert.MessageZh, StringComparison.Ordinal);
        Assert.StartsWith("Contact restored: ", restored.Alert.MessageEn, StringComparison.Ordinal);

        // An empty 3 h window after six silent hours is not "below 100 mm": red stays until the 3 h window is all fresh
        // data (07:00 + 3 h), yellow until the 6 h one is, blue until the 12 h one is.
        Assert.Equal(
            [(Severity.Yellow, T0.AddHours(10)), (Severity.Blue, T0.AddHours(13)), (Severity.None, T0.AddHours(19))],
            changes.Skip(4).Select(c => (c.Alert.Severity, c.Alert.UpdatedAt)));
        Assert.DoesNotContain(engine.Active, a => a.RuleId == Rainstorm && a.StationId == Wx);
    }

    [Fact]
    public void Replay_ShortOutageFilledByABacklog_StepsDownAsWithoutTheOutage()
    {
        // Without an outage the gauge reports dry every 10 min after the storm.
        List<AlertChange> steady = Rain(Feed(Replay(), StormThenSilence(TimeSpan.FromHours(8), silentUntil: TimeSpan.FromMinutes(70))));

        // With one: silent 40 min (stale at 30), then its buffered readings, then on as usual. The data has no gap.
        AlertEngine engine = Replay();
        var fleet = StormThenSilence(TimeSpan.FromMinutes(100), silentUntil: null).ToList();
        var backlog = Enumerable.Range(7, 4).Select(i => (Reading)Telemetry(Wx, T0.AddMinutes(10 * i), i, ("rain_mm", 0)));
        var rest = StormThenSilence(TimeSpan.FromHours(8), silentUntil: TimeSpan.FromMinutes(70)).Where(r => r.Timestamp > T0.AddMinutes(100));
        List<AlertChange> outage = Rain(Feed(engine, fleet.Concat(backlog).Concat(rest)));

        Assert.Equal([Transition.LostContact, Transition.ContactRestored], outage.Where(c => c.Transition is Transition.LostContact or Transition.ContactRestored).Select(c => c.Transition));
        Assert.Equal(T0.AddMinutes(90), outage.Single(c => c.Transition == Transition.ContactRestored).Alert.UpdatedAt); // never before the stale mark
        static IEnumerable<(Transition, Severity, DateTimeOffset)> Severities(IEnumerable<AlertChange> changes) =>
            changes.Where(c => c.Transition is not (Transition.LostContact or Transition.ContactRestored)).Select(c => (c.Transition, c.Alert.Severity, c.Alert.UpdatedAt));
        Assert.Equal(Severities(steady), Severities(outage));
        Assert.Contains(steady, c => c.Transition == Transition.DeEscalated);
    }

    [Fact]
    public void Live_StaleJudgedByTheWallClock_LostContactOncePerSilenceAndFreshDataClearsIt()
    {
        var engine = new AlertEngine(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.WallClock, Live);
        List<AlertChange> changes = [.. engine.Process(Telemetry(Wx, Live, 1, ("rain_mm", 110)), Live).Changes];
        Assert.Equal(Transition.Raised, Assert.Single(Rain(changes)).Transition);
        string id = changes.Single(c => c.Rule.Id == Rainstorm).Alert.Id;
        Assert.NotNull(engine.Acknowledge(id, "duty Li", Live.AddMinutes(5)));

        // Ticks every minute for 2 h of silence: lost contact once, at 30 min, and the acknowledgement is cleared.
        List<AlertChange> silent = Rain(Enumerable.Range(1, 120).SelectMany(m => engine.Tick(Live.AddMinutes(m))));
        AlertChange lost = Assert.Single(silent);
        Assert.Equal((Transition.LostContact, Live.AddMinutes(30), Live), (lost.Transition, lost.Alert.UpdatedAt, lost.Alert.StaleSince));
        Assert.Null(lost.Alert.AcknowledgedBy);

        // Fresh data: contact restored (the 3 h window still holds the 110 mm: red stays).
        List<AlertChange> back = Rain(engine.Process(Telemetry(Wx, Live.AddMinutes(121), 2, ("rain_mm", 0)), Live.AddMinutes(121)).Changes);
        Assert.Equal(Transition.ContactRestored, Assert.Single(back).Transition);
        Assert.False(Assert.Single(engine.Active, a => a.Id == id).Stale);

        // A second silence is a second episode: one more lost contact.
        List<AlertChange> again = Rain(Enumerable.Range(122, 60).SelectMany(m => engine.Tick(Live.AddMinutes(m))));
        Assert.Equal((Transition.LostContact, Live.AddMinutes(121)), (Assert.Single(again).Transition, again[0].Alert.StaleSince));
    }

    [Fact]
    public void Replay_FloodGaugeGoesSilent_MarkedStaleNotLostContactAndKeepsTheAcknowledgement()
    {
        AlertEngine engine = Replay();
        var readings = new List<Reading>();
        for (int i = 0; i <= 12; i++)
        {
            readings.Add(Telemetry(Other, T0.AddMinutes(10 * i), i, ("rain_mm", 0)));
            if (i < 3)
            {
                readings.Add(Telemetry("qs-wl-01", T0.AddMinutes(10 * i), i, ("water_level_m", 3.2)));
            }

            if (i == 3)
            {
                string id = engine.Active.Single(a => a.RuleId == "flood-level").Id;
                Assert.NotNull(engine.Acknowledge(id, "duty Wang", T0.AddMinutes(25)));
            }

            foreach (Reading r in readings)
            {
                engine.Process(r, DateTimeOffset.MaxValue);
            }

            readings.Clear();
        }

        Alert flood = engine.Active.Single(a => a.RuleId == "flood-level");
        Assert.Equal((Transition.Stale, true, T0.AddMinutes(20), "duty Wang"), (flood.LastTransition, flood.Stale, flood.StaleSince, flood.AcknowledgedBy));
        Assert.StartsWith("数据中断：", flood.MessageZh, StringComparison.Ordinal);
        Assert.Contains("stays in force", flood.MessageEn, StringComparison.Ordinal);
        Assert.DoesNotContain(engine.Active, a => a.RuleId == "station-offline" && a.Stale); // a rule about silence never goes stale
    }

    [Fact]
    public void Close_WithReason_EndsTheAlertRecordsWhyAndRaisesNoNewIncidentWhileTheSameLevelHolds()
    {
        AlertEngine engine = Replay();
        Feed(engine, [Telemetry(Wx, T0.AddMinutes(10), 1, ("rain_mm", 60))]); // orange
        string id = engine.Active.Single(a => a.RuleId == Rainstorm).Id;

        Assert.Null(engine.Close("no-such-alert", "duty Li", "test", T0));
        AlertChange closed = engine.Close(id, "duty Li", "gauge flooded, reading unreliable; confirmed by patrol", Live)!;

        Assert.Equal((Transition.Closed, AlertStatus.Closed, Severity.None, Severity.Orange), (closed.Transition, closed.Alert.Status, closed.Alert.Severity, closed.Previous));
        Assert.Equal(("duty Li", Live, "gauge flooded, reading unreliable; confirmed by patrol"), (closed.Alert.ClosedBy, closed.Alert.ClosedAt, closed.Alert.CloseReason));
        Assert.Contains("原因：gauge flooded", closed.Alert.MessageZh, StringComparison.Ordinal);
        Assert.Contains("closed by duty Li. Reason: gauge flooded", closed.Alert.MessageEn, StringComparison.Ordinal);
        Assert.DoesNotContain(engine.Active, a => a.Id == id);

        // Recorded in the history and in the one JSON shape.
        string line = AlertHistory.Line(closed);
        Assert.Contains("transition=closed", line, StringComparison.Ordinal);
        Assert.Contains("close_reason=\"gauge flooded, reading unreliable; confirmed by patrol\"", line, StringComparison.Ordinal);
        Assert.Contains("closed_by=\"duty Li\"", line, StringComparison.Ordinal);
        JsonNode json = JsonNode.Parse(closed.ToNotification().ToJson())!;
        Assert.Equal(("closed", "closed", "duty Li"), ((string?)json["transition"], (string?)json["status"], (string?)json["closed_by"]));
        Assert.Equal("gauge flooded, reading unreliable; confirmed by patrol", (string?)json["close_reason"]);

        // Still orange: no new incident; red: a new one.
        Assert.Empty(Rain(Feed(engine, [Telemetry(Wx, T0.AddMinutes(20), 2, ("rain_mm", 0))])));
        List<AlertChange> red = Rain(Feed(engine, [Telemetry(Wx, T0.AddMinutes(30), 3, ("rain_mm", 50))]));
        AlertChange raised = Assert.Single(red);
        Assert.Equal((Transition.Raised, Severity.Red), (raised.Transition, raised.Alert.Severity));
        Assert.NotEqual(id, raised.Alert.Id);
    }

    [Fact]
    public void Close_StaleAlert_ClearsTheRetainedAlertAsACapCancel()
    {
        AlertEngine engine = Replay();
        AlertChange lost = Rain(Feed(engine, StormThenSilence(TimeSpan.FromHours(2), silentUntil: null)))[^1];
        Assert.Equal(Transition.LostContact, lost.Transition);
        AlertChange closed = engine.Close(lost.Alert.Id, "duty Li", "station destroyed by the debris flow", Live)!;

        var feed = new CapFeed();
        List<AlertChange> changes = Rain(Feed(Replay(), StormThenSilence(TimeSpan.FromHours(2), silentUntil: null)));
        foreach ((AlertChange change, int i) in changes.Append(closed).Select((c, i) => (c, i)))
        {
            feed.Add(change, new CapOptions(), Live.AddSeconds(i));
        }

        XNamespace cap = CapWriter.Namespace;
        Assert.Equal(["Cancel", "Update", "Update", "Alert"], feed.Entries.Select(e => XDocument.Parse(e.Xml).Root!.Element(cap + "msgType")!.Value));
        XElement cancel = XDocument.Parse(feed.Entries[0].Xml).Root!;
        Assert.StartsWith("人工关闭：", cancel.Element(cap + "info")!.Element(cap + "headline")!.Value, StringComparison.Ordinal);
        Assert.Contains(cancel.Elements(cap + "info").Last().Elements(cap + "parameter"), p => p.Element(cap + "valueName")!.Value == "GC_CLOSE_REASON" && p.Element(cap + "value")!.Value == "station destroyed by the debris flow");
    }

    [Fact]
    public void LostContact_NotificationAndCapUpdate_SayContactWasLost()
    {
        AlertEngine engine = Replay();
        List<AlertChange> changes = Rain(Feed(engine, StormThenSilence(TimeSpan.FromHours(2), silentUntil: null)));
        AlertChange lost = changes[^1];

        JsonNode json = JsonNode.Parse(lost.ToNotification().ToJson())!;
        Assert.Equal(("lost_contact", "active", true), ((string?)json["transition"], (string?)json["status"], (bool?)json["stale"]));
        Assert.Equal(T0.AddHours(1), json["stale_since"]!.GetValue<DateTimeOffset>());
        Assert.False((bool)JsonNode.Parse(changes[0].ToNotification().ToJson())!["stale"]!); // additive: false when fresh

        var feed = new CapFeed();
        foreach ((AlertChange change, int i) in changes.Select((c, i) => (c, i)))
        {
            feed.Add(change, new CapOptions(), Live.AddSeconds(i));
        }

        XNamespace cap = CapWriter.Namespace;
        XElement update = XDocument.Parse(feed.Entries[0].Xml).Root!;
        Assert.Equal("Update", update.Element(cap + "msgType")!.Value);
        XElement[] infos = update.Elements(cap + "info").ToArray();
        Assert.StartsWith("失联：", infos[0].Element(cap + "headline")!.Value, StringComparison.Ordinal);
        Assert.StartsWith("失联：", infos[0].Element(cap + "description")!.Value, StringComparison.Ordinal);
        Assert.StartsWith("Lost contact: ", infos[1].Element(cap + "description")!.Value, StringComparison.Ordinal);
        Assert.Contains(infos[1].Elements(cap + "parameter"), p => p.Element(cap + "valueName")!.Value == "GC_STALE_SINCE" && p.Element(cap + "value")!.Value == "2023-07-30T09:00:00+08:00");

        var schemas = new XmlSchemaSet();
        schemas.Add(CapWriter.Namespace, Path.Combine(AppContext.BaseDirectory, "Data", "CAP-v1.2.xsd")); // the official OASIS schema (Data/README.md)
        var errors = new List<string>();
        foreach (CapEntry entry in feed.Entries)
        {
            XDocument.Parse(entry.Xml).Validate(schemas, (_, e) => errors.Add(e.Message));
        }

        Assert.Empty(errors);
    }

    [Fact]
    public void Restore_StaleAlertAfterRestart_StaysStaleNoSecondLostContactAndTheGapStillHolds()
    {
        AlertEngine before = Replay();
        List<AlertChange> first = Rain(Feed(before, StormThenSilence(TimeSpan.FromHours(7), silentUntil: null)));
        Assert.Equal(Transition.LostContact, first[^1].Transition);
        string saved = JsonSerializer.Serialize(new AlertingState(before.Snapshot(), []));

        AlertEngine after = Replay();
        after.Restore(JsonSerializer.Deserialize<AlertingState>(saved)!.Engine);
        foreach (Reading reading in StormThenSilence(TimeSpan.FromHours(7), silentUntil: null))
        {
            after.Prime(reading); // the windows refilled from InfluxDB, as at start-up
        }

        Alert restored = Assert.Single(after.Active, a => a.RuleId == Rainstorm);
        Assert.Equal((true, T0.AddHours(1), first[^1].Alert.Revision), (restored.Stale, restored.StaleSince, restored.Revision));

        // The rest of the replay from the restored state (the gauge back at 07:10): no second lost contact.
        List<AlertChange> rest = Rain(Feed(after, StormThenSilence(TimeSpan.FromHours(22), silentUntil: TimeSpan.FromHours(7)).Where(r => r.Timestamp > T0.AddHours(7))));
        Assert.Equal([Transition.ContactRestored, Transition.DeEscalated, Transition.DeEscalated, Transition.Resolved], rest.Select(c => c.Transition));
        Assert.Equal(T0.AddMinutes(10 * 60 + 10), rest[1].Alert.UpdatedAt); // the gap (01:00 to 07:10) survived the restart: red until 07:10 + 3 h
    }

    [Fact]
    public void Replay_SameInputsTwice_GiveTheSameStaleNotifications()
    {
        static List<string> Run()
        {
            AlertEngine engine = Replay();
            return Feed(engine, StormThenSilence(TimeSpan.FromHours(22), silentUntil: TimeSpan.FromHours(7)))
                .Select(c => System.Text.Encoding.UTF8.GetString(c.ToNotification().ToJson())).ToList();
        }

        List<string> one = Run(), two = Run();
        Assert.Equal(one, two);
        Assert.Contains(one, n => n.Contains("\"transition\":\"lost_contact\"", StringComparison.Ordinal));
        Assert.Contains(one, n => n.Contains("\"transition\":\"contact_restored\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Rules_StaleSettings_DefaultsByCategoryAndValidated()
    {
        Dictionary<string, Rule> rules = ShippedRules().Rules.ToDictionary(r => r.Id);
        Assert.Equal((TimeSpan.FromMinutes(30), true), (rules[Rainstorm].StaleHorizon, rules[Rainstorm].LostContact));
        Assert.Equal((TimeSpan.FromMinutes(30), false), (rules["flood-level"].StaleHorizon, rules["flood-level"].LostContact));
        Assert.Equal(TimeSpan.FromMinutes(30), rules["fire-co"].StaleHorizon);
        Assert.Null(rules["station-offline"].StaleHorizon);
        Assert.Null(rules["battery-low"].StaleHorizon);
        Assert.Null(rules["species-leopard"].StaleHorizon);

        Assert.Null(TestData.Rules(OneRule("weather", "      - severity: blue\n        when: { threshold: { field: rain_mm, at_least: 5 } }", extra: "    stale_after: off")).Rules[0].StaleHorizon);
        Assert.Equal(TimeSpan.FromHours(2), TestData.Rules(OneRule("weather", "      - severity: blue\n        when: { threshold: { field: rain_mm, at_least: 5 } }", extra: "    stale_after: 2h")).Rules[0].StaleHorizon);

        RuleFileException off = Assert.Throws<RuleFileException>(() => TestData.Rules(OneRule("weather", "      - severity: blue\n        when: { threshold: { field: rain_mm, at_least: 5 } }", extra: "    stale_after: off\n    lost_contact: true")));
        Assert.Contains(off.Errors, e => e.Field == "rules[0](test-rule).lost_contact");
        RuleFileException absence = Assert.Throws<RuleFileException>(() => TestData.Rules(OneRule("weather", "      - severity: blue\n        when: { absence: { for: 30m } }", extra: "    stale_after: 1h")));
        Assert.Contains(absence.Errors, e => e.Field == "rules[0](test-rule).stale_after");
    }
}
