using System.Text.Json;
using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;

namespace GardenCity.Monitoring.Alerting.Duty.Silences;

/// <summary>
/// Holds back the duty-room deliveries (people) of alert changes that an active silence covers, and lets them go when
/// the silence is over and the alert still active (docs/duty-room.md, "Silences"). Only the latest held change per
/// alert and delivery is kept (raise and escalation under one silence make one message when it ends). Held deliveries
/// are durable in <c>{StateDirectory}/silence-held.json</c> (written atomically before the engine state is saved); a
/// released one is added to the outbox before it leaves this file, so a crash can repeat a message, never lose one.
/// Machine endpoints (MQTT alert topics, webhooks, CAP, the live stream) are not held. Used under the engine host's
/// gate; <see cref="Annotate"/> is thread-safe.
/// </summary>
public sealed class SilenceGate
{
    private readonly string _path;
    private readonly SilenceBook _book;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly Dictionary<(string Key, string AlertId), AlertNotification> _held = [];

    /// <summary>Opens (or creates) the held deliveries in <paramref name="directory"/>.</summary>
    public SilenceGate(string directory, SilenceBook book, IAuditLog audit, TimeProvider time)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "silence-held.json");
        (_book, _audit, _time) = (book, audit, time);
        if (File.Exists(_path))
        {
            foreach (Held h in JsonSerializer.Deserialize<List<Held>>(File.ReadAllBytes(_path), AlertNotification.Json) ?? [])
            {
                _held[(h.Key, h.Notification.AlertId)] = h.Notification;
            }
        }
    }

    /// <summary>Deliveries waiting for their silence to end.</summary>
    public int Count => _held.Count;

    /// <summary>
    /// Splits duty deliveries (outbox key, notification) into those to send now, returned, and those an active silence
    /// covers, held durably and noted in the audit trail. A delivery that goes out replaces what was held for its alert.
    /// </summary>
    public IReadOnlyList<(string Key, AlertNotification Notification)> Hold(IReadOnlyList<(string Key, AlertNotification Notification)> deliveries)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0)
        {
            return deliveries;
        }

        var pass = new List<(string, AlertNotification)>();
        var held = new List<(Silence Silence, string Key, AlertNotification Notification)>();
        bool changed = false;
        foreach ((string key, AlertNotification n) in deliveries)
        {
            if (_book.Covering(n) is { } silence)
            {
                _held[(key, n.AlertId)] = n;
                held.Add((silence, key, n));
                changed = true;
            }
            else
            {
                changed |= _held.Remove((key, n.AlertId));
                pass.Add((key, n));
            }
        }

        if (changed)
        {
            Save();
        }

        DateTimeOffset now = _time.GetUtcNow();
        foreach (var group in held.GroupBy(h => (h.Notification.NotificationId, h.Silence.Id)))
        {
            var first = group.First();
            _audit.Record(new AuditEntry(now, AuditKinds.SilenceHeld, AuditEntry.System, first.Notification.AlertId, first.Silence.Id,
                $"{Change(first.Notification)} not sent to {Targets(group.Select(g => g.Key))} until {first.Silence.Until:O} (silence by {first.Silence.CreatedBy}: {first.Silence.Reason})"));
        }

        return pass;
    }

    /// <summary>
    /// After silences ended: the held deliveries no active silence covers any more go to <paramref name="send"/> (which
    /// adds them to the outbox durably and queues them) if their alert is still active, and are dropped if not; both
    /// noted in the audit trail. Silences that reached their end are noted too. Called on every tick.
    /// </summary>
    public void Release(Func<string, bool> isActive, Action<IReadOnlyList<(string Key, AlertNotification Notification)>> send)
    {
        ArgumentNullException.ThrowIfNull(isActive);
        ArgumentNullException.ThrowIfNull(send);
        _book.TakeExpired();
        if (_held.Count == 0)
        {
            return;
        }

        var free = _held.Where(h => _book.Covering(h.Value) is null).ToList();
        if (free.Count == 0)
        {
            return;
        }

        var released = free.Where(h => isActive(h.Key.AlertId)).Select(h => (h.Key.Key, h.Value)).ToList();
        send(released); // durable in the outbox before they leave the held file
        foreach (var h in free)
        {
            _held.Remove(h.Key);
        }

        Save();
        DateTimeOffset now = _time.GetUtcNow();
        foreach (var group in free.GroupBy(h => h.Value.NotificationId))
        {
            AlertNotification n = group.First().Value;
            bool active = isActive(n.AlertId);
            _audit.Record(new AuditEntry(now, active ? AuditKinds.SilenceReleased : AuditKinds.SilenceDropped, AuditEntry.System, n.AlertId, null,
                active ? $"silence over, alert still active: {Change(n)} sent to {Targets(group.Select(g => g.Key.Key))}"
                       : $"silence over, alert no longer active: {Change(n)} not sent to {Targets(group.Select(g => g.Key.Key))}"));
        }
    }

    /// <summary>The notification with the active silence covering it, if one does (<c>silenced_by</c>, <c>silence_id</c>, <c>silenced_until</c>).</summary>
    public AlertNotification Annotate(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return _book.Covering(notification) is { } s
            ? notification with { SilencedBy = s.CreatedBy, SilenceId = s.Id, SilencedUntil = s.Until }
            : notification;
    }

    private static string Change(AlertNotification n) => $"{n.NotificationId} {AuditTrail.TransitionName(n.Transition)} {(n.Severity == Severity.None ? n.PreviousSeverity : n.Severity).ToName()}";

    private static string Targets(IEnumerable<string> keys) => string.Join(", ", keys.Select(k => k.StartsWith(DutyDispatcher.OutboxPrefix, StringComparison.Ordinal) ? k[DutyDispatcher.OutboxPrefix.Length..].Replace(':', '/') : k));

    private void Save()
    {
        StateFile.Write(_path, _held.Select(h => new Held(h.Key.Key, h.Value)).ToList(), AlertNotification.Json);
    }

    private sealed record Held(string Key, AlertNotification Notification);
}
