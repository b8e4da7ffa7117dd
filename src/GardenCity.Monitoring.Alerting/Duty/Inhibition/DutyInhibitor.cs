using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Duty.Inhibition;

/// <summary>
/// Decides which alert changes the duty-room channels hear about (docs/duty-room.md, "Inhibition"): it follows every
/// active alert and holds back the notifications of an alert while another active alert inhibits it — a source rule at
/// the same station or site (<c>station-offline</c> holds back <c>battery-low</c>), a higher colour of the same hazard at
/// the same station, or a site-wide outage, which it notifies as one site alert (rule <c>site-outage</c>) instead of one
/// per station. When the inhibiting alert ends (or drops below) while the held-back alert is still active, the
/// held-back alert's latest notification is released. A resolve of an alert nobody was told about is held back too;
/// an alert people were told about is never held back afterwards (they hear how it goes on and ends).
/// State (active alerts, held-back ones, site outages) is kept in <c>duty-inhibition.json</c>, written by
/// <see cref="Save"/> after the released and site notifications are in the outbox. Not thread-safe: the engine host
/// calls it under its gate.
/// </summary>
internal sealed class DutyInhibitor
{
    /// <summary>Rule id of site-wide outage alerts.</summary>
    public const string SiteOutageRule = "site-outage";

    private static readonly StationKind[] OfflineKinds = [StationKind.Weather, StationKind.WaterLevel, StationKind.Fire];

    private readonly DutyInhibitionOptions _options;
    private readonly StationRegistry _registry;
    private readonly Action<DutyDecision> _decide;
    private readonly string _path;
    private State _state;
    private volatile IReadOnlyDictionary<string, AlertHoldBack> _shown = new Dictionary<string, AlertHoldBack>(StringComparer.Ordinal);

    /// <summary>Opens the inhibitor and its state in <paramref name="stateDirectory"/>.</summary>
    public DutyInhibitor(DutyInhibitionOptions options, StationRegistry registry, string stateDirectory, Action<DutyDecision> decide)
    {
        (_options, _registry, _decide) = (options, registry, decide);
        Directory.CreateDirectory(stateDirectory);
        _path = Path.Combine(stateDirectory, "duty-inhibition.json");
        _state = Load(_path);
        Publish();
    }

    /// <summary>Which alert holds back each alert held back now (alert id → inhibiting alert id).</summary>
    public IReadOnlyDictionary<string, string> Held => _state.Held;

    /// <summary>
    /// Why each alert held back now is held back (alert id → the inhibiting alert, the kind and name of the inhibition):
    /// what the API shows on the alerts in force. A copy made after every <see cref="Filter"/>, so any thread may read it.
    /// </summary>
    public IReadOnlyDictionary<string, AlertHoldBack> HeldBackNow => _shown;

    /// <summary>
    /// The notifications the duty-room channels get for these changes, in order: those not held back, the released
    /// ones, and site-outage alerts. Every notification must pass here, whether or not a route takes it.
    /// </summary>
    public IReadOnlyList<AlertNotification> Filter(IReadOnlyList<AlertNotification> notifications)
    {
        ArgumentNullException.ThrowIfNull(notifications);
        var output = new List<AlertNotification>(notifications.Count);
        foreach (AlertNotification n in notifications)
        {
            if (n.Status == AlertStatus.Active)
            {
                _state.Active[n.AlertId] = n;
            }
            else
            {
                _state.Active.Remove(n.AlertId);
            }

            if (_options.SiteOutage.Enabled && n.RuleId == _options.SiteOutage.Rule)
            {
                CheckSite(n, output);
            }

            if (n.Status != AlertStatus.Active)
            {
                _state.Notified.Remove(n.AlertId);
                if (_state.Held.Remove(n.AlertId, out string? by))
                {
                    _decide(new DutyDecision(DutyDecisionKind.HeldBack, n, by, [])); // nobody was told it began
                }
                else
                {
                    output.Add(n);
                }
            }
            else if (!_state.Notified.Contains(n.AlertId) && InhibitorOf(n) is { } inhibitor)
            {
                _state.Held[n.AlertId] = inhibitor;
                _decide(new DutyDecision(DutyDecisionKind.HeldBack, n, inhibitor, []));
            }
            else
            {
                _state.Held.Remove(n.AlertId);
                _state.Notified.Add(n.AlertId); // once told, people hear how it goes on and ends
                output.Add(n);
            }

            Release(n.AlertId, output);
        }

        Publish();
        return output;
    }

    /// <summary>Saves the state; call once what <see cref="Filter"/> returned is in the outbox.</summary>
    public void Save()
    {
        StateFile.Write(_path, _state, AlertNotification.Json);
    }

    /// <summary>The alert that holds back an active notification now, if any.</summary>
    private string? InhibitorOf(AlertNotification n)
    {
        if (_options.SiteOutage.Enabled && n.RuleId == _options.SiteOutage.Rule && _state.Outages.TryGetValue(n.Site, out AlertNotification? outage))
        {
            return outage.AlertId;
        }

        foreach (DutyInhibitionRuleOptions rule in _options.Rules.Where(r => r.Targets.Contains(n.RuleId, StringComparer.Ordinal)))
        {
            AlertNotification? source = _state.Active.Values
                .Where(a => a.AlertId != n.AlertId && rule.Sources.Contains(a.RuleId, StringComparer.Ordinal)
                    && (rule.Scope == DutyInhibitionScope.Station ? a.StationId == n.StationId : a.Site == n.Site))
                .OrderBy(a => a.RaisedAt).ThenBy(a => a.AlertId, StringComparer.Ordinal).FirstOrDefault();
            if (source is not null)
            {
                return source.AlertId;
            }
        }

        foreach (List<string> hazard in _options.Hazards.Values.Where(h => h.Contains(n.RuleId, StringComparer.Ordinal)))
        {
            AlertNotification? higher = _state.Active.Values
                .Where(a => a.AlertId != n.AlertId && a.StationId == n.StationId && a.Severity > n.Severity && hazard.Contains(a.RuleId, StringComparer.Ordinal))
                .OrderByDescending(a => a.Severity).ThenBy(a => a.AlertId, StringComparer.Ordinal).FirstOrDefault();
            if (higher is not null)
            {
                return higher.AlertId;
            }
        }

        return null;
    }

    private void Publish()
    {
        _shown = _state.Held.ToDictionary(h => h.Key, h => Why(h.Key, h.Value), StringComparer.Ordinal);
    }

    /// <summary>Which inhibition makes <paramref name="by"/> hold back <paramref name="held"/>, as the API shows it.</summary>
    private AlertHoldBack Why(string held, string by)
    {
        AlertNotification? source = _state.Active.GetValueOrDefault(by) ?? _state.Outages.Values.FirstOrDefault(o => o.AlertId == by);
        string? target = _state.Active.GetValueOrDefault(held)?.RuleId;
        if (source is null)
        {
            string[] parts = by.Split('.'); // {rule}.{station}.{time}: the inhibiting alert is no longer known here
            return new AlertHoldBack(by, "rule", null, parts[0], null, null, parts.Length > 1 ? parts[1] : string.Empty, null, null, Severity.None.ToName());
        }

        (string kind, string? name) = source.RuleId == SiteOutageRule
            ? ("site_outage", source.Site)
            : _options.Rules.Find(r => r.Sources.Contains(source.RuleId, StringComparer.Ordinal) && target is not null && r.Targets.Contains(target, StringComparer.Ordinal)) is { } rule
                ? ("rule", rule.Name.Length > 0 ? rule.Name : null)
                : _options.Hazards.FirstOrDefault(h => h.Value.Contains(source.RuleId, StringComparer.Ordinal) && target is not null && h.Value.Contains(target, StringComparer.Ordinal)) is { Key: { } hazard }
                    ? ("hazard", hazard)
                    : ("rule", (string?)null);
        return new AlertHoldBack(by, kind, name, source.RuleId, source.RuleZh, source.RuleEn, source.StationId, source.StationZh, source.StationEn, source.Severity.ToName());
    }

    /// <summary>The alerts held back by <paramref name="alertId"/> are judged again: released when nothing holds them back now.</summary>
    private void Release(string alertId, List<AlertNotification> output)
    {
        foreach (string held in _state.Held.Where(h => h.Value == alertId && h.Key != alertId).Select(h => h.Key).ToList())
        {
            if (!_state.Active.TryGetValue(held, out AlertNotification? latest))
            {
                _state.Held.Remove(held);
                continue;
            }

            if (InhibitorOf(latest) is { } other)
            {
                _state.Held[held] = other;
                continue;
            }

            _state.Held.Remove(held);
            _state.Notified.Add(held);
            _decide(new DutyDecision(DutyDecisionKind.Released, latest, alertId, []));
            output.Add(latest);
        }
    }

    /// <summary>Raises or resolves the site alert of the notification's site.</summary>
    private void CheckSite(AlertNotification n, List<AlertNotification> output)
    {
        SiteOutageCount(n.Site, out List<AlertNotification> offline, out int watched);
        bool outage = watched > 0 && offline.Count >= _options.SiteOutage.MinStations && offline.Count >= _options.SiteOutage.Threshold * watched;
        if (outage && !_state.Outages.ContainsKey(n.Site))
        {
            AlertNotification raised = SiteAlert(n, offline, watched);
            _state.Outages[n.Site] = raised;
            _decide(new DutyDecision(DutyDecisionKind.SiteOutageRaised, raised, raised.AlertId, []));
            output.Add(raised);
        }
        else if (!outage && _state.Outages.Remove(n.Site, out AlertNotification? open))
        {
            string count = offline.Count.ToString(CultureInfo.InvariantCulture), all = watched.ToString(CultureInfo.InvariantCulture);
            AlertNotification resolved = open with
            {
                NotificationId = open.AlertId + "#2",
                Transition = Transition.Resolved,
                Status = AlertStatus.Resolved,
                PreviousSeverity = open.Severity,
                Severity = Severity.None,
                UpdatedAt = n.UpdatedAt,
                Value = offline.Count,
                MessageZh = $"{open.StationZh}大面积离线已解除：{count}/{all} 个站点仍离线，逐站通知。",
                MessageEn = $"{open.StationEn}: site-wide outage over, {count} of {all} stations still offline (notified one by one).",
            };
            _decide(new DutyDecision(DutyDecisionKind.SiteOutageResolved, resolved, open.AlertId, []));
            output.Add(resolved);
            Release(open.AlertId, output);
        }
    }

    private void SiteOutageCount(string site, out List<AlertNotification> offline, out int watched)
    {
        IReadOnlyCollection<StationKind> kinds = _options.SiteOutage.StationKinds.Count > 0 ? _options.SiteOutage.StationKinds : OfflineKinds;
        HashSet<string> stations = _registry.AtSite(site).Where(s => kinds.Contains(s.Kind)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        watched = stations.Count;
        offline = _state.Active.Values.Where(a => a.RuleId == _options.SiteOutage.Rule && stations.Contains(a.StationId))
            .DistinctBy(a => a.StationId).OrderBy(a => a.StationId, StringComparer.Ordinal).ToList();
    }

    private AlertNotification SiteAlert(AlertNotification trigger, List<AlertNotification> offline, int watched)
    {
        Site? site = _registry.Sites.GetValueOrDefault(trigger.Site);
        string zh = site?.NameZh ?? trigger.Site, en = site?.NameEn ?? trigger.Site;
        string id = $"{SiteOutageRule}.{trigger.Site}.{trigger.UpdatedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        string[] watersheds = offline.Select(a => a.Watershed).Distinct().OfType<string>().ToArray();
        Severity severity = offline.Max(a => a.Severity);
        string count = offline.Count.ToString(CultureInfo.InvariantCulture), all = watched.ToString(CultureInfo.InvariantCulture);
        return new AlertNotification
        {
            NotificationId = id + "#1",
            AlertId = id,
            Transition = Transition.Raised,
            RuleId = SiteOutageRule,
            RuleZh = "站点大面积离线",
            RuleEn = "Site-wide outage",
            Audience = trigger.Audience,
            Severity = severity,
            PreviousSeverity = Severity.None,
            PeakSeverity = severity,
            Status = AlertStatus.Active,
            StationId = trigger.Site,
            StationZh = zh,
            StationEn = en,
            Site = trigger.Site,
            Watershed = watersheds.Length == 1 ? watersheds[0] : null,
            RaisedAt = trigger.UpdatedAt,
            UpdatedAt = trigger.UpdatedAt,
            Value = offline.Count,
            MessageZh = $"{zh}{count}/{all} 个站点离线：{string.Join("、", offline.Select(a => a.StationZh))}。",
            MessageEn = $"{en}: {count} of {all} stations offline: {string.Join(", ", offline.Select(a => a.StationEn))}.",
        };
    }

    private static State Load(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<State>(File.ReadAllText(path), AlertNotification.Json) ?? new State() : new State();
        }
        catch (JsonException)
        {
            return new State(); // written by replace, so never torn
        }
    }

    /// <summary>What the inhibitor knows, as saved.</summary>
    internal sealed class State
    {
        public Dictionary<string, AlertNotification> Active { get; init; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Held { get; init; } = new(StringComparer.Ordinal);

        public Dictionary<string, AlertNotification> Outages { get; init; } = new(StringComparer.Ordinal);

        public HashSet<string> Notified { get; init; } = new(StringComparer.Ordinal);
    }
}
