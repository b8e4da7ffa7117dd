using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Alerting.Duty.Escalation;
using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using GardenCity.Monitoring.Core.Time;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.Alerting.Tests.Duty.Escalation;

/// <summary>Escalation timing on a <see cref="FakeTimeProvider"/>: tiers due exactly at their delay, stopped, restarted, ended; durable across a restart.</summary>
public sealed class EscalationServiceTests : IDisposable
{
    private static readonly DateTimeOffset MondayMorning = new(2026, 12, 7, 9, 0, 0, BeijingTime.Offset); // town-wang's shift
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-escalation-").FullName;
    private readonly FakeTimeProvider _time = new(MondayMorning);
    private readonly List<(string Key, AlertNotification Notification)> _queued = [];
    private readonly List<EscalationService> _services = [];

    public void Dispose()
    {
        _services.ForEach(s => s.Dispose());
        Directory.Delete(_dir, recursive: true);
    }

    private EscalationService Start(out Outbox outbox, string file = EscalationTestData.File, IAuditLog? audit = null)
    {
        string path = Path.Combine(_dir, "escalation.yaml");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, file);
        }

        var service = new EscalationService(Options.Create(EscalationTestData.Options(path)), Options.Create(new AlertingOptions { StateDirectory = Path.Combine(_dir, "state") }), _time, new FakeLogger<EscalationService>(), audit);
        _services.Add(service);
        outbox = new Outbox(Path.Combine(_dir, "state"));
        service.Start(outbox, (key, n) => _queued.Add((key, n)));
        return service;
    }

    private static AlertNotification Change(Transition transition, Severity severity = Severity.Red, int revision = 1, string? by = null) =>
        DutyTestData.Red(transition, revision: revision) with { Severity = severity, AcknowledgedBy = by };

    private const string AlertId = "rainstorm-cma.bhs-wx-01.20230730T130000Z";

    [Fact]
    public void UnacknowledgedRedAlert_TierTwoExactlyAtItsDelay_ThenTierThree()
    {
        EscalationService service = Start(out Outbox outbox);
        service.Observe([Change(Transition.Raised)]);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Empty(_queued);
        _time.Advance(TimeSpan.FromTicks(1));
        (string key, AlertNotification n) = Assert.Single(_queued);
        Assert.Equal("duty:sms:town-wang:t2", key); // the rota's person on duty on Monday morning
        Assert.Equal($"{AlertId}#1", n.NotificationId);
        Assert.StartsWith("【升级通知·第 2 级·镇值班员】已 5 分钟无人确认。", n.MessageZh, StringComparison.Ordinal);
        Assert.Equal("暴雨预警·第2级通知", n.RuleZh);
        Assert.Contains(outbox.Pending, p => p.Endpoint == key); // in the outbox before it was queued

        AlertEscalation state = service.Find(AlertId)!;
        Assert.Equal(("running", 2, 3, "区应急局"), (state.State, state.CurrentTier, state.NextTier, state.NextTierName));
        Assert.Equal(MondayMorning + TimeSpan.FromMinutes(15), state.NextTierDueAt);

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        Assert.Single(_queued);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(["duty:sms:town-wang:t2", "duty:ding-district:@group:t3", "duty:sms:leader-liu:t3"], _queued.Select(q => q.Key));
        DutyDelivery robot = service.Rebuild("ding-district", DutyDelivery.Group, 3, _queued[1].Notification)!;
        Assert.Equal((3, "leader-liu"), (robot.Tier, Assert.Single(robot.Mentions).Name));
        Assert.Equal("last_tier_reached", service.Find(AlertId)!.State);

        _time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(3, _queued.Count); // no tier after the last
    }

    [Fact]
    public void EveryStep_IsInTheAuditTrail_WithWhoAndTheRecipients()
    {
        var audit = new AuditFileStore(Path.Combine(_dir, "audit"));
        EscalationService service = Start(out _, audit: audit);
        service.Observe([Change(Transition.Raised)]);
        _time.Advance(TimeSpan.FromMinutes(5));
        service.Observe([Change(Transition.Acknowledged, revision: 2, by: "duty-officer-wang")]);

        IReadOnlyList<AuditEntry> steps = audit.Query(new AuditQuery(MondayMorning.AddDays(-1), MondayMorning.AddDays(1), AlertId: AlertId, Kind: AuditKinds.EscalationPrefix));
        Assert.Equal(["escalation.acknowledged", "escalation.tier", "escalation.started"], steps.Select(e => e.Kind)); // newest first
        Assert.Equal(["duty-officer-wang", AuditEntry.System, AuditEntry.System], steps.Select(e => e.Who));
        Assert.Contains("tier 2", steps[1].Detail, StringComparison.Ordinal);
        Assert.Contains("sms/town-wang", steps[1].Detail, StringComparison.Ordinal); // whom the tier went to
        Assert.Equal(MondayMorning + TimeSpan.FromMinutes(5), steps[1].At);
    }

    [Fact]
    public void Acknowledgement_BeforeTheDelay_StopsTheEscalation()
    {
        EscalationService service = Start(out _);
        service.Observe([Change(Transition.Raised)]);
        _time.Advance(TimeSpan.FromMinutes(4));
        service.Observe([Change(Transition.Acknowledged, revision: 2, by: "duty-officer-wang")]);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Empty(_queued);
        AlertEscalation state = service.Find(AlertId)!;
        Assert.Equal(("acknowledged", "duty-officer-wang", "acknowledged", 1), (state.State, state.StoppedBy, state.StopReason, state.CurrentTier));
        Assert.Null(state.NextTierDueAt);
        Assert.Equal(["started", "acknowledged"], state.Steps.Select(s => s.Kind));
    }

    [Fact]
    public void SeverityUp_RestartsFromTierOne()
    {
        EscalationService service = Start(out _, EscalationTestData.File.Replace("min_severity: red", "min_severity: orange", StringComparison.Ordinal));
        service.Observe([Change(Transition.Raised, Severity.Orange)]);
        _time.Advance(TimeSpan.FromMinutes(4));
        service.Observe([Change(Transition.Escalated, Severity.Red, revision: 2)]);

        _time.Advance(TimeSpan.FromMinutes(4)); // 8 min after the raise, 4 after the escalation
        Assert.Empty(_queued);
        _time.Advance(TimeSpan.FromMinutes(1));
        (_, AlertNotification n) = Assert.Single(_queued);
        Assert.Equal($"{AlertId}#2", n.NotificationId); // the red change is what tier 2 hears of
        Assert.Equal(["started", "restarted", "tier"], service.Find(AlertId)!.Steps.Select(s => s.Kind));
    }

    [Fact]
    public void Resolve_EndsIt_AndCloseRecordsWho()
    {
        EscalationService service = Start(out _);
        service.Observe([Change(Transition.Raised)]);
        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Single(_queued);
        service.Observe([Change(Transition.Resolved, Severity.None, revision: 2)]);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Single(_queued);
        Assert.Equal(("ended", "resolved", 2), (service.Find(AlertId)!.State, service.Find(AlertId)!.StopReason, service.Find(AlertId)!.CurrentTier));
    }

    [Fact]
    public void LateNotice_NeverEscalates_AndNoPolicyNoEscalation()
    {
        EscalationService service = Start(out _);
        service.Observe([Change(Transition.Late), DutyTestData.Red(Transition.Raised, Audience.Ecology, alertId: "species-rare.x.1", revision: 1)]);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Empty(_queued);
        Assert.Null(service.Find(AlertId));
        Assert.Null(service.Find("species-rare.x.1"));
    }

    [Fact]
    public void Restart_InTheMiddle_SkipsNoTierAndRepeatsNone()
    {
        EscalationService first = Start(out _);
        first.Observe([Change(Transition.Raised)]);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(_queued);
        first.Dispose(); // the process dies (the state on disk is all that is left)

        _time.Advance(TimeSpan.FromMinutes(20)); // down while tier 3 fell due
        _queued.Clear();
        EscalationService second = Start(out Outbox outbox);
        Assert.Equal(["duty:ding-district:@group:t3", "duty:sms:leader-liu:t3"], _queued.Select(q => q.Key)); // overdue: at once
        Assert.DoesNotContain(outbox.Pending, p => p.Endpoint.EndsWith(":t2", StringComparison.Ordinal) && _queued.Any(q => q.Key == p.Endpoint));
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, _queued.Count);
        Assert.Equal(["started", "tier", "tier"], second.Find(AlertId)!.Steps.Select(s => s.Kind));
    }

    [Fact]
    public void Restart_AfterTheTierWasDecidedButBeforeItsDeliveriesWereInTheOutbox_AddsThemOnce()
    {
        EscalationService first = Start(out Outbox outbox);
        first.Observe([Change(Transition.Raised)]);
        _time.Advance(TimeSpan.FromMinutes(5));
        first.Dispose();
        outbox.Done("duty:sms:town-wang:t2", $"{AlertId}#1"); // pretend it never got into the outbox ...
        string state = Path.Combine(_dir, "state", "escalation.json");
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"queued\":true", "\"queued\":false", StringComparison.Ordinal)); // ... as after a crash between the two writes

        _queued.Clear();
        EscalationService second = Start(out Outbox reopened);
        Assert.Equal(["duty:sms:town-wang:t2"], _queued.Select(q => q.Key));
        Assert.Contains(reopened.Pending, p => p.Endpoint == "duty:sms:town-wang:t2");
        Assert.NotNull(second.Rebuild("sms", "town-wang", 2, _queued[0].Notification));
    }
}
