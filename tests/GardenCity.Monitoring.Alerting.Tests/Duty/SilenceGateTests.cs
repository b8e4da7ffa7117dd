using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Alerting.Duty.Silences;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using Microsoft.Extensions.Time.Testing;

namespace GardenCity.Monitoring.Alerting.Tests.Duty;

/// <summary>
/// Silences on a <see cref="FakeTimeProvider"/>: which alerts they cover, holding duty deliveries back, releasing them when
/// the silence expires or is ended while the alert is still active (dropping them when it is not), surviving a restart,
/// and every step in the audit trail.
/// </summary>
public sealed class SilenceGateTests : IDisposable
{
    private const string Ding = "duty:ding-district:@group", Sms = "duty:sms:zhang-san";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly string _dir = Directory.CreateTempSubdirectory("gc-silence-").FullName;
    private readonly AuditFileStore _audit;

    public SilenceGateTests() => _audit = new AuditFileStore(Path.Combine(_dir, "audit"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("rule=rainstorm-cma", true)]
    [InlineData("rule=flood-level", false)]
    [InlineData("station=bhs-wx-01", true)]
    [InlineData("station=qs-wl-01", false)]
    [InlineData("site=baihua-mountain", true)]
    [InlineData("site=lingshan", false)]
    [InlineData("watershed=qingshui", true)]
    [InlineData("watershed=yongding", false)]
    [InlineData("audience=Emergency", true)]
    [InlineData("audience=Maintenance", false)]
    [InlineData("severity=Red", true)]
    [InlineData("severity=Orange", false)] // a ceiling: the red alert is above it
    [InlineData("rule=rainstorm-cma station=qs-wl-01", false)] // every matcher must match
    public void Matchers_EverySetMatcherMustMatch_SeverityIsACeiling(string matchers, bool expected) =>
        Assert.Equal(expected, Parse(matchers).Matches(DutyTestData.Red(Transition.Raised)));

    [Fact]
    public void Matchers_JudgeAResolveOnTheSeverityItHad()
    {
        var upToOrange = new SilenceMatchers(Severity: Severity.Orange);
        AlertNotification orangeResolved = DutyTestData.Red(Transition.Resolved) with { PreviousSeverity = Severity.Orange };

        Assert.True(upToOrange.Matches(orangeResolved));
        Assert.False(upToOrange.Matches(DutyTestData.Red(Transition.Resolved)));
    }

    [Theory]
    [InlineData("station=bhs-wx-01", true)]
    [InlineData("audience=Emergency", true)]
    [InlineData("audience=Emergency severity=Red", true)]
    [InlineData("audience=Emergency severity=Orange", false)]
    [InlineData("audience=Maintenance", false)]
    [InlineData("severity=Yellow", false)]
    public void Matchers_CoversEmergencyRed_WhenAudienceAndSeverityAllowIt(string matchers, bool expected) =>
        Assert.Equal(expected, Parse(matchers).CoversEmergencyRed);

    [Fact]
    public void RaisedUnderASilence_IsHeld_ThenSentWhenTheSilenceExpiresWhileStillActive()
    {
        (SilenceBook book, SilenceGate gate) = Open();
        Silence silence = book.Create(new SilenceMatchers(Station: "bhs-wx-01"), "admin-wang", "gauge maintenance / 检修", _time.GetUtcNow(), _time.GetUtcNow().AddHours(2));
        AlertNotification raised = DutyTestData.Red(Transition.Raised, revision: 1);

        IReadOnlyList<(string Key, AlertNotification Notification)> now = gate.Hold([(Ding, raised), (Sms, raised)]);

        Assert.Empty(now);
        Assert.Equal(2, gate.Count);
        Assert.Equal("admin-wang", gate.Annotate(raised).SilencedBy);
        Assert.Equal(silence.EndsAt, gate.Annotate(raised).SilencedUntil);

        // Still silenced an hour later: nothing goes out.
        _time.Advance(TimeSpan.FromHours(1));
        var sent = new List<(string Key, AlertNotification Notification)>();
        gate.Release(_ => true, sent.AddRange);
        Assert.Empty(sent);
        Assert.Equal(2, gate.Count);

        // The silence expires by itself with the alert still active: both deliveries go out.
        _time.Advance(TimeSpan.FromHours(1));
        gate.Release(id => id == raised.AlertId, sent.AddRange);
        Assert.Equal([(Ding, raised.NotificationId), (Sms, raised.NotificationId)], sent.Select(s => (s.Key, s.Notification.NotificationId)).Order());
        Assert.Equal(0, gate.Count);
        Assert.Null(gate.Annotate(raised).SilencedBy);

        IReadOnlyList<AuditEntry> trail = _audit.Query(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue));
        Assert.Equal([AuditKinds.SilenceReleased, AuditKinds.SilenceExpired, AuditKinds.SilenceHeld, AuditKinds.SilenceCreated], trail.Select(e => e.Kind));
        Assert.Equal("admin-wang", trail[^1].Who);
        Assert.Equal(silence.EndsAt, trail[1].At);
        Assert.Contains("ding-district/@group, sms/zhang-san", trail[0].Detail, StringComparison.Ordinal);

        // Released once only.
        sent.Clear();
        _time.Advance(TimeSpan.FromMinutes(1));
        gate.Release(_ => true, sent.AddRange);
        Assert.Empty(sent);
    }

    [Fact]
    public void ResolvedWhileSilenced_IsNotSentWhenTheSilenceEnds()
    {
        (SilenceBook book, SilenceGate gate) = Open();
        book.Create(new SilenceMatchers(Rule: "rainstorm-cma"), "admin-wang", "test", _time.GetUtcNow(), _time.GetUtcNow().AddMinutes(30));
        Assert.Empty(gate.Hold([(Ding, DutyTestData.Red(Transition.Raised, revision: 1))]));
        Assert.Empty(gate.Hold([(Ding, DutyTestData.Red(Transition.Resolved, revision: 2))]));
        Assert.Equal(1, gate.Count); // the latest held change per alert and delivery

        _time.Advance(TimeSpan.FromMinutes(30));
        var sent = new List<(string, AlertNotification)>();
        gate.Release(_ => false, sent.AddRange);

        Assert.Empty(sent);
        Assert.Equal(0, gate.Count);
        Assert.Contains(_audit.Query(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Kind: AuditKinds.SilenceDropped)), e => e.AlertId == DutyTestData.Red().AlertId);
    }

    [Fact]
    public void EndedEarly_ReleasesAtTheNextTick_AndRecordsWho()
    {
        (SilenceBook book, SilenceGate gate) = Open();
        Silence silence = book.Create(new SilenceMatchers(Site: "baihua-mountain"), "admin-wang", "test", _time.GetUtcNow(), _time.GetUtcNow().AddDays(1));
        AlertNotification raised = DutyTestData.Red(Transition.Raised, revision: 1);
        gate.Hold([(Ding, raised)]);

        _time.Advance(TimeSpan.FromMinutes(5));
        Silence? ended = book.Expire(silence.Id, "responder-li");
        var sent = new List<(string Key, AlertNotification Notification)>();
        gate.Release(_ => true, sent.AddRange);

        Assert.Equal("responder-li", ended!.EndedBy);
        Assert.Equal("ended", ended.StateAt(_time.GetUtcNow()));
        Assert.Equal([Ding], sent.Select(s => s.Key));
        AuditEntry deleted = Assert.Single(_audit.Query(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Kind: AuditKinds.SilenceDeleted)));
        Assert.Equal(("responder-li", silence.Id, _time.GetUtcNow()), (deleted.Who, deleted.Target, deleted.At));
        Assert.Empty(_audit.Query(new AuditQuery(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Kind: AuditKinds.SilenceExpired))); // ended, not expired
        Assert.Null(book.Expire("s-none", "x"));
    }

    [Fact]
    public void EscalationAboveTheCeiling_GoesOut_AndReplacesWhatWasHeld()
    {
        (SilenceBook book, SilenceGate gate) = Open();
        book.Create(new SilenceMatchers(Station: "bhs-wx-01", Severity: Severity.Orange), "responder-li", "test", _time.GetUtcNow(), _time.GetUtcNow().AddHours(1));
        AlertNotification orange = DutyTestData.Red(Transition.Raised, revision: 1) with { Severity = Severity.Orange };
        Assert.Empty(gate.Hold([(Ding, orange)]));

        AlertNotification red = DutyTestData.Red(Transition.Escalated, revision: 2);
        Assert.Equal([red.NotificationId], gate.Hold([(Ding, red)]).Select(d => d.Notification.NotificationId));
        Assert.Equal(0, gate.Count);
    }

    [Fact]
    public void PendingSilence_HoldsNothingBeforeItStarts()
    {
        (SilenceBook book, SilenceGate gate) = Open();
        Silence s = book.Create(new SilenceMatchers(Station: "bhs-wx-01"), "admin-wang", "tonight's works", _time.GetUtcNow().AddHours(10), _time.GetUtcNow().AddHours(12));

        Assert.Equal("pending", s.StateAt(_time.GetUtcNow()));
        Assert.Single(gate.Hold([(Ding, DutyTestData.Red(Transition.Raised, revision: 1))]));
        _time.Advance(TimeSpan.FromHours(10));
        Assert.Empty(gate.Hold([(Ding, DutyTestData.Red(Transition.Escalated, revision: 2))]));
    }

    [Fact]
    public void SilencesAndHeldDeliveries_SurviveARestart()
    {
        (SilenceBook book, SilenceGate gate) = Open();
        Silence silence = book.Create(new SilenceMatchers(Station: "bhs-wx-01"), "admin-wang", "test", _time.GetUtcNow(), _time.GetUtcNow().AddHours(1));
        AlertNotification raised = DutyTestData.Red(Transition.Raised, revision: 1);
        gate.Hold([(Sms, raised)]);

        (SilenceBook book2, SilenceGate gate2) = Open(); // a new process on the same state folder
        Assert.Equal(silence with { }, book2.List(TimeSpan.FromDays(7)).Single());
        Assert.Equal(1, gate2.Count);
        _time.Advance(TimeSpan.FromHours(1));
        var sent = new List<(string Key, AlertNotification Notification)>();
        gate2.Release(_ => true, sent.AddRange);

        Assert.Equal([(Sms, raised)], sent);
        Assert.Equal("expired", book2.List(TimeSpan.FromDays(7)).Single().StateAt(_time.GetUtcNow()));
        Assert.Equal(0, Open().Gate.Count);
    }

    private (SilenceBook Book, SilenceGate Gate) Open()
    {
        var book = new SilenceBook(_dir, _time, _audit);
        return (book, new SilenceGate(_dir, book, _audit, _time));
    }

    private static SilenceMatchers Parse(string text)
    {
        var m = new SilenceMatchers();
        foreach (string[] kv in text.Split(' ').Select(p => p.Split('=')))
        {
            m = kv[0] switch
            {
                "rule" => m with { Rule = kv[1] },
                "station" => m with { Station = kv[1] },
                "site" => m with { Site = kv[1] },
                "watershed" => m with { Watershed = kv[1] },
                "audience" => m with { Audience = Enum.Parse<Audience>(kv[1]) },
                _ => m with { Severity = Enum.Parse<Severity>(kv[1]) },
            };
        }

        return m;
    }
}
