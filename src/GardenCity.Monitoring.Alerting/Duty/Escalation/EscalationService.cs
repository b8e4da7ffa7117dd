using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Alerting.Duty.Channels;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Duty.Escalation;

/// <summary>
/// Escalation when nobody acknowledges (docs/duty-room.md, "Escalation"). Tier 1 is the routes (told at once by the
/// <see cref="DutyDispatcher"/>); when an alert taken by a policy is still unacknowledged a tier's delay after the
/// previous tier, the next tier's channels and recipients (rotas resolved at that moment) are told. An acknowledgement
/// stops it; a raise of severity (or a lost contact, which clears the acknowledgement) restarts it from tier 1; a resolve
/// or close ends it. Late notices never escalate. Timers run on the injected <see cref="TimeProvider"/> in wall-clock time.
/// </summary>
/// <remarks>
/// Durable like the outbox: every change is written to <c>escalation.json</c> before the deliveries it decides are
/// added to the outbox, and a tier's deliveries are marked queued once they are; a restart adds what a crash left out
/// and fires an overdue tier at once, so no tier is skipped and none is sent twice. Every step goes through
/// <see cref="RecordStep"/> (the one place to route them to an audit trail). The file is watched and reloaded; a
/// broken edit is refused and the policies in force stay. Thread-safe.
/// </remarks>
internal sealed class EscalationService : IAlertEscalations, IDisposable
{
    /// <summary>How long an escalation that is over stays queryable.</summary>
    internal static readonly TimeSpan KeepEnded = TimeSpan.FromDays(7);

    private readonly Lock _gate = new();
    private readonly DutyOptions _duty;
    private readonly TimeProvider _time;
    private readonly IAuditLog? _audit;
    private readonly ILogger _logger;
    private readonly EscalationStore _store;
    private readonly Dictionary<string, EscalationRecord> _records;
    private readonly string? _file;
    private EscalationPolicySet _policies = EscalationPolicySet.Empty;
    private Outbox? _outbox;
    private Action<string, AlertNotification>? _enqueue;
    private ITimer? _timer;
    private FileSystemWatcher? _watcher;
    private bool _disposed;

    public EscalationService(IOptions<DutyOptions> duty, IOptions<AlertingOptions> alerting, TimeProvider time, ILogger<EscalationService> logger, IAuditLog? audit = null)
    {
        _audit = audit;
        ArgumentNullException.ThrowIfNull(duty);
        ArgumentNullException.ThrowIfNull(alerting);
        _duty = duty.Value;
        _time = time;
        _logger = logger;
        _store = new EscalationStore(alerting.Value.StateDirectory);
        _file = _duty.Enabled && _duty.EscalationFile.Length > 0 ? _duty.EscalationFile : null;
        try
        {
            _records = _store.Load();
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            EscalationLog.StateUnreadable(_logger, _store.Path, ex.Message);
            _records = new(StringComparer.Ordinal);
        }

        if (_file is not null)
        {
            try
            {
                _policies = EscalationFileLoader.LoadFile(_file, _duty); // validated at start: refused there with exit 2
                EscalationLog.Loaded(_logger, _file, _policies.Policies.Count, _policies.Rotas.Count);
            }
            catch (EscalationFileException ex)
            {
                EscalationLog.Refused(_logger, ex.Message);
            }
        }
    }

    /// <summary>The outbox key of a tier's delivery: <c>duty:{channel}:{recipient}:t{tier}</c>.</summary>
    public static string OutboxKey(string channel, string recipient, int tier) => $"{DutyDispatcher.OutboxPrefix}{channel}:{recipient}:t{tier.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The policies in force.</summary>
    internal EscalationPolicySet Policies
    {
        get
        {
            lock (_gate)
            {
                return _policies;
            }
        }
    }

    /// <summary>
    /// Starts the timers (after the outbox's pending deliveries were queued): adds to the outbox what a crash left out
    /// of it, fires overdue tiers, and watches the file.
    /// </summary>
    public void Start(Outbox outbox, Action<string, AlertNotification> enqueue)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        lock (_gate)
        {
            (_outbox, _enqueue) = (outbox, enqueue);
            var pending = outbox.Pending.Select(p => (p.Endpoint, p.Notification.NotificationId)).ToHashSet();
            foreach (EscalationRecord record in _records.Values)
            {
                foreach (EscalationStep step in record.Steps.Where(s => s is { Kind: "tier", Queued: false, Notification: not null }))
                {
                    // Decided and saved, but the crash came before its deliveries were in the outbox: nothing of it was sent.
                    var missing = step.Targets.Select(t => OutboxKey(t.Channel, t.Recipient, step.Tier!.Value))
                        .Where(k => !pending.Contains((k, step.Notification!.NotificationId))).ToList();
                    outbox.Add(missing.Select(k => (k, step.Notification!)).ToList());
                    step.Queued = true;
                    Save();
                    missing.ForEach(k => enqueue(k, step.Notification!));
                }
            }

            _timer = _time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (_file is not null && Path.GetDirectoryName(Path.GetFullPath(_file)) is { } directory && Directory.Exists(directory))
            {
                _watcher = new FileSystemWatcher(directory, Path.GetFileName(_file)) { EnableRaisingEvents = true };
                FileSystemEventHandler changed = (_, _) => Reload();
                _watcher.Changed += changed;
                _watcher.Created += changed;
                _watcher.Renamed += (_, _) => Reload();
            }

            Reschedule();
        }

        OnTimer();
    }

    /// <summary>
    /// Takes alert changes into account (under the engine's gate, after their deliveries are in the outbox and before
    /// the engine state is saved): starts, restarts, stops and ends escalations, durably.
    /// </summary>
    public void Observe(IReadOnlyList<AlertNotification> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (_file is null)
        {
            return;
        }

        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            bool changed = false;
            foreach (AlertNotification n in changes)
            {
                changed |= Apply(n, now);
            }

            if (changed)
            {
                Save();
                Reschedule();
            }
        }
    }

    /// <summary>Rebuilds a tier's delivery from its outbox entry (after a restart, or when first queued); null when this service knows no such delivery.</summary>
    public DutyDelivery? Rebuild(string channel, string recipient, int tier, AlertNotification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        lock (_gate)
        {
            EscalationTarget? target = _records.GetValueOrDefault(n.AlertId)?.Steps
                .Where(s => s.Kind == "tier" && s.Tier == tier && s.Notification?.NotificationId == n.NotificationId)
                .SelectMany(s => s.Targets).FirstOrDefault(t => t.Channel == channel && t.Recipient == recipient);
            if (target is null)
            {
                return null;
            }

            DutyRecipientOptions? person = _duty.Recipients.Find(r => r.Name == recipient);
            var mentions = target.Mentions.Select(m => _duty.Recipients.Find(r => r.Name == m)).OfType<DutyRecipientOptions>().ToList();
            return recipient == DutyDelivery.Group || person is not null ? new DutyDelivery(channel, recipient, n, person, mentions, tier) : null;
        }
    }

    /// <inheritdoc/>
    public AlertEscalation? Find(string alertId)
    {
        lock (_gate)
        {
            if (!_records.TryGetValue(alertId, out EscalationRecord? r))
            {
                return null;
            }

            EscalationPolicy? policy = _policies.Find(r.PolicyId);
            EscalationTier? next = r.State == EscalationStates.Running && policy is not null && r.Tier - 1 < policy.Tiers.Count ? policy.Tiers[r.Tier - 1] : null;
            return new AlertEscalation(r.AlertId, r.PolicyId, r.State, r.Tier, 1 + (policy?.Tiers.Count ?? 0), next?.Number, next?.Name,
                next is null ? null : r.NextDueAt, r.StartedAt, r.StoppedBy, r.StopReason, r.StoppedAt,
                r.Steps.Select(s => new AlertEscalationStep(s.Kind, s.Tier, s.Name, s.At, s.By, s.Note, s.Targets.Select(t => $"{t.Channel}/{t.Recipient}").ToList())).ToList());
        }
    }

    /// <summary>Fires every tier that is due; called by the timer, and directly by tests.</summary>
    internal void OnTimer()
    {
        lock (_gate)
        {
            if (_disposed || _outbox is null || _file is null)
            {
                return; // escalation off (or the channels off): running escalations wait, they are not ended
            }

            DateTimeOffset now = _time.GetUtcNow();
            foreach (EscalationRecord r in _records.Values.Where(r => r.State == EscalationStates.Running && r.NextDueAt <= now).OrderBy(r => r.NextDueAt).ToList())
            {
                Fire(r, now);
            }

            Reschedule();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _watcher?.Dispose();
        }
    }

    private bool Apply(AlertNotification n, DateTimeOffset now)
    {
        EscalationRecord? r = _records.GetValueOrDefault(n.AlertId);
        bool running = r is { State: EscalationStates.Running or EscalationStates.LastTierReached };
        switch (n.Transition)
        {
            case Transition.Raised or Transition.Escalated or Transition.LostContact:
                {
                    // A new incident, a higher severity or a lost contact (which clears the acknowledgement): from tier 1 again.
                    EscalationPolicy? policy = _policies.Match(n);
                    if (policy is null)
                    {
                        return running && End(r!, EscalationStates.Ended, null, $"no escalation policy takes {n.Severity.ToName()} {n.Audience.ToString().ToLowerInvariant()} alerts of {n.RuleId}", now);
                    }

                    bool restart = r is not null;
                    r = new EscalationRecord { AlertId = n.AlertId, PolicyId = policy.Id, Notification = n, StartedAt = now, NextDueAt = now + policy.Tiers[0].After, Steps = r?.Steps ?? [] };
                    _records[n.AlertId] = r;
                    RecordStep(r, new EscalationStep { Kind = restart ? "restarted" : "started", Tier = 1, Name = "routes", At = now, Note = $"{n.Transition.ToString().ToLowerInvariant()} {n.Severity.ToName()}; tier {policy.Tiers[0].Number} ({policy.Tiers[0].Name}) unless acknowledged within {policy.Tiers[0].After}" });
                    return true;
                }

            case Transition.DeEscalated when running:
                {
                    EscalationPolicy? policy = _policies.Match(n);
                    if (policy?.Id == r!.PolicyId)
                    {
                        r.Notification = n; // same policy: the tiers go on, the messages say the current severity
                        return true;
                    }

                    if (policy is null)
                    {
                        return End(r, EscalationStates.Ended, null, $"lowered to {n.Severity.ToName()}: no escalation policy takes it", now);
                    }

                    r.PolicyId = policy.Id;
                    (r.Notification, r.StartedAt, r.Tier, r.NextDueAt, r.State) = (n, now, 1, now + policy.Tiers[0].After, EscalationStates.Running);
                    RecordStep(r, new EscalationStep { Kind = "restarted", Tier = 1, Name = "routes", At = now, Note = $"lowered to {n.Severity.ToName()}: policy {policy.Id}" });
                    return true;
                }

            case Transition.Acknowledged when running:
                return End(r!, EscalationStates.Acknowledged, n.AcknowledgedBy, "acknowledged", now);
            case Transition.Resolved when running:
                return End(r!, EscalationStates.Ended, null, "resolved", now);
            case Transition.Closed when running:
                return End(r!, EscalationStates.Ended, n.ClosedBy, "closed by hand" + (n.CloseReason is { } why ? $": {why}" : string.Empty), now);
            default:
                return false; // late notices never escalate; stale and contact restored change nothing
        }
    }

    private bool End(EscalationRecord r, string state, string? by, string reason, DateTimeOffset now)
    {
        (r.State, r.NextDueAt, r.StoppedBy, r.StopReason, r.StoppedAt) = (state, null, by, reason, now);
        RecordStep(r, new EscalationStep { Kind = state == EscalationStates.Acknowledged ? "acknowledged" : "ended", Tier = r.Tier, At = now, By = by, Note = reason });
        return true;
    }

    private void Fire(EscalationRecord r, DateTimeOffset now)
    {
        EscalationPolicy? policy = _policies.Find(r.PolicyId);
        if (policy is null || r.Tier - 1 >= policy.Tiers.Count)
        {
            End(r, EscalationStates.Ended, null, $"policy {r.PolicyId} is no longer in the escalation file", now);
            Save();
            return;
        }

        EscalationTier tier = policy.Tiers[r.Tier - 1];
        (IReadOnlyList<string> people, IReadOnlyList<string> emptyRotas) = _policies.Resolve(tier, now);
        var targets = new List<EscalationTarget>();
        foreach (string channel in tier.Channels)
        {
            if (_duty.Channels.Find(c => c.Name == channel) is not { } options)
            {
                continue;
            }

            if (options.Kind is DutyChannelKind.WeCom or DutyChannelKind.DingTalk)
            {
                targets.Add(new EscalationTarget(channel, DutyDelivery.Group, people));
            }
            else
            {
                targets.AddRange(people.Select(p => new EscalationTarget(channel, p, [])));
            }
        }

        AlertNotification message = Message(r, tier, now);
        var step = new EscalationStep
        {
            Kind = "tier",
            Tier = tier.Number,
            Name = tier.Name,
            At = now,
            Notification = message,
            Targets = targets,
            Note = emptyRotas.Count == 0 ? null : $"nobody on duty in {string.Join(", ", emptyRotas)}",
        };
        r.Steps.Add(step);
        r.Tier = tier.Number;
        EscalationTier? next = r.Tier - 1 < policy.Tiers.Count ? policy.Tiers[r.Tier - 1] : null;
        (r.NextDueAt, r.State) = next is null ? ((DateTimeOffset?)null, EscalationStates.LastTierReached) : (now + next.After, EscalationStates.Running);
        Save(); // decided: from here on a crash sends this tier after the restart, and never again
        var keys = targets.Select(t => OutboxKey(t.Channel, t.Recipient, tier.Number)).ToList();
        _outbox!.Add(keys.Select(k => (k, message)).ToList());
        step.Queued = true;
        Save();
        keys.ForEach(k => _enqueue!(k, message));
        RecordStep(r, step, stored: true);
    }

    /// <summary>The change that started the escalation, its text saying which tier this is and how long nobody acknowledged.</summary>
    private static AlertNotification Message(EscalationRecord r, EscalationTier tier, DateTimeOffset now)
    {
        AlertNotification n = r.Notification;
        TimeSpan waited = now - r.StartedAt;
        string zh = waited >= TimeSpan.FromMinutes(1) ? $"{(int)Math.Round(waited.TotalMinutes)} 分钟" : $"{(int)Math.Round(waited.TotalSeconds)} 秒";
        string en = waited >= TimeSpan.FromMinutes(1) ? $"{(int)Math.Round(waited.TotalMinutes)} min" : $"{(int)Math.Round(waited.TotalSeconds)} s";
        return n with
        {
            RuleZh = $"{n.RuleZh}·第{tier.Number}级通知", // the headline and the SMS say it too: 【红色暴雨预警·第2级通知】…
            RuleEn = $"{n.RuleEn}, escalation tier {tier.Number}",
            MessageZh = $"【升级通知·第 {tier.Number} 级·{tier.Name}】已 {zh}无人确认。{n.MessageZh}",
            MessageEn = $"[Escalation tier {tier.Number}, {tier.Name}] Unacknowledged for {en}. {n.MessageEn}",
        };
    }

    /// <summary>
    /// Every escalation step passes here, once: kept with the escalation (the API shows it), logged; the place an audit
    /// trail takes them from.
    /// </summary>
    private void RecordStep(EscalationRecord? r, EscalationStep step, bool stored = false)
    {
        if (r is not null && !stored)
        {
            r.Steps.Add(step);
        }

        string targets = string.Join(", ", step.Targets.Select(t => t.Mentions.Count > 0 ? $"{t.Channel}/{t.Recipient} @{string.Join(" @", t.Mentions)}" : $"{t.Channel}/{t.Recipient}"));
        EscalationLog.Step(_logger, step.Kind, r?.AlertId ?? "-", r?.PolicyId ?? "-", step.Tier, step.Name, targets,
            step.By is null ? step.Note : $"by {step.By}: {step.Note}");

        // The audit trail (docs/duty-room.md, "Audit trail"): escalation.{step} of an alert, policy.reloaded of the file.
        string kind = step.Kind == "policy_reloaded" ? AuditKinds.PolicyReloaded : AuditKinds.EscalationPrefix + step.Kind;
        string detail = string.Join("; ", new[] { r is null ? null : $"policy {r.PolicyId}", step.Tier is { } tier ? $"tier {tier}{(step.Name is null ? string.Empty : $" ({step.Name})")}" : null, targets.Length > 0 ? $"to {targets}" : null, step.Note }.Where(x => !string.IsNullOrEmpty(x)));
        _audit?.Record(new AuditEntry(step.At, kind, step.By ?? AuditEntry.System, r?.AlertId, r is null ? _file : null, detail));
    }

    private void Reload()
    {
        lock (_gate)
        {
            if (_disposed || _file is null)
            {
                return;
            }

            DateTimeOffset now = _time.GetUtcNow();
            try
            {
                _policies = EscalationFileLoader.LoadFile(_file, _duty);
            }
            catch (EscalationFileException ex)
            {
                EscalationLog.Refused(_logger, ex.Message);
                _audit?.Record(new AuditEntry(now, AuditKinds.PolicyRefused, AuditEntry.System, null, _file, ex.Message));
                return;
            }

            EscalationLog.Loaded(_logger, _file, _policies.Policies.Count, _policies.Rotas.Count);
            foreach (EscalationRecord r in _records.Values.Where(r => r.State is EscalationStates.Running or EscalationStates.LastTierReached))
            {
                EscalationPolicy? policy = _policies.Find(r.PolicyId);
                if (policy is null)
                {
                    End(r, EscalationStates.Ended, null, $"policy {r.PolicyId} was removed from the escalation file", now);
                }
                else if (r.State == EscalationStates.Running && r.Tier - 1 >= policy.Tiers.Count)
                {
                    (r.State, r.NextDueAt) = (EscalationStates.LastTierReached, null);
                }
                else if (r.State == EscalationStates.LastTierReached && r.Tier - 1 < policy.Tiers.Count)
                {
                    // The reload added a tier after the last one notified: it is due its delay after that one.
                    DateTimeOffset last = r.Steps.LastOrDefault(s => s.Kind == "tier")?.At ?? r.StartedAt;
                    (r.State, r.NextDueAt) = (EscalationStates.Running, last + policy.Tiers[r.Tier - 1].After);
                }
            }

            RecordStep(null, new EscalationStep { Kind = "policy_reloaded", At = now, Note = $"{_policies.Policies.Count} policies, {_policies.Rotas.Count} rotas from {_file}" });
            Save();
            Reschedule();
        }

        OnTimer();
    }

    /// <summary>Under the gate.</summary>
    private void Save()
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (string id in _records.Values.Where(r => r.StoppedAt is { } at && now - at > KeepEnded).Select(r => r.AlertId).ToList())
        {
            _records.Remove(id);
        }

        _store.Save(_records.Values);
    }

    /// <summary>Under the gate: the timer is set to the earliest due tier.</summary>
    private void Reschedule()
    {
        if (_timer is null || _disposed)
        {
            return;
        }

        DateTimeOffset? due = _records.Values.Where(r => r.State == EscalationStates.Running).Min(r => r.NextDueAt);
        TimeSpan wait = due is { } d ? d - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
        _timer.Change(due is null ? Timeout.InfiniteTimeSpan : wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Timeout.InfiniteTimeSpan);
    }
}
