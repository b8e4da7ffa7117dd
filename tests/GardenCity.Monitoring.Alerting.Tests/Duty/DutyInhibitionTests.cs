using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Inhibition;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static GardenCity.Monitoring.Alerting.Tests.Duty.DutyTestData;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Duty;

/// <summary>Inhibition: source rules, hazard tiers, site-wide outages, release, restart.</summary>
public sealed class DutyInhibitionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-inhibit-").FullName;
    private readonly List<DutyDecision> _decisions = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DutyInhibitionOptions Options()
    {
        var o = new DutyInhibitionOptions();
        var rule = new DutyInhibitionRuleOptions { Name = "offline-mutes-symptoms" };
        rule.Sources.Add("station-offline");
        rule.Targets.AddRange(["battery-low", "sequence-gap"]);
        o.Rules.Add(rule);
        o.Hazards["flood"] = ["flood-level", "flood-fast-rise"];
        return o;
    }

    private DutyInhibitor Inhibitor(DutyInhibitionOptions? o = null) => new(o ?? Options(), Registry, _dir, _decisions.Add);

    private static int _minute;

    /// <summary>A change of an alert of <paramref name="rule"/> at <paramref name="station"/>.</summary>
    private static AlertNotification Alert(string rule, string station, Severity severity, Transition transition = Transition.Raised, int revision = 1, Audience audience = Audience.Maintenance)
    {
        Core.Stations.Station s = Station(station);
        bool over = transition is Transition.Resolved or Transition.Closed;
        string id = $"{rule}.{station}.20230730T000000Z";
        return Red() with
        {
            NotificationId = $"{id}#{revision}",
            AlertId = id,
            RuleId = rule,
            Transition = transition,
            Audience = audience,
            Severity = over ? Severity.None : severity,
            PreviousSeverity = over ? severity : Severity.None,
            Status = over ? AlertStatus.Resolved : AlertStatus.Active,
            StationId = station,
            StationZh = s.NameZh,
            StationEn = s.NameEn,
            Site = s.Site.Id,
            Watershed = s.Watershed,
            UpdatedAt = T0.AddMinutes(Interlocked.Increment(ref _minute)),
        };
    }

    [Fact]
    public void Decisions_AreInTheAuditTrail()
    {
        var audit = new AuditFileStore(Path.Combine(_dir, "audit"));
        DutyInhibitionOptions inhibition = Options();
        var decisions = new DutyDecisions(new DutyRouter(DutyTestData.Options(), []), new DutyDeliveryLog(_dir), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, audit);
        var inhibitor = new DutyInhibitor(inhibition, Registry, _dir, decisions.Record);
        AlertNotification offline = Alert("station-offline", "qs-wx-01", Severity.Yellow);
        AlertNotification battery = Alert("battery-low", "qs-wx-01", Severity.Blue);
        inhibitor.Filter([offline]);
        inhibitor.Filter([battery]);
        decisions.Record(new DutyDecision(DutyDecisionKind.Grouped, offline, "qingshui", [offline.NotificationId, battery.NotificationId], "wecom-flood", "@group"));

        IReadOnlyList<AuditEntry> entries = audit.Query(new AuditQuery(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1), Kind: AuditKinds.DutyPrefix));
        Assert.Equal(["duty.grouped", "duty.held_back"], entries.Select(e => e.Kind));
        Assert.Equal((battery.AlertId, offline.AlertId), (entries[1].AlertId, entries[1].Target)); // held back by the offline alert
        Assert.Equal("wecom-flood/@group", entries[0].Target);
        Assert.Contains($"2 notifications in one message: {offline.NotificationId}, {battery.NotificationId}", entries[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void StationOffline_HoldsBackBatteryLow_AndReleasesItWhenTheStationIsBackWhileTheBatteryIsStillLow()
    {
        DutyInhibitor inhibitor = Inhibitor();
        AlertNotification offline = Alert("station-offline", "qs-wx-01", Severity.Yellow);
        AlertNotification battery = Alert("battery-low", "qs-wx-01", Severity.Blue);
        AlertNotification otherStation = Alert("battery-low", "zt-wx-01", Severity.Blue);

        Assert.Equal([offline], inhibitor.Filter([offline]));
        Assert.Equal([otherStation], inhibitor.Filter([battery, otherStation])); // another station's battery is not held

        DutyDecision held = Assert.Single(_decisions, d => d.Kind == DutyDecisionKind.HeldBack);
        Assert.Equal((battery.NotificationId, offline.AlertId), (held.Notification.NotificationId, held.By));
        Assert.Equal(offline.AlertId, inhibitor.Held[battery.AlertId]);

        AlertNotification back = Alert("station-offline", "qs-wx-01", Severity.Yellow, Transition.Resolved, 2);
        Assert.Equal([back, battery], inhibitor.Filter([back])); // the battery is still low: now people hear of it
        Assert.Contains(_decisions, d => d.Kind == DutyDecisionKind.Released && d.Notification == battery && d.By == offline.AlertId);
        Assert.Empty(inhibitor.Held);
    }

    [Fact]
    public void HeldBackAlertThatEndsFirst_IsNeverNotified()
    {
        DutyInhibitor inhibitor = Inhibitor();
        AlertNotification offline = Alert("station-offline", "qs-wl-01", Severity.Yellow);
        inhibitor.Filter([offline]);
        inhibitor.Filter([Alert("sequence-gap", "qs-wl-01", Severity.Info)]);

        Assert.Empty(inhibitor.Filter([Alert("sequence-gap", "qs-wl-01", Severity.Info, Transition.Resolved, 2)])); // nobody heard it begin
        Assert.Equal(2, _decisions.Count(d => d.Kind == DutyDecisionKind.HeldBack));
        Assert.Single(inhibitor.Filter([Alert("station-offline", "qs-wl-01", Severity.Yellow, Transition.Resolved, 2)])); // only the offline's own resolve
    }

    [Fact]
    public void HigherColourOfTheSameHazardAndStation_HoldsBackTheLower_UntilItDropsBelow()
    {
        DutyInhibitor inhibitor = Inhibitor();
        AlertNotification red = Alert("flood-level", "qs-wl-01", Severity.Red, audience: Audience.Emergency);
        AlertNotification orange = Alert("flood-fast-rise", "qs-wl-01", Severity.Orange, audience: Audience.Emergency);
        AlertNotification elsewhere = Alert("flood-fast-rise", "qs-wl-02", Severity.Orange, audience: Audience.Emergency);
        AlertNotification rain = Alert("rainstorm-cma", "qs-wx-01", Severity.Blue, audience: Audience.Emergency); // not the hazard

        Assert.Equal([red], inhibitor.Filter([red]));
        Assert.Equal([elsewhere, rain], inhibitor.Filter([orange, elsewhere, rain]));
        Assert.Equal(red.AlertId, inhibitor.Held[orange.AlertId]);

        AlertNotification lowered = red with { NotificationId = red.AlertId + "#2", Transition = Transition.DeEscalated, Severity = Severity.Yellow, PreviousSeverity = Severity.Red };
        Assert.Equal([lowered, orange], inhibitor.Filter([lowered])); // yellow no longer above orange
    }

    [Fact]
    public void HeldBackNow_SaysByWhichAlertAndWhy_ForEachKind_AndForgetsReleasedOnes()
    {
        DutyInhibitor inhibitor = Inhibitor();
        AlertNotification offline = Alert("station-offline", "mtg-wx-01", Severity.Yellow);
        AlertNotification battery = Alert("battery-low", "mtg-wx-01", Severity.Blue);
        AlertNotification red = Alert("flood-level", "qs-wl-01", Severity.Red, audience: Audience.Emergency);
        AlertNotification orange = Alert("flood-fast-rise", "qs-wl-01", Severity.Orange, audience: Audience.Emergency);
        inhibitor.Filter([offline, battery, red, orange]);

        AlertHoldBack byRule = inhibitor.HeldBackNow[battery.AlertId];
        Assert.Equal((offline.AlertId, "rule", "offline-mutes-symptoms", "station-offline", "mtg-wx-01", offline.StationZh, "yellow"),
            (byRule.By, byRule.Kind, byRule.Name, byRule.ByRule, byRule.ByStation, byRule.ByStationZh, byRule.BySeverity));
        AlertHoldBack byHazard = inhibitor.HeldBackNow[orange.AlertId];
        Assert.Equal((red.AlertId, "hazard", "flood", "flood-level", "red"), (byHazard.By, byHazard.Kind, byHazard.Name, byHazard.ByRule, byHazard.BySeverity));
        Assert.Equal(2, inhibitor.HeldBackNow.Count);

        inhibitor.Filter([Alert("station-offline", "mtg-wx-01", Severity.Yellow, Transition.Resolved, 2)]);
        Assert.False(inhibitor.HeldBackNow.ContainsKey(battery.AlertId)); // released: told now, no longer marked
        Assert.Equal([orange.AlertId], inhibitor.HeldBackNow.Keys);
    }

    [Fact]
    public void EqualColours_DoNotHoldEachOtherBack()
    {
        DutyInhibitor inhibitor = Inhibitor();
        AlertNotification level = Alert("flood-level", "qs-wl-01", Severity.Orange, audience: Audience.Emergency);
        AlertNotification rise = Alert("flood-fast-rise", "qs-wl-01", Severity.Orange, audience: Audience.Emergency);

        Assert.Equal([level, rise], inhibitor.Filter([level, rise]));
    }

    [Fact]
    public void MostStationsOfASiteOffline_GiveOneSiteAlert_AndTheStationsStillOfflineAreNotifiedWhenItEnds()
    {
        // qingshui-river has three watched stations (qs-wx-01, qs-wl-01, qs-wl-02): 2 of 3 ≥ 0.6.
        DutyInhibitor inhibitor = Inhibitor();
        AlertNotification first = Alert("station-offline", "qs-wx-01", Severity.Yellow);
        AlertNotification second = Alert("station-offline", "qs-wl-01", Severity.Yellow);
        AlertNotification third = Alert("station-offline", "qs-wl-02", Severity.Yellow);

        Assert.Equal([first], inhibitor.Filter([first]));
        IReadOnlyList<AlertNotification> out2 = inhibitor.Filter([second]);
        AlertNotification site = Assert.Single(out2);
        Assert.Equal(("site-outage", Transition.Raised, "qingshui-river", "qingshui", Severity.Yellow), (site.RuleId, site.Transition, site.Site, site.Watershed, site.Severity));
        Assert.StartsWith("site-outage.qingshui-river.", site.AlertId, StringComparison.Ordinal);
        Assert.Contains("2/3 个站点离线", site.MessageZh, StringComparison.Ordinal);
        Assert.Equal(site.AlertId, inhibitor.Held[second.AlertId]);
        Assert.Empty(inhibitor.Filter([third])); // held by the site alert too

        // One station back: 2 of 3 still offline, the outage goes on.
        Assert.Empty(inhibitor.Filter([Alert("station-offline", "qs-wl-01", Severity.Yellow, Transition.Resolved, 2)]));
        // Another back: 1 of 3, the site alert resolves and the one still offline (held) is notified on its own.
        IReadOnlyList<AlertNotification> end = inhibitor.Filter([Alert("station-offline", "qs-wx-01", Severity.Yellow, Transition.Resolved, 2)]);
        Assert.Equal(3, end.Count);
        Assert.Equal((site.AlertId + "#2", Transition.Resolved), (end[0].NotificationId, end[0].Transition));
        Assert.Equal(third, end[1]);
        Assert.Equal("station-offline.qs-wx-01.20230730T000000Z#2", end[2].NotificationId); // its resolve: its raise was notified
        Assert.Equal([DutyDecisionKind.SiteOutageRaised, DutyDecisionKind.HeldBack, DutyDecisionKind.HeldBack, DutyDecisionKind.HeldBack, DutyDecisionKind.SiteOutageResolved, DutyDecisionKind.Released],
            _decisions.Select(d => d.Kind));
    }

    [Fact]
    public void SiteOutage_NeedsMinStations()
    {
        // zhaitang-reservoir has two watched stations; with MinStations 3 both offline is no site outage.
        DutyInhibitionOptions o = Options();
        o.SiteOutage.MinStations = 3;
        DutyInhibitor inhibitor = Inhibitor(o);
        AlertNotification a = Alert("station-offline", "zt-wx-01", Severity.Yellow), b = Alert("station-offline", "zt-wl-01", Severity.Yellow);

        Assert.Equal([a, b], inhibitor.Filter([a, b]));
    }

    [Fact]
    public void State_SurvivesARestart()
    {
        DutyInhibitor before = Inhibitor();
        AlertNotification offline = Alert("station-offline", "mtg-wx-01", Severity.Yellow);
        AlertNotification battery = Alert("battery-low", "mtg-wx-01", Severity.Blue);
        before.Filter([offline, battery]);
        before.Save();

        DutyInhibitor after = Inhibitor();

        Assert.Equal(offline.AlertId, after.Held[battery.AlertId]);
        AlertNotification back = Alert("station-offline", "mtg-wx-01", Severity.Yellow, Transition.Resolved, 2);
        Assert.Equal([back.NotificationId, battery.NotificationId], after.Filter([back]).Select(n => n.NotificationId));
    }

    [Fact]
    public void Validator_NamesTheKeyOfUnknownRulesAndEmptyLists()
    {
        DutyOptions o = DutyTestData.Options();
        var bad = new DutyInhibitionRuleOptions();
        bad.Sources.Add("station-ofline");
        o.Inhibition.Rules.Add(bad);
        o.Inhibition.Hazards["flood"] = ["flood-level"];
        string rules = Path.Combine(AppContext.BaseDirectory, "rules");
        ServiceProvider services = new ServiceCollection()
            .AddSingleton(Registry)
            .AddSingleton(Microsoft.Extensions.Options.Options.Create(new AlertingOptions { RulesDirectory = rules }))
            .BuildServiceProvider();

        ValidateOptionsResult result = new DutyInhibitionValidator(services).Validate(null, o);

        Assert.True(result.Failed);
        Assert.Contains("GardenCity:Duty:Inhibition:Rules:0:Sources:0 'station-ofline' is not a rule of the rules directory", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("GardenCity:Duty:Inhibition:Rules:0:Targets lists no rule", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("GardenCity:Duty:Inhibition:Hazards:flood lists 1 rule(s)", result.FailureMessage, StringComparison.Ordinal);

        o.Inhibition.Rules.Clear();
        o.Inhibition.Rules.Add(Options().Rules[0]);
        o.Inhibition.Hazards["flood"] = ["flood-level", "flood-fast-rise"];
        Assert.True(new DutyInhibitionValidator(services).Validate(null, o).Succeeded);
    }
}
