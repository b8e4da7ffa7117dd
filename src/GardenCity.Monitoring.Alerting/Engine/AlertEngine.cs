using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.FireWeather;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>
/// The engine's clock: what absence ("no message for 30 minutes") and lateness are judged against (docs/alerting.md,
/// "Clock policy"). The setting keeps its historical name, <c>GardenCity:Alerting:AbsenceClock</c>.
/// </summary>
public enum AbsenceClock
{
    /// <summary>
    /// Live operation: absence is judged against the wall clock (a silent fleet must still raise it), and a reading
    /// older than the lateness horizon by the wall clock is late whatever the watermark, so a backlog from years ago
    /// never raises a live alert. A station counts as heard when anything from it arrives, late or not.
    /// </summary>
    WallClock,

    /// <summary>Replays and backtests: pure event time. Absence and lateness are judged against the watermark only.</summary>
    Watermark,
}

/// <summary>
/// The rule engine: per-station series in event time, per (rule, station) memory and the alert lifecycle. Readings are
/// evaluated at their station's latest measurement time, so a backlog lands in the windows it belongs to and a replay
/// of 2023 behaves as live. Not thread-safe: one worker owns it. Deterministic: the same inputs give the same changes.
/// </summary>
public sealed partial class AlertEngine
{
    private readonly StationRegistry _registry;
    private readonly TimeSpan _latenessHorizon;
    private readonly AbsenceClock _absenceClock;
    private readonly DateTimeOffset _startedAt;
    private readonly Dictionary<string, StationSeries> _series = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StationFwi> _fwi = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Rule, string Station), PairState> _pairs = [];
    private readonly ActiveSummary _active = new();
    private readonly QualityChecker _quality;
    private readonly FireSeasonOptions _season;
    private readonly Dictionary<string, DataGap> _gaps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (HazardUnit Unit, Station Target)> _units = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _unitHour = new(StringComparer.Ordinal);
    private static readonly List<(HazardUnit Unit, Station Target)> NoUnits = []; // never changed
    private readonly Dictionary<string, List<(HazardUnit Unit, Station Target)>> _unitsByGauge = new(StringComparer.Ordinal);
    private RuleSet _rules = RuleSet.Empty;

    // The rules that watch each station and hazard unit, found once per rule set (ReplaceRules clears them): a reading
    // costs the rules of its own station, however many rules watch other stations.
    private readonly Dictionary<string, Rule[]> _rulesByStation = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Rule[]> _rulesByUnit = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Station[]> _stationsByRule = new(StringComparer.Ordinal);
    private Dictionary<string, Rule> _ruleById = new(StringComparer.Ordinal); // per rule set too: a tick looks rules up by id
    private Rule[] _absenceRules = [];

    // Made once, not per evaluation: a rule judged at a reading allocated its own table of figures and a delegate per
    // level (bench/README.md, "Alerting: what each rule a reading is judged by costs"). The engine is single-threaded
    // and each Evaluate reads the table before the next one fills it.
    private readonly Dictionary<Severity, (double? Value, double? Threshold, IReadOnlyDictionary<string, string>? Figures)> _measured = [];
    private readonly Func<string, string, Severity, bool> _activeInWatershed;
    private TimeSpan _retention = TimeSpan.FromDays(1);
    private TimeSpan _gaugeRetention = TimeSpan.FromDays(1); // the hazard units' rain gauges: the antecedent days too
    private DateTimeOffset _lastTrim = DateTimeOffset.MinValue;

    // Readings judged since the last full checkpoint, per station (what a journal record of the station names), and the
    // readings a restored journal record says were judged already, which a redelivery brings again (docs/alerting.md,
    // "State: snapshot and journal").
    private readonly Dictionary<string, List<DateTimeOffset>> _judgedSinceCheckpoint = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DateTimeOffset>> _judgedBefore = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<DateTimeOffset>> _fromJournal = new(StringComparer.Ordinal); // while restoring
    private DateTimeOffset _lastAbsenceCheck = DateTimeOffset.MinValue;

    /// <summary>Creates an engine.</summary>
    /// <param name="rules">The rules to run.</param>
    /// <param name="registry">The station registry (levels, sites, zones).</param>
    /// <param name="latenessHorizon">A reading further than this behind the watermark (live: or behind the wall clock) is late.</param>
    /// <param name="absenceClock">The clock policy: live (wall clock) or replay (watermark).</param>
    /// <param name="startedAt">When the engine started (a station never heard is silent since then).</param>
    /// <param name="quality">
    /// The quality checks run on each station's telemetry (docs/data-quality.md), the same policy as the ingestion
    /// worker's; none by default.
    /// </param>
    /// <param name="fireSeason">
    /// The fire season of the FWI (docs/fire-weather.md): which days are computed, when the codes restart and where
    /// the Drought Code starts. None: all year, never restarted.
    /// </param>
    public AlertEngine(RuleSet rules, StationRegistry registry, TimeSpan latenessHorizon, AbsenceClock absenceClock, DateTimeOffset startedAt, QualityPolicy? quality = null, FireSeasonOptions? fireSeason = null)
    {
        _quality = new QualityChecker(quality ?? QualityPolicy.None);
        _season = fireSeason ?? new FireSeasonOptions { Method = FireSeasonMethod.AllYear };
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        foreach (HazardUnit unit in registry.HazardUnits)
        {
            _units[unit.Id] = (unit, unit.AsAlertTarget(StationKind.Weather));
            foreach (string gauge in unit.Gauges)
            {
                (_unitsByGauge.TryGetValue(gauge, out var units) ? units : _unitsByGauge[gauge] = []).Add(_units[unit.Id]);
            }
        }

        _latenessHorizon = latenessHorizon;
        _absenceClock = absenceClock;
        _startedAt = startedAt;
        _activeInWatershed = ActiveInWatershed;
        ReplaceRules(rules, startedAt);
    }

    /// <summary>
    /// How far behind the watermark late rain still rewrites a hazard unit's stored hours (docs/geohazard.md): the units'
    /// gauges are kept this much longer, so that those hours are recomputed with their whole look-back.
    /// </summary>
    public static readonly TimeSpan GeohazardRewriteWindow = TimeSpan.FromDays(1);

    /// <summary>The latest measurement time seen across the fleet, never ahead of the wall clock.</summary>
    public DateTimeOffset? Watermark { get; private set; }

    /// <summary>The rules running.</summary>
    public RuleSet Rules => _rules;

    /// <summary>
    /// Which stations and hazard units this engine evaluates (an alerting worker's partitions, docs/scale-out.md); null
    /// (the default) evaluates every one. Absence is judged, and state restored, only for those it owns; the caller
    /// hands <see cref="Process"/> and <see cref="Prime"/> only their readings (others go to <see cref="Observe"/>).
    /// Set before <see cref="Restore"/>.
    /// </summary>
    public Func<string, bool>? Owns { get; init; }

    /// <summary>
    /// Moves the watermark by a reading this engine does not evaluate (a station of another partition), as
    /// <see cref="Process"/> would: every worker sees the whole stream, so each keeps the fleet's watermark. A reading
    /// further than the lateness horizon behind it does not move it.
    /// </summary>
    public void Observe(DateTimeOffset timestamp, DateTimeOffset wallNow)
    {
        bool late = (Watermark is { } mark && timestamp < mark - _latenessHorizon)
            || (_absenceClock == AbsenceClock.WallClock && wallNow - timestamp > _latenessHorizon);
        DateTimeOffset capped = timestamp < wallNow ? timestamp : wallNow;
        if (!late && (Watermark is null || capped > Watermark))
        {
            Watermark = capped;
        }
    }

    /// <summary>
    /// Takes over an incident another worker raised (a partition handed over, docs/scale-out.md): the alert goes on
    /// with its id and revision, as if this engine had raised it, with its severity held as of its latest change (the
    /// cooldown counts from there) and fresh condition memory, as after a rule reload. False (nothing changed) when the
    /// rule or station is unknown, not owned, or this engine already has an alert in force for the pair.
    /// </summary>
    /// <param name="alert">The incident as of its latest change (from the alert history).</param>
    /// <param name="primedTimes">
    /// The measurement times of the station's readings refilled from InfluxDB (<see cref="Prime"/>, called before): the
    /// rule's levels are judged again at each of them, without telling anyone, so that when each level last held and
    /// the condition memory (sustained, rate) are what the previous owner had; the alert itself stays as adopted. The
    /// latest of them is when the station was last heard.
    /// </param>
    public bool Adopt(Alert alert, IEnumerable<DateTimeOffset>? primedTimes = null)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Status != AlertStatus.Active || !_ruleById.TryGetValue(alert.RuleId, out Rule? rule) || !TryGetTarget(alert.StationId, out _)
            || Owns?.Invoke(alert.StationId) == false)
        {
            return false;
        }

        if (_pairs.TryGetValue((alert.RuleId, alert.StationId), out PairState? existing) && existing.Active is not null)
        {
            return false;
        }

        var pair = new PairState(_active) { Active = alert };
        pair.LastHeld[alert.Severity] = alert.UpdatedAt;
        _pairs[(alert.RuleId, alert.StationId)] = pair;
        if (_registry.TryGet(alert.StationId, out Station? station) && rule.Group == RuleGroup.None)
        {
            StationSeries series = SeriesOf(station);
            DateTimeOffset[] times = [.. (primedTimes ?? []).Distinct().Order()];
            foreach (DateTimeOffset at in times)
            {
                HoldLevels(rule, series, pair, at, at, measured: null);
            }

            // Heard last when its latest stored reading was measured, as the previous owner had it (not silent since
            // this worker started: that would mark the incident stale, then "contact restored", for nothing).
            if (series.LatestTime is null && times.Length > 0)
            {
                series.LatestTime = times[^1];
            }
        }

        return true;
    }

    /// <summary>
    /// Made-up changes of a rule at a station it watches (an emergency rule if there is one): its raise at the lowest
    /// level and, when it has more than one, its escalation to the highest, as <see cref="Process"/> makes them, for
    /// readying the notification path before the first real alert (<c>AlertPathWarmUp</c>; a station's first
    /// escalation compiled the rule's change text and the CAP update while the alerts queued behind it). Nothing in the
    /// engine changes; the changes must never be recorded. Empty when no rule watches a station.
    /// </summary>
    public IReadOnlyList<AlertChange> Specimens(DateTimeOffset at)
    {
        foreach (Rule rule in _rules.Rules.OrderBy(r => r.Audience == Audience.Emergency ? 0 : 1))
        {
            if (rule.Levels.Count > 0 && _registry.Stations.FirstOrDefault(rule.Scope.Matches) is { } station)
            {
                Severity lowest = rule.Levels[0].Severity, highest = rule.Levels[^1].Severity;
                Alert raised = NewAlert(rule, station, lowest, value: 1, threshold: 1, at, late: false);
                List<AlertChange> changes = [new AlertChange(Transition.Raised, raised, Severity.None, rule, station)];
                if (highest > lowest)
                {
                    (string zh, string en) = rule.Describe(Transition.Escalated, station, highest, lowest, 1, 1, at);
                    changes.Add(new AlertChange(Transition.Escalated, Next(raised, Transition.Escalated, lowest, highest, 1, 1, at, zh, en), lowest, rule, station));
                }

                return changes;
            }
        }

        return [];
    }

    /// <summary>How many alerts are in force (the count of <see cref="Active"/>, without listing them).</summary>
    public int ActiveCount => _active.Refresh(_pairs, _registry).Count;

    /// <summary>Alerts in force.</summary>
    public IReadOnlyList<Alert> Active => _pairs.Values.Where(p => p.Active is not null).Select(p => p.Active!).OrderBy(a => a.RaisedAt).ThenBy(a => a.Id, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Runs a new rule set. Alerts of rules that stay keep their incident (their condition memory restarts); alerts of
    /// rules that are gone are resolved.
    /// </summary>
    public IReadOnlyList<AlertChange> ReplaceRules(RuleSet rules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var byId = rules.Rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var changes = new List<AlertChange>();
        foreach (((string ruleId, string stationId), PairState pair) in _pairs.ToList())
        {
            if (byId.TryGetValue(ruleId, out Rule? rule) && Applies(rule, stationId))
            {
                pair.Memory.Clear();
                continue;
            }

            _pairs.Remove((ruleId, stationId));
            _active.Invalidate();
            if (pair.Active is { } active && _ruleById.GetValueOrDefault(ruleId) is { } old && TryGetTarget(stationId, out Station? st))
            {
                (string zh, string en) = old.DescribeRemoved(st);
                Alert resolved = active.Ended(Transition.Resolved, AlertStatus.Resolved, zh, en) with { UpdatedAt = Watermark ?? now };
                changes.Add(new AlertChange(Transition.Resolved, resolved, active.Severity, old, st));
            }
        }

        _rules = rules;
        _ruleById = byId;
        _absenceRules = [.. rules.Rules.Where(r => r.UsesAbsence)];
        _rulesByStation.Clear();
        _rulesByUnit.Clear();
        _stationsByRule.Clear();
        TimeSpan lookback = rules.Rules.Select(r => r.Lookback).DefaultIfEmpty(TimeSpan.Zero).Max();
        _retention = (lookback > TimeSpan.FromDays(1) ? lookback : TimeSpan.FromDays(1)) + TimeSpan.FromHours(1);
        _gaugeRetention = _retention;
        if (rules.Rules.Any(r => r.Scope.IsUnitScope) && _units.Count > 0)
        {
            // Geohazard rules look back over the antecedent days and the event itself (docs/geohazard.md), but only
            // at the units' rain gauges: every other station keeps what its own rules need.
            // One day more: late rain rewrites the stored hours of the last day with their whole look-back (RewriteHours).
            TimeSpan history = TimeSpan.FromDays(_units.Values.Max(u => u.Unit.AntecedentDays) + GeohazardCondition.HistoryDays) + GeohazardRewriteWindow + TimeSpan.FromHours(1);
            _gaugeRetention = history > _retention ? history : _retention;
        }
        return Attach(changes);
    }

    /// <summary>
    /// How far back before the watermark the engine needs readings to judge as it did before a restart (the start-up
    /// refill from InfluxDB): the longest rule window, at least a day, and with geohazard rules the hazard units'
    /// antecedent days and event (docs/geohazard.md).
    /// </summary>
    public TimeSpan HistoryNeeded => _gaugeRetention - TimeSpan.FromHours(1);

    /// <summary>Takes one accepted reading.</summary>
    /// <param name="reading">The reading.</param>
    /// <param name="wallNow">
    /// The wall clock: caps the watermark; live (<see cref="AbsenceClock.WallClock"/>) it also bounds lateness and
    /// records when the station was last heard. A replay judges nothing else by it.
    /// </param>
    public EngineOutput Process(Reading reading, DateTimeOffset wallNow)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (_judgedBefore.Count > 0 && _judgedBefore.TryGetValue(reading.Station.Id, out List<DateTimeOffset>? judged) && judged.Remove(reading.Timestamp))
        {
            // A redelivery of a reading whose judgement is in the restored state (a journal record ahead of the snapshot):
            // into the windows, and the watermark, without judging it again.
            if (judged.Count == 0)
            {
                _judgedBefore.Remove(reading.Station.Id);
            }

            Prime(reading);
            Observe(reading.Timestamp, wallNow);
            return new EngineOutput([], []);
        }

        (_judgedSinceCheckpoint.TryGetValue(reading.Station.Id, out List<DateTimeOffset>? since) ? since : _judgedSinceCheckpoint[reading.Station.Id] = []).Add(reading.Timestamp);
        StationSeries series = SeriesOf(reading.Station);
        bool live = _absenceClock == AbsenceClock.WallClock;
        reading = Check(reading, wallNow, judgeClock: live);
        Record(series, reading);
        if (live && (series.LastArrival is null || wallNow > series.LastArrival))
        {
            series.LastArrival = wallNow;
        }

        // Clock policy: late when further than the horizon behind the watermark, and live also when further than the
        // horizon behind the wall clock (a lone backlog sets no watermark of its own, so it could not be late otherwise).
        bool late = (Watermark is { } mark && reading.Timestamp < mark - _latenessHorizon)
            || (live && wallNow - reading.Timestamp > _latenessHorizon);
        NoteGapData(series.Station.Id, reading.Timestamp);
        // Rain behind an hour already stored rewrites the stored hours it counts in (docs/geohazard.md).
        List<GeohazardHour> geohazard = RewriteHours(series, reading);
        if (late)
        {
            List<AlertChange> notices = LateNotices(series, reading.Timestamp, RulesOf(series.Station).Where(r => r.Group == RuleGroup.None), []);
            if (reading is CameraTrapEvent lateTrigger)
            {
                notices.AddRange(GroupedLateNotices(series.Station, lateTrigger));
            }

            foreach ((HazardUnit unit, Station target) in UnitsOf(series.Station.Id))
            {
                notices.AddRange(LateNotices(SeriesOf(target), reading.Timestamp, RulesOf(unit), GaugesOf(unit)));
            }

            return new EngineOutput(Attach(notices), []) { Geohazard = geohazard };
        }

        DateTimeOffset capped = reading.Timestamp < wallNow ? reading.Timestamp : wallNow;
        if (Watermark is null || capped > Watermark)
        {
            Watermark = capped;
        }

        if (series.LatestTime is null || reading.Timestamp > series.LatestTime)
        {
            series.LatestTime = reading.Timestamp;
        }

        var fwi = new List<FwiDay>();
        if (reading is TelemetryReading telemetry && ComputeFireWeather(series, telemetry) is { } day)
        {
            fwi.Add(day);
        }

        var changes = new List<AlertChange>(RestoreContact(series, reading.Timestamp));
        changes.AddRange(EndGroupedDays(Watermark.Value));
        DateTimeOffset at = series.LatestTime.Value;
        foreach (Rule rule in RulesOf(series.Station))
        {
            if (rule.Group == RuleGroup.SiteDay)
            {
                if (reading is CameraTrapEvent trigger)
                {
                    changes.AddRange(GroupedDetection(rule, series.Station, trigger));
                }

                continue;
            }

            Evaluate(rule, series, at, AbsenceNow(wallNow), changes);
        }

        foreach ((HazardUnit unit, Station target) in UnitsOf(series.Station.Id))
        {
            StationSeries unitSeries = SeriesOf(target);
            List<StationSeries> gauges = GaugesOf(unit);
            DateTimeOffset unitAt = gauges.Select(g => g.LatestTime).Where(t => t is not null).Max() ?? at;
            unitSeries.LatestTime = unitAt;
            // The hour is written once every gauge heard in the last hour has passed it (several gauges interleave).
            DateTimeOffset passed = gauges.Select(g => g.LatestTime).OfType<DateTimeOffset>().Where(t => t >= unitAt - TimeSpan.FromHours(1)).DefaultIfEmpty(unitAt).Min();
            if (UnitHour(unit, gauges, passed) is { } hour)
            {
                geohazard.Add(hour);
            }

            if (_gaps.TryGetValue(unit.Id, out DataGap? unitGap) && unitGap.To is null && gauges.All(g => g.LatestTime is null || g.LatestTime > unitGap.From))
            {
                changes.AddRange(RestoreContact(unitSeries, reading.Timestamp)); // every gauge is sending again
            }

            foreach (Rule rule in RulesOf(unit))
            {
                Evaluate(rule, unitSeries, unitAt, AbsenceNow(wallNow), changes);
            }
        }

        // In a replay the clock is the watermark: judge absence as it moves (each minute), not when a timer happens to fire.
        if (_absenceClock == AbsenceClock.Watermark && Watermark is { } watermark && watermark - _lastAbsenceCheck >= TimeSpan.FromMinutes(1))
        {
            changes.AddRange(Tick(wallNow));
        }

        TrimIfDue();
        return new EngineOutput(Attach(changes), fwi) { Geohazard = geohazard };
    }

    /// <summary>Judges absence for every watched station: call periodically (live: every few seconds).</summary>
    public IReadOnlyList<AlertChange> Tick(DateTimeOffset wallNow)
    {
        var changes = new List<AlertChange>();
        if (_absenceClock == AbsenceClock.Watermark && Watermark is null)
        {
            return changes;
        }

        DateTimeOffset now = AbsenceNow(wallNow);
        _lastAbsenceCheck = now;
        foreach (Rule rule in _absenceRules)
        {
            foreach (Station station in StationsOf(rule))
            {
                StationSeries series = SeriesOf(station);
                if (_absenceClock == AbsenceClock.Watermark && series.LatestTime is null)
                {
                    continue; // In a replay only stations that took part can fall silent.
                }

                Evaluate(rule, series, now, now, changes);
            }
        }

        changes.AddRange(MarkStale(now));
        changes.AddRange(EndGroupedDays(now));
        return Attach(changes);
    }

    /// <summary>Acknowledges an active alert; null when there is no active alert with that id.</summary>
    public AlertChange? Acknowledge(string alertId, string by, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alertId);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        foreach (((string ruleId, string stationId), PairState pair) in _pairs)
        {
            if (pair.Active is { } active && active.Id == alertId && _ruleById.GetValueOrDefault(ruleId) is { } rule && TryGetTarget(stationId, out Station? station))
            {
                pair.Active = active with { LastTransition = Transition.Acknowledged, PreviousSeverity = active.Severity, AcknowledgedBy = by, AcknowledgedAt = at, Revision = active.Revision + 1 };
                return Attach(new AlertChange(Transition.Acknowledged, pair.Active, active.Severity, rule, station));
            }
        }

        return null;
    }

    /// <summary>
    /// Closes an active alert by hand, with a reason (recorded and notified; CAP Cancel, the retained topic cleared).
    /// While the rule's conditions keep holding at or below the closed severity no new incident is raised; a higher
    /// severity raises one, and once no level holds (after the cooldown) the rule raises again as usual. Null when
    /// there is no active alert with that id.
    /// </summary>
    public AlertChange? Close(string alertId, string by, string reason, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alertId);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        foreach (((string ruleId, string stationId), PairState pair) in _pairs)
        {
            if (pair.Active is { } active && active.Id == alertId && _ruleById.GetValueOrDefault(ruleId) is { } rule && TryGetTarget(stationId, out Station? station))
            {
                (string zh, string en) = rule.DescribeClosed(station, active.Severity, by, reason);
                Alert closed = active.Ended(Transition.Closed, AlertStatus.Closed, zh, en) with { ClosedBy = by, ClosedAt = at, CloseReason = reason };
                pair.End();
                pair.ClosedUpTo = active.Severity;
                return Attach(new AlertChange(Transition.Closed, closed, active.Severity, rule, station));
            }
        }

        return null;
    }

    /// <summary>
    /// The state to persist (alerts, condition memory, watermark, last heard, sequence and FWI carry-over), with the
    /// readings restored journal records said were judged that no redelivery has brought again yet.
    /// </summary>
    public EngineSnapshot Snapshot() => Snapshot(null) with
    {
        Redelivery = [.. _judgedBefore.Where(j => j.Value.Count > 0).OrderBy(j => j.Key, StringComparer.Ordinal).Select(j => new RedeliverySnapshot(j.Key, [.. j.Value]))],
    };

    /// <summary>
    /// The state of some stations only, for a journal record (docs/alerting.md, "State: snapshot and journal"): each
    /// station of <paramref name="stationIds"/> (or hazard unit, or alert target) with the hazard units it is a gauge of,
    /// their pairs and data gaps, and as <see cref="EngineSnapshot.Redelivery"/> the readings of them judged since the last
    /// <see cref="Checkpointed"/>. <paramref name="targets"/> is every target the part stands for (restore it with
    /// <see cref="RestoreTargets"/>). The watermark is left out: a record never moves it.
    /// </summary>
    public EngineSnapshot SnapshotOf(IEnumerable<string> stationIds, out IReadOnlyList<string> targets)
    {
        ArgumentNullException.ThrowIfNull(stationIds);
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (string id in stationIds)
        {
            set.Add(id);
            foreach ((HazardUnit unit, _) in UnitsOf(id))
            {
                set.Add(unit.Id);
            }
        }

        targets = [.. set.Order(StringComparer.Ordinal)];
        return Snapshot(set) with
        {
            Watermark = null,
            Redelivery = [.. set.Order(StringComparer.Ordinal).Where(_judgedSinceCheckpoint.ContainsKey).Select(id => new RedeliverySnapshot(id, [.. _judgedSinceCheckpoint[id]]))],
        };
    }

    /// <summary>A full snapshot was saved: the readings judged so far are in it (journal records name only later ones).</summary>
    public void Checkpointed() => _judgedSinceCheckpoint.Clear();

    /// <summary>
    /// The whole state (<paramref name="only"/> null), or that of the targets in <paramref name="only"/>, found by key so
    /// that a journal record costs the same with 200 stations or 100,000.
    /// </summary>
    private EngineSnapshot Snapshot(HashSet<string>? only) => new()
    {
        Watermark = Watermark,
        Stations = (only is null ? _series.Values : only.Select(_series.GetValueOrDefault).OfType<StationSeries>())
            .Select(s => new StationSnapshot(s.Station.Id, s.LatestTime, s.LastSeq, _fwi.GetValueOrDefault(s.Station.Id)?.State, _fwi.GetValueOrDefault(s.Station.Id)?.LastDay, s.LastArrival, _fwi.GetValueOrDefault(s.Station.Id)?.Snapshot())).ToList(),
        Pairs = (only is null ? _pairs : only.SelectMany(target => _rules.Rules.Select(r => (r.Id, target))).Where(_pairs.ContainsKey).Select(key => KeyValuePair.Create(key, _pairs[key])))
            .Select(p => new PairSnapshot(
                p.Key.Item1,
                p.Key.Item2,
                p.Value.Active,
                p.Value.LastHeld.ToDictionary(h => h.Key, h => h.Value),
                p.Value.Memory.ToDictionary(m => m.Key, m => new LeafSnapshot(m.Value.On, m.Value.Since)),
                p.Value.LateHeld.Keys.DefaultIfEmpty(Severity.None).Max(),
                p.Value.LateHeld.ToDictionary(h => h.Key, h => h.Value),
                p.Value.ClosedUpTo,
                p.Value.GroupDay)).ToList(),
        StaleGaps = _gaps.Where(g => only?.Contains(g.Key) != false).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new GapSnapshot(g.Key, g.Value.From, g.Value.FirstAfter, g.Value.To)).ToList(),
    };

    /// <summary>Restores persisted state (call before the first reading). Entries for unknown stations or rules are dropped.</summary>
    public void Restore(EngineSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        Watermark = snapshot.Watermark;
        RestoreEntries(snapshot);
    }

    /// <summary>
    /// Restores a journal record over the restored snapshot (<see cref="SnapshotOf"/>; in the order they were written):
    /// the <paramref name="targets"/> take the state the record has for them (a data gap it does not have is gone), and
    /// the readings it names as judged are not judged again when a redelivery brings them (<see cref="Process"/> takes
    /// them into the windows only). The watermark stays the snapshot's.
    /// </summary>
    public void RestoreTargets(EngineSnapshot part, IEnumerable<string> targets)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentNullException.ThrowIfNull(targets);
        foreach (string target in targets)
        {
            _gaps.Remove(target);
        }

        // A station's later record names every reading of it judged since the full save, the earlier ones' too: it
        // replaces what an earlier record added.
        foreach (RedeliverySnapshot r in part.Redelivery ?? [])
        {
            if (_fromJournal.Remove(r.StationId, out IReadOnlyList<DateTimeOffset>? earlier) && _judgedBefore.TryGetValue(r.StationId, out List<DateTimeOffset>? judged))
            {
                foreach (DateTimeOffset time in earlier)
                {
                    judged.Remove(time);
                }
            }

            _fromJournal[r.StationId] = r.Times;
        }

        RestoreEntries(part);
    }

    private void RestoreEntries(EngineSnapshot snapshot)
    {
        foreach (RedeliverySnapshot r in snapshot.Redelivery ?? [])
        {
            if (Owns?.Invoke(r.StationId) != false && r.Times.Count > 0)
            {
                (_judgedBefore.TryGetValue(r.StationId, out List<DateTimeOffset>? judged) ? judged : _judgedBefore[r.StationId] = []).AddRange(r.Times);
            }
        }

        foreach (StationSnapshot s in snapshot.Stations)
        {
            if (_registry.TryGet(s.StationId, out Station? station) && Owns?.Invoke(s.StationId) != false)
            {
                StationSeries series = SeriesOf(station);
                series.LatestTime = s.LatestTime;
                series.LastSeq = s.LastSeq;
                series.LastArrival = s.LastArrival;
                if (s.Fwi is not null || s.FwiSeason is not null)
                {
                    _fwi[s.StationId] = StationFwi.Restore(s.Fwi, s.FwiDay, s.FwiSeason);
                }
            }
        }

        foreach (PairSnapshot p in snapshot.Pairs)
        {
            // A pair of a partition handed over is dropped, not resolved: its new owner carries the incident on.
            if (_ruleById.ContainsKey(p.RuleId) && TryGetTarget(p.StationId, out _) && Owns?.Invoke(p.StationId) != false)
            {
                var pair = new PairState(_active) { Active = p.Active, ClosedUpTo = p.ClosedUpTo, GroupDay = p.GroupDay };
                foreach ((Severity severity, DateTimeOffset time) in p.LastHeld)
                {
                    pair.LastHeld[severity] = time;
                }

                foreach ((Severity severity, DateTimeOffset time) in p.LateHeld ?? new Dictionary<Severity, DateTimeOffset>())
                {
                    pair.LateHeld[severity] = time; // (an older state file has only LateSeverity, without a time: dropped)
                }

                foreach ((int id, LeafSnapshot leaf) in p.Memory)
                {
                    pair.Memory[id] = new LeafMemory { On = leaf.On, Since = leaf.Since };
                }

                _pairs[(p.RuleId, p.StationId)] = pair;
            }
        }

        foreach (GapSnapshot g in snapshot.StaleGaps ?? [])
        {
            if (TryGetTarget(g.StationId, out _) && Owns?.Invoke(g.StationId) != false)
            {
                _gaps[g.StationId] = new DataGap { From = g.From, FirstAfter = g.FirstAfter, To = g.To };
            }
        }
    }

    /// <summary>Adds a reading to the station's series without evaluating (history read back from InfluxDB at start-up).</summary>
    public void Prime(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        reading = Check(reading, reading.Timestamp, judgeClock: false); // learns the station's recent samples

        StationSeries series = SeriesOf(reading.Station);
        long? seq = series.LastSeq;
        Record(series, reading with { Seq = null });
        series.LastSeq = seq;
    }

    /// <summary>
    /// Runs the quality checks on a telemetry reading: returns it with its flags, and re-flags the earlier samples it
    /// showed to be spikes. A reading that already has flags (read back from InfluxDB, in a backtest or at start-up)
    /// keeps them: the checker only learns from it.
    /// </summary>
    private Reading Check(Reading reading, DateTimeOffset wallNow, bool judgeClock)
    {
        if (reading is not TelemetryReading)
        {
            return reading;
        }

        QualityAssessment assessment = _quality.Assess(reading, wallNow, judgeClock);
        foreach (QualityRevision revision in assessment.Revisions)
        {
            StationSeries earlier = SeriesOf(revision.Station);
            foreach ((string field, QualityChecks checks) in revision.Quality.Fields)
            {
                earlier.Field(field)?.Reflag(revision.Timestamp, checks);
            }
        }

        return reading.Quality is null ? reading with { Quality = assessment.Quality } : reading;
    }

    /// <summary>
    /// The unit's figures at the top of the hour, once per hour as its gauges' data passes it: those of the gauge with
    /// the highest effective rainfall (only values of good quality count). Null within an hour already written.
    /// </summary>
    private GeohazardHour? UnitHour(HazardUnit unit, List<StationSeries> gauges, DateTimeOffset unitAt)
    {
        var hour = new DateTimeOffset(unitAt.UtcDateTime.Year, unitAt.UtcDateTime.Month, unitAt.UtcDateTime.Day, unitAt.UtcDateTime.Hour, 0, 0, TimeSpan.Zero);
        if (_unitHour.TryGetValue(unit.Id, out DateTimeOffset last) && hour <= last)
        {
            return null;
        }

        _unitHour[unit.Id] = hour;
        return HourFigures(unit, gauges, hour);
    }

    /// <summary>The unit's figures at <paramref name="hour"/>: those of the gauge with the highest effective rainfall (values of good quality only).</summary>
    private static GeohazardHour? HourFigures(HazardUnit unit, List<StationSeries> gauges, DateTimeOffset hour) =>
        gauges.Select(g => new GeohazardHour(unit, hour, g.Station, GeohazardCondition.RainfallOf(g, unit, hour, QualityFlag.Good)))
            .OrderByDescending(h => h.Rainfall.EffectiveRainMm).ThenBy(h => h.Gauge.Id, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>
    /// Rain that arrives behind an hour already written (a late backlog, or a gauge catching up after the others passed
    /// the hour) rewrites the hours it counts in: every written hour of the gauge's units from the reading's hour on (an
    /// hour's figures hold all rain up to it: R, I_max and, over the antecedent days, P_a). Only hours whose whole look-back
    /// (antecedent days and event) is still in memory are rewritten — those of the last <see cref="GeohazardRewriteWindow"/>
    /// at least — so a rewrite never writes figures cut short by the trim. A dry sample is skipped.
    /// </summary>
    private List<GeohazardHour> RewriteHours(StationSeries series, Reading reading)
    {
        var rewritten = new List<GeohazardHour>();
        if (reading is not TelemetryReading { Values: var values } || !values.TryGetValue("rain_mm", out double mm) || mm <= 0)
        {
            return rewritten;
        }

        DateTimeOffset at = reading.Timestamp.ToUniversalTime();
        var first = new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, 0, 0, TimeSpan.Zero);
        if (first < at)
        {
            first = first.AddHours(1); // the first hour whose figures include the reading
        }

        DateTimeOffset kept = (Watermark ?? at) - _gaugeRetention + TimeSpan.FromHours(1);
        foreach ((HazardUnit unit, _) in UnitsOf(series.Station.Id))
        {
            if (!_unitHour.TryGetValue(unit.Id, out DateTimeOffset last) || first > last)
            {
                continue;
            }

            List<StationSeries> gauges = GaugesOf(unit);
            TimeSpan lookBack = TimeSpan.FromDays(unit.AntecedentDays + GeohazardCondition.HistoryDays);
            for (DateTimeOffset hour = first; hour <= last; hour = hour.AddHours(1))
            {
                if (hour - lookBack >= kept && HourFigures(unit, gauges, hour) is { } figures)
                {
                    rewritten.Add(figures);
                }
            }
        }

        return rewritten;
    }

    /// <summary>A station of the registry, or a hazard unit's alert target.</summary>
    public bool TryGetTarget(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Station? target)
    {
        if (_registry.TryGet(id, out target))
        {
            return true;
        }

        target = _units.TryGetValue(id, out (HazardUnit Unit, Station Target) unit) ? unit.Target : null;
        return target is not null;
    }

    /// <summary>The rules that watch <paramref name="station"/>, in the rule set's order.</summary>
    private Rule[] RulesOf(Station station)
    {
        if (!_rulesByStation.TryGetValue(station.Id, out Rule[]? rules))
        {
            rules = [.. _rules.Rules.Where(r => r.Scope.Matches(station))];
            _rulesByStation[station.Id] = rules;
        }

        return rules;
    }

    /// <summary>The stations <paramref name="rule"/> watches, by id (the order absence is judged in).</summary>
    private Station[] StationsOf(Rule rule)
    {
        if (!_stationsByRule.TryGetValue(rule.Id, out Station[]? stations))
        {
            stations = [.. _registry.Stations.Where(s => rule.Scope.Matches(s) && Owns?.Invoke(s.Id) != false).OrderBy(s => s.Id, StringComparer.Ordinal)];
            _stationsByRule[rule.Id] = stations;
        }

        return stations;
    }

    /// <summary>The rules that watch the hazard unit <paramref name="unit"/>, in the rule set's order.</summary>
    private Rule[] RulesOf(HazardUnit unit)
    {
        if (!_rulesByUnit.TryGetValue(unit.Id, out Rule[]? rules))
        {
            rules = [.. _rules.Rules.Where(r => r.Scope.MatchesUnit(unit))];
            _rulesByUnit[unit.Id] = rules;
        }

        return rules;
    }

    /// <summary>Whether <paramref name="rule"/> applies to the station or hazard unit <paramref name="id"/>.</summary>
    private bool Applies(Rule rule, string id) =>
        _units.TryGetValue(id, out (HazardUnit Unit, Station Target) unit) ? rule.Scope.MatchesUnit(unit.Unit)
            : _registry.TryGet(id, out Station? station) && rule.Scope.Matches(station);

    /// <summary>The hazard units a gauge stands for.</summary>
    private List<(HazardUnit Unit, Station Target)> UnitsOf(string stationId) =>
        _unitsByGauge.TryGetValue(stationId, out List<(HazardUnit Unit, Station Target)>? units) ? units : NoUnits;

    /// <summary>The series of a unit's gauges.</summary>
    private List<StationSeries> GaugesOf(HazardUnit unit) =>
        unit.Gauges.Select(g => _registry.TryGet(g, out Station? station) ? SeriesOf(station) : null).OfType<StationSeries>().ToList();

    /// <summary>Gives the changes about hazard units their unit (CAP area).</summary>
    private List<AlertChange> Attach(List<AlertChange> changes)
    {
        for (int i = 0; i < changes.Count; i++)
        {
            changes[i] = Attach(changes[i]);
        }

        return changes;
    }

    private AlertChange Attach(AlertChange change) =>
        change.Unit is null && _units.TryGetValue(change.Station.Id, out (HazardUnit Unit, Station Target) unit) ? change with { Unit = unit.Unit } : change;

    /// <summary>Whether an alert of <paramref name="ruleId"/> is in force at <paramref name="atLeast"/> or above for a station of <paramref name="watershed"/>.</summary>
    private bool ActiveInWatershed(string ruleId, string watershed, Severity atLeast) =>
        _active.Refresh(_pairs, _registry).Top(ruleId, watershed) is { } top && top >= atLeast;

    private DateTimeOffset AbsenceNow(DateTimeOffset wallNow) => _absenceClock == AbsenceClock.WallClock ? wallNow : Watermark ?? wallNow;

    private StationSeries SeriesOf(Station station)
    {
        if (!_series.TryGetValue(station.Id, out StationSeries? series))
        {
            _series[station.Id] = series = new StationSeries(station);
        }

        return series;
    }

    private static void Record(StationSeries series, Reading reading)
    {
        switch (reading)
        {
            case TelemetryReading t:
                foreach ((string field, double value) in t.Values)
                {
                    series.Add(field, t.Timestamp, value, t.Quality?.Of(field) ?? QualityChecks.None);
                }

                break;
            case StatusReading s:
                series.Add("online", s.Timestamp, s.Online ? 1 : 0);
                if (s.BatteryV is { } battery)
                {
                    series.Add("battery_v", s.Timestamp, battery);
                }

                if (s.RssiDbm is { } rssi)
                {
                    series.Add("rssi_dbm", s.Timestamp, rssi);
                }

                break;
            case CameraTrapEvent c:
                foreach (Detection d in c.Detections)
                {
                    series.AddEvent(new StationEvent(c.Timestamp, "detection", d.Species, d.Confidence, d.Count));
                }

                break;
            case FireEvent f:
                series.AddEvent(new StationEvent(f.Timestamp, "fire", f.Detection == FireDetectionType.Smoke ? "smoke" : "flame", f.Confidence, 1));
                break;
        }

        if (reading.Seq is { } seq)
        {
            if (series.LastSeq is { } last && seq > last + 1)
            {
                series.AddGap(reading.Timestamp, seq - last - 1);
            }

            if (series.LastSeq is null || seq > series.LastSeq || seq < series.LastSeq - 100_000)
            {
                series.LastSeq = seq; // (a big step back is a station whose counter restarted)
            }
        }
    }

    private void Evaluate(Rule rule, StationSeries series, DateTimeOffset at, DateTimeOffset absenceNow, List<AlertChange> changes)
    {
        if (!_pairs.TryGetValue((rule.Id, series.Station.Id), out PairState? pair))
        {
            _pairs[(rule.Id, series.Station.Id)] = pair = new PairState(_active);
        }

        Dictionary<Severity, (double? Value, double? Threshold, IReadOnlyDictionary<string, string>? Figures)> measured = _measured;
        measured.Clear();
        Severity holding = HoldLevels(rule, series, pair, at, absenceNow, measured);

        // Levels that stopped holding less than a cooldown ago still count: flapping is damped, raising is not.
        Severity target = holding;
        foreach ((Severity severity, DateTimeOffset heldAt) in pair.LastHeld)
        {
            if (severity > target && at - heldAt < rule.Cooldown)
            {
                target = severity;
            }
        }

        Alert? active = pair.Active;
        Severity current = active?.Severity ?? Severity.None;
        target = HoldOverGap(rule, series.Station.Id, at, target, current);
        if (target == current || SuppressedAfterClose(pair, target))
        {
            return;
        }

        // The figures of the level the change reports: the new severity, or for a resolve the one left.
        Severity reported = target == Severity.None ? current : target;
        (double? value, double? threshold, IReadOnlyDictionary<string, string>? figures) = measured.GetValueOrDefault(reported);
        Station station = series.Station;
        if (active is null)
        {
            Alert raised = NewAlert(rule, station, target, value, threshold, at, late: false, figures);
            pair.Active = raised;
            changes.Add(new AlertChange(Transition.Raised, raised, Severity.None, rule, station));
            return;
        }

        Transition transition = target == Severity.None ? Transition.Resolved : target > current ? Transition.Escalated : Transition.DeEscalated;
        (string messageZh, string messageEn) = rule.Describe(transition, station, reported, current, value ?? active.Value, threshold ?? active.Threshold, at, figures);
        Alert next = Next(active, transition, current, target, value, threshold, at, messageZh, messageEn);
        if (target == Severity.None)
        {
            pair.End();
        }
        else
        {
            pair.Active = next;
        }

        changes.Add(new AlertChange(transition, next, current, rule, station));
    }

    /// <summary>
    /// Evaluates the rule's levels at <paramref name="at"/>: records when each held and the condition memory; returns the
    /// highest level that holds. The alert itself is left to the caller.
    /// </summary>
    private Severity HoldLevels(Rule rule, StationSeries series, PairState pair, DateTimeOffset at, DateTimeOffset absenceNow, Dictionary<Severity, (double? Value, double? Threshold, IReadOnlyDictionary<string, string>? Figures)>? measured)
    {
        Severity holding = Severity.None;
        HazardUnit? unit = _units.TryGetValue(series.Station.Id, out (HazardUnit Unit, Station Target) u) ? u.Unit : null;
        IReadOnlyList<StationSeries> gauges = unit is null ? [] : GaugesOf(unit);
        foreach (RuleLevel level in rule.Levels)
        {
            var ctx = new EvalContext { Series = series, At = at, AbsenceNow = absenceNow, NeverHeardSince = _startedAt, Memory = pair.Memory, Admit = rule.CountDoubtful ? QualityFlag.Doubtful : QualityFlag.Good, ActiveInWatershed = _activeInWatershed, Unit = unit, Gauges = gauges };
            if (level.Condition.Evaluate(ctx))
            {
                pair.LastHeld[level.Severity] = at;
                holding = level.Severity;
            }

            measured?[level.Severity] = (ctx.Value, ctx.Threshold, ctx.Figures);
        }

        return holding;
    }

    /// <summary>
    /// Marks stale every active alert whose rule has a stale horizon and whose station has been silent that long by the
    /// engine's clock (<paramref name="now"/>: wall clock live, watermark in replay), once per silence. The alert stays
    /// active: no data is not normal. A rule with <c>lost_contact</c> tells the duty room "lost contact" instead.
    /// </summary>
    private List<AlertChange> MarkStale(DateTimeOffset now)
    {
        var changes = new List<AlertChange>();
        foreach (((string ruleId, string stationId), PairState pair) in _pairs.Where(p => p.Value.Active is { Stale: false }).OrderBy(p => p.Key.Station, StringComparer.Ordinal).ThenBy(p => p.Key.Rule, StringComparer.Ordinal).ToList())
        {
            if (pair.Active is not { Stale: false } active
                || _ruleById.GetValueOrDefault(ruleId) is not { StaleHorizon: { } horizon } rule
                || !TryGetTarget(stationId, out Station? station))
            {
                continue;
            }

            StationSeries series = SeriesOf(station);
            DateTimeOffset lastHeard = series.LastHeard ?? active.UpdatedAt;
            if (_units.TryGetValue(stationId, out (HazardUnit Unit, Station Target) unitEntry))
            {
                // A hazard unit is silent when any of its gauges is: no data from a gauge is not "no rain" (domain-reference §6.4).
                // Live, a gauge never heard is silent since the engine started; in a replay only gauges that took part count.
                List<StationSeries> gauges = GaugesOf(unitEntry.Unit).Where(g => _absenceClock == AbsenceClock.WallClock || g.LastHeard is not null).ToList();
                lastHeard = gauges.Select(g => g.LastHeard ?? _startedAt).DefaultIfEmpty(active.UpdatedAt).Min();
                series.LatestTime = gauges.Select(g => g.LatestTime ?? _startedAt).DefaultIfEmpty(active.UpdatedAt).Min();
            }

            if (now - lastHeard < horizon)
            {
                continue;
            }

            if (!_gaps.TryGetValue(stationId, out DataGap? gap) || gap.To is not null)
            {
                _gaps[stationId] = new DataGap { From = series.LatestTime ?? active.UpdatedAt };
            }

            Transition transition = rule.LostContact ? Transition.LostContact : Transition.Stale;
            (string zh, string en) = rule.DescribeStale(station, active.Severity, lastHeard, now, rule.LostContact);
            Alert stale = active with
            {
                LastTransition = transition,
                PreviousSeverity = active.Severity,
                Stale = true,
                StaleSince = lastHeard,
                UpdatedAt = now > active.UpdatedAt ? now : active.UpdatedAt,
                MessageZh = zh,
                MessageEn = en,
                AcknowledgedBy = rule.LostContact ? null : active.AcknowledgedBy, // lost contact: people must look again
                AcknowledgedAt = rule.LostContact ? null : active.AcknowledgedAt,
                Revision = active.Revision + 1,
            };
            pair.Active = stale;
            changes.Add(new AlertChange(transition, stale, active.Severity, rule, station));
        }

        return changes;
    }

    /// <summary>Fresh (not late) data from a station: its stale alerts are in contact again, and the data gap is closed.</summary>
    private List<AlertChange> RestoreContact(StationSeries series, DateTimeOffset at)
    {
        var changes = new List<AlertChange>();
        if (!_gaps.TryGetValue(series.Station.Id, out DataGap? gap) || gap.To is not null)
        {
            return changes;
        }

        gap.To = gap.FirstAfter is { } first && first < at ? first : at;
        foreach (Rule rule in _rules.Rules)
        {
            if (_pairs.GetValueOrDefault((rule.Id, series.Station.Id)) is not { Active: { Stale: true } active } pair)
            {
                continue;
            }

            (string zh, string en) = rule.DescribeRestored(series.Station, active.Severity, active.StaleSince ?? gap.From, at);
            Alert restored = active with
            {
                LastTransition = Transition.ContactRestored,
                PreviousSeverity = active.Severity,
                Stale = false,
                StaleSince = null,
                UpdatedAt = at > active.UpdatedAt ? at : active.UpdatedAt,
                MessageZh = zh,
                MessageEn = en,
                Revision = active.Revision + 1,
            };
            pair.Active = restored;
            changes.Add(new AlertChange(Transition.ContactRestored, restored, active.Severity, rule, series.Station));
        }

        return changes;
    }

    /// <summary>While a station's data gap is open, the earliest measurement time after its start that arrives (late or not).</summary>
    private void NoteGapData(string stationId, DateTimeOffset timestamp)
    {
        if (_gaps.TryGetValue(stationId, out DataGap? gap) && gap.To is null && timestamp > gap.From && (gap.FirstAfter is null || timestamp < gap.FirstAfter))
        {
            gap.FirstAfter = timestamp;
        }
    }

    /// <summary>
    /// After a silence at least the rule's stale horizon long, a level whose window still reaches into the gap cannot
    /// show the danger is over (an empty window sums to nothing): the alert does not drop below such a level until the
    /// window holds only data measured after the gap.
    /// </summary>
    private Severity HoldOverGap(Rule rule, string stationId, DateTimeOffset at, Severity target, Severity current)
    {
        if (target >= current || rule.StaleHorizon is not { } horizon || !_gaps.TryGetValue(stationId, out DataGap? gap) || gap.To is not { } to || to - gap.From < horizon)
        {
            return target;
        }

        foreach (RuleLevel level in rule.Levels)
        {
            if (level.Severity > target && level.Severity <= current && level.Condition.Lookback > TimeSpan.Zero && at - level.Condition.Lookback < to)
            {
                target = level.Severity;
            }
        }

        return target;
    }

    /// <summary>After a close by hand: no new incident while the rule holds at or below the severity closed, until it stops holding.</summary>
    private static bool SuppressedAfterClose(PairState pair, Severity target)
    {
        if (pair.ClosedUpTo == Severity.None || pair.Active is not null)
        {
            return false;
        }

        if (target != Severity.None && target <= pair.ClosedUpTo)
        {
            return true;
        }

        pair.ClosedUpTo = Severity.None; // clear again, or a higher severity: a new incident
        return false;
    }

    private List<AlertChange> LateNotices(StationSeries series, DateTimeOffset at, IEnumerable<Rule> rules, List<StationSeries> gauges)
    {
        var changes = new List<AlertChange>();
        HazardUnit? unit = _units.TryGetValue(series.Station.Id, out (HazardUnit Unit, Station Target) u) ? u.Unit : null;
        foreach (Rule rule in rules.Where(r => r.LateNotices && !r.UsesAbsence))
        {
            PairState? pair = _pairs.GetValueOrDefault((rule.Id, series.Station.Id));
            Severity severity = Severity.None;
            double? value = null, threshold = null;
            IReadOnlyDictionary<string, string>? figures = null;
            foreach (RuleLevel level in rule.Levels)
            {
                // Throwaway memory: a late reading never moves the live state.
                var ctx = new EvalContext { Series = series, At = at, AbsenceNow = at, NeverHeardSince = _startedAt, Memory = [], Admit = rule.CountDoubtful ? QualityFlag.Doubtful : QualityFlag.Good, ActiveInWatershed = _activeInWatershed, Unit = unit, Gauges = gauges };
                if (level.Condition.Evaluate(ctx))
                {
                    severity = level.Severity;
                    value = ctx.Value;
                    threshold = ctx.Threshold;
                    figures = ctx.Figures;
                }
            }

            if (severity == Severity.None)
            {
                continue;
            }

            if (pair is null)
            {
                _pairs[(rule.Id, series.Station.Id)] = pair = new PairState(_active);
            }

            // One notice per severity for one late episode: none while this severity or a higher one held in late data
            // less than a cooldown from this reading (a storm falling through orange after red adds nothing).
            bool told = pair.LateHeld.Any(h => h.Key >= severity && (at - h.Value).Duration() < rule.Cooldown);
            pair.LateHeld[severity] = at;
            if (told || severity <= (pair.Active?.Severity ?? Severity.None))
            {
                continue;
            }

            Station station = series.Station;
            Alert notice = NewAlert(rule, station, severity, value, threshold, at, late: true, figures) with { LastTransition = Transition.Late };
            changes.Add(new AlertChange(Transition.Late, notice, Severity.None, rule, station));
        }

        return changes;
    }

    /// <summary>An active alert after a change of level (<paramref name="target"/> None: resolved).</summary>
    private static Alert Next(Alert active, Transition transition, Severity current, Severity target, double? value, double? threshold, DateTimeOffset at, string messageZh, string messageEn) => active with
    {
        LastTransition = transition,
        PreviousSeverity = current,
        Severity = target,
        PeakSeverity = target > active.PeakSeverity ? target : active.PeakSeverity,
        Status = target == Severity.None ? AlertStatus.Resolved : AlertStatus.Active,
        UpdatedAt = at,
        Value = value ?? active.Value,
        Threshold = threshold ?? active.Threshold,
        MessageZh = messageZh,
        MessageEn = messageEn,
        AcknowledgedBy = transition == Transition.Escalated ? null : active.AcknowledgedBy,
        AcknowledgedAt = transition == Transition.Escalated ? null : active.AcknowledgedAt,
        Revision = active.Revision + 1,
    };

    /// <summary>A new incident (or a late notice, which is born resolved and says so in its text).</summary>
    private static Alert NewAlert(Rule rule, Station station, Severity severity, double? value, double? threshold, DateTimeOffset at, bool late, IReadOnlyDictionary<string, string>? figures = null) => new()
    {
        Id = $"{rule.Id}.{station.Id}.{at.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}" + (late ? "-late" : string.Empty),
        RuleId = rule.Id,
        StationId = station.Id,
        Audience = rule.Audience,
        Severity = severity,
        PeakSeverity = severity,
        Status = late ? AlertStatus.Resolved : AlertStatus.Active,
        RaisedAt = at,
        UpdatedAt = at,
        Value = value,
        Threshold = threshold,
        MessageZh = (late ? "[迟到数据] " : string.Empty) + rule.Render(rule.MessageZh, station, severity, value, threshold, at, figures),
        MessageEn = (late ? "[late data] " : string.Empty) + rule.Render(rule.MessageEn, station, severity, value, threshold, at, figures),
        Revision = 1,
    };

    private FwiDay? ComputeFireWeather(StationSeries series, TelemetryReading reading)
    {
        Station station = series.Station;
        if (station.Kind is not (StationKind.Weather or StationKind.Fire) || reading.Timestamp < series.LatestTime)
        {
            return null;
        }

        DateTimeOffset local = reading.Timestamp.ToOffset(EventCondition.LocalOffset);
        var today = DateOnly.FromDateTime(local.DateTime);
        if (!_fwi.TryGetValue(station.Id, out StationFwi? fwi))
        {
            _fwi[station.Id] = fwi = new StationFwi();
        }

        if (_season.Method == FireSeasonMethod.Temperature)
        {
            TrackDailyMax(series, reading, today, fwi);
        }

        if (local.Hour < 12 || local.Hour >= 18 || fwi.LastDay >= today)
        {
            return null; // The day's value comes from the first observation from local noon on (none after 18:00: skip the day).
        }

        double? temp = series.Field("air_temp_c")?.Latest(reading.Timestamp, QualityFlag.Doubtful)?.Value;
        double? rh = series.Field("rh_pct")?.Latest(reading.Timestamp, QualityFlag.Doubtful)?.Value;
        double? wind = series.Field("wind_speed_ms")?.Latest(reading.Timestamp, QualityFlag.Doubtful)?.Value;
        if (temp is null || rh is null || wind is null)
        {
            return null;
        }

        // Rain of the 24 h before noon: the station's own gauge, or for a fire station the weather station of its site.
        StationSeries? rainSeries = station.Kind == StationKind.Weather ? series
            : _registry.AtSite(station.Site.Id).Where(s => s.Kind == StationKind.Weather)
                .Select(s => _series.GetValueOrDefault(s.Id)).FirstOrDefault(s => s is not null);
        double rain = rainSeries?.Field("rain_mm")?.Window(reading.Timestamp, TimeSpan.FromDays(1)).Where(s => s.Flag != QualityFlag.Bad).Sum(s => s.Value) ?? 0;
        var weather = new FwiWeather(temp.Value, rh.Value, wind.Value * 3.6, rain, local.Month, station.Lat);
        fwi.LastDay = today;
        (bool inSeason, DateOnly? seasonStart) = _season.Method switch
        {
            FireSeasonMethod.Dates => _season.SeasonOf(today) is { } dates ? (true, dates.Start) : (false, (DateOnly?)null),
            FireSeasonMethod.Temperature => (fwi.InSeason, fwi.InSeason ? fwi.SeasonStart : null),
            _ => (true, null),
        };
        if (!inSeason)
        {
            // Out of season the codes are not computed (docs/fire-weather.md): the day is recorded with its weather, its
            // rain counts towards the overwintering P_w, and the derived values leave the rules' reach at once.
            fwi.OffSeasonRainMm += rain;
            foreach (string field in RuleLoader.DerivedFields)
            {
                series.Field(field)?.Clear();
            }

            return new FwiDay(station, reading.Timestamp, weather, null, rainSeries?.Station.Id) { InSeason = false };
        }

        double? dcStart = null;
        if (seasonStart is { } start && fwi.CodesSeason != start)
        {
            if (!fwi.AdoptCodes)
            {
                // A season starts: FFMC and DMC from the start-up values; the DC from 15 or carried over the off-season.
                dcStart = _season.DroughtCodeStart == DroughtCodeStart.Overwinter && fwi.CodesSeason is not null
                    ? FireWeatherIndex.OverwinterDc(fwi.State.Dc, fwi.OffSeasonRainMm, _season.CarryOver, _season.RainEffectiveness)
                    : FwiState.StartUp.Dc;
                fwi.State = FwiState.StartUp with { Dc = dcStart.Value };
            }

            fwi.CodesSeason = start;
            fwi.OffSeasonRainMm = 0;
            fwi.AdoptCodes = false;
        }

        FwiResult result = FireWeatherIndex.Day(fwi.State, weather);
        fwi.State = result.State;
        foreach ((string field, double value) in new[] { ("ffmc", result.Ffmc), ("dmc", result.Dmc), ("dc", result.Dc), ("isi", result.Isi), ("bui", result.Bui), ("fwi", result.Fwi), ("dsr", result.Dsr) })
        {
            series.Add(field, reading.Timestamp, value);
        }

        return new FwiDay(station, reading.Timestamp, weather, result, rainSeries?.Station.Id) { SeasonStart = seasonStart, DcStart = dcStart };
    }

    /// <summary>
    /// The WF93 season method (cffdrs <c>fire_season</c>): each Beijing day's maximum air temperature (flagged bad values
    /// left out); on the first reading of a day, the season starts when the <c>Days</c> days before it were all above
    /// <c>StartTempC</c>, and ends when they were all below <c>EndTempC</c>. A day without readings breaks the run.
    /// </summary>
    private void TrackDailyMax(StationSeries series, TelemetryReading reading, DateOnly today, StationFwi fwi)
    {
        if (series.Field("air_temp_c")?.Latest(reading.Timestamp, QualityFlag.Doubtful) is not { } t || t.Time != reading.Timestamp)
        {
            return;
        }

        if (fwi.MaxDay != today)
        {
            if (fwi.MaxDay is { } done && fwi.MaxTodayC is { } max)
            {
                fwi.RecentMax.Add(new DailyMaxTemperature(done, max));
                if (fwi.RecentMax.Count > _season.Days)
                {
                    fwi.RecentMax.RemoveRange(0, fwi.RecentMax.Count - _season.Days);
                }
            }

            fwi.MaxDay = today;
            fwi.MaxTodayC = null;
            int n = _season.Days;
            bool run = fwi.RecentMax.Count == n && Enumerable.Range(0, n).All(i => fwi.RecentMax[i].Day == today.AddDays(i - n));
            if (run && !fwi.InSeason && fwi.RecentMax.All(d => d.MaxC > _season.StartTempC))
            {
                fwi.InSeason = true;
                fwi.SeasonStart = today;
            }

            if (run && fwi.InSeason && fwi.RecentMax.All(d => d.MaxC < _season.EndTempC))
            {
                fwi.InSeason = false;
            }
        }

        fwi.MaxTodayC = Math.Max(fwi.MaxTodayC ?? double.NegativeInfinity, t.Value);
    }

    private void TrimIfDue()
    {
        if (Watermark is not { } mark || mark - _lastTrim < TimeSpan.FromHours(1))
        {
            return;
        }

        _lastTrim = mark;
        foreach (StationSeries series in _series.Values)
        {
            series.Trim(mark - (_unitsByGauge.ContainsKey(series.Station.Id) ? _gaugeRetention : _retention));
        }

        foreach ((string stationId, DataGap gap) in _gaps.ToList())
        {
            if (gap.To is { } to && to < mark - _gaugeRetention)
            {
                _gaps.Remove(stationId); // no window reaches back into it any more
            }
        }

        // A redelivery that never came (the broker's session was lost) is forgotten once no window reaches back to it; so
        // are the readings judged since the last checkpoint when nothing checkpoints (a backtest).
        foreach (Dictionary<string, List<DateTimeOffset>> times in (Dictionary<string, List<DateTimeOffset>>[])[_judgedBefore, _judgedSinceCheckpoint])
        {
            foreach ((string stationId, List<DateTimeOffset> judged) in times.ToList())
            {
                if (judged.RemoveAll(t => t < mark - _gaugeRetention) > 0 && judged.Count == 0)
                {
                    times.Remove(stationId);
                }
            }
        }
    }

    /// <summary>
    /// What the alerts in force add up to, for what every reading may ask (a watershed condition, how many are in force):
    /// worked out from the pairs again only after an alert changed (<see cref="PairState.Active"/> set, a pair removed),
    /// so that a reading costs the same with 10 alerts in force or 1,000 (bench/README.md, "Alerting: the engine's
    /// per-reading cost").
    /// </summary>
    private sealed class ActiveSummary
    {
        private readonly Dictionary<(string Rule, string Watershed), Severity> _top = [];
        private bool _stale = true;

        /// <summary>Alerts in force (after <see cref="Refresh"/>).</summary>
        public int Count { get; private set; }

        /// <summary>An alert changed: worked out again when next asked.</summary>
        public void Invalidate() => _stale = true;

        /// <summary>The highest severity in force of <paramref name="ruleId"/> at the stations of <paramref name="watershed"/>, null when none is (after <see cref="Refresh"/>).</summary>
        public Severity? Top(string ruleId, string watershed) => _top.TryGetValue((ruleId, watershed), out Severity top) ? top : null;

        /// <summary>Brings the summary up to date with <paramref name="pairs"/> if an alert changed since; returns it.</summary>
        public ActiveSummary Refresh(Dictionary<(string Rule, string Station), PairState> pairs, StationRegistry registry)
        {
            if (!_stale)
            {
                return this;
            }

            _top.Clear();
            int count = 0;
            foreach (((string ruleId, string stationId), PairState pair) in pairs)
            {
                if (pair.Active is not { } active)
                {
                    continue;
                }

                count++;
                if (registry.TryGet(stationId, out Station? station) && station.Watershed is { } watershed
                    && (!_top.TryGetValue((ruleId, watershed), out Severity top) || active.Severity > top))
                {
                    _top[(ruleId, watershed)] = active.Severity;
                }
            }

            Count = count;
            _stale = false;
            return this;
        }
    }

    private sealed class PairState(ActiveSummary summary)
    {
        private Alert? _active;

        public Dictionary<int, LeafMemory> Memory { get; } = [];

        public Dictionary<Severity, DateTimeOffset> LastHeld { get; } = [];

        public Alert? Active
        {
            get => _active;
            set
            {
                _active = value;
                summary.Invalidate();
            }
        }

        /// <summary>The incident ended: none active, and what held its levels forgotten.</summary>
        public void End()
        {
            Active = null;
            LastHeld.Clear();
        }

        /// <summary>Per severity, the measurement time of the late reading that last reached it (as its top level).</summary>
        public Dictionary<Severity, DateTimeOffset> LateHeld { get; } = [];

        /// <summary>The severity of an alert closed by hand while its rule may still hold (none: nothing suppressed).</summary>
        public Severity ClosedUpTo { get; set; }

        /// <summary>A rule grouped per site and day: the Beijing day of the incident this pair opened last (kept after it ended).</summary>
        public DateOnly? GroupDay { get; set; }
    }

    /// <summary>A station's silence in event time: from its last measurement before it went stale to the first one after.</summary>
    private sealed class DataGap
    {
        public DateTimeOffset From { get; init; }

        /// <summary>While open: the earliest measurement after <see cref="From"/> that arrived (a backlog fills the gap).</summary>
        public DateTimeOffset? FirstAfter { get; set; }

        /// <summary>Set when contact is restored: where data resumes.</summary>
        public DateTimeOffset? To { get; set; }
    }

    private sealed class StationFwi
    {
        public FwiState State { get; set; } = FwiState.StartUp;

        public DateOnly? LastDay { get; set; }

        /// <summary>The codes came from a state file from before fire seasons: keep them at the first season start.</summary>
        public bool AdoptCodes { get; set; }

        public bool InSeason { get; set; }

        public DateOnly? SeasonStart { get; set; }

        public DateOnly? CodesSeason { get; set; }

        public double OffSeasonRainMm { get; set; }

        public DateOnly? MaxDay { get; set; }

        public double? MaxTodayC { get; set; }

        public List<DailyMaxTemperature> RecentMax { get; } = [];

        public static StationFwi Restore(FwiState? state, DateOnly? lastDay, FwiSeasonSnapshot? season)
        {
            var fwi = new StationFwi { State = state ?? FwiState.StartUp, LastDay = lastDay, AdoptCodes = state is not null && season is null };
            if (season is not null)
            {
                fwi.InSeason = season.InSeason;
                fwi.SeasonStart = season.SeasonStart;
                fwi.CodesSeason = season.CodesSeason;
                fwi.OffSeasonRainMm = season.OffSeasonRainMm;
                fwi.MaxDay = season.MaxDay;
                fwi.MaxTodayC = season.MaxTodayC;
                fwi.RecentMax.AddRange(season.RecentMax ?? []);
            }

            return fwi;
        }

        public FwiSeasonSnapshot Snapshot() => new(InSeason, SeasonStart, CodesSeason, OffSeasonRainMm, MaxDay, MaxTodayC, [.. RecentMax]);
    }
}

/// <summary>Persisted engine state.</summary>
public sealed record EngineSnapshot
{
    /// <summary>The watermark.</summary>
    public DateTimeOffset? Watermark { get; init; }

    /// <summary>Per station.</summary>
    public IReadOnlyList<StationSnapshot> Stations { get; init; } = [];

    /// <summary>Per (rule, station).</summary>
    public IReadOnlyList<PairSnapshot> Pairs { get; init; } = [];

    /// <summary>Data gaps of stations whose alerts went stale (absent in older state files).</summary>
    public IReadOnlyList<GapSnapshot>? StaleGaps { get; init; } = [];

    /// <summary>
    /// Readings whose judgement is in this state and which a redelivery of unacknowledged messages may bring again: they
    /// are taken into the windows, not judged twice (docs/alerting.md, "State: snapshot and journal"). Absent in older
    /// state files.
    /// </summary>
    public IReadOnlyList<RedeliverySnapshot>? Redelivery { get; init; } = [];

    /// <summary>The full save that wrote this state (<see cref="AlertStateStore"/>): journal records written after it name it.</summary>
    public string? Checkpoint { get; init; }
}

/// <summary>Measurement times of a station's readings judged already (see <see cref="EngineSnapshot.Redelivery"/>).</summary>
/// <param name="StationId">The station.</param>
/// <param name="Times">The readings' measurement times, in the order they were judged.</param>
public sealed record RedeliverySnapshot(string StationId, IReadOnlyList<DateTimeOffset> Times);

/// <summary>A station's data gap after its alerts went stale (docs/alerting.md, "No data is not normal").</summary>
/// <param name="StationId">The station.</param>
/// <param name="From">Its last measurement time before the silence.</param>
/// <param name="FirstAfter">The earliest measurement after it seen while silent.</param>
/// <param name="To">Where data resumed (null while still silent).</param>
public sealed record GapSnapshot(string StationId, DateTimeOffset From, DateTimeOffset? FirstAfter, DateTimeOffset? To);

/// <summary>A station's persisted state.</summary>
/// <param name="StationId">The station.</param>
/// <param name="LatestTime">Latest measurement time of a reading that was not late.</param>
/// <param name="LastSeq">Last sequence number.</param>
/// <param name="Fwi">FWI codes carried over.</param>
/// <param name="FwiDay">Day of the last FWI day (in season or not).</param>
/// <param name="LastArrival">Live only: wall clock when anything from the station last arrived (absent in older state files).</param>
/// <param name="FwiSeason">Its fire-season state (absent in state files from before issue 15).</param>
public sealed record StationSnapshot(string StationId, DateTimeOffset? LatestTime, long? LastSeq, FwiState? Fwi, DateOnly? FwiDay, DateTimeOffset? LastArrival = null, FwiSeasonSnapshot? FwiSeason = null);

/// <summary>A (rule, station)'s persisted state.</summary>
/// <param name="RuleId">The rule.</param>
/// <param name="StationId">The station.</param>
/// <param name="Active">The alert in force.</param>
/// <param name="LastHeld">Per severity, when its level last held.</param>
/// <param name="Memory">Condition memory.</param>
/// <param name="LateSeverity">The highest severity in <paramref name="LateHeld"/> (kept for older readers; not read back).</param>
/// <param name="LateHeld">Per severity, when late data last reached it (absent in older state files).</param>
/// <param name="ClosedUpTo">After a close by hand, the severity up to which no new incident is raised until the rule stops holding.</param>
/// <param name="GroupDay">A rule grouped per site and day: the Beijing day of the incident the pair opened last (absent in older state files).</param>
public sealed record PairSnapshot(string RuleId, string StationId, Alert? Active, IReadOnlyDictionary<Severity, DateTimeOffset> LastHeld, IReadOnlyDictionary<int, LeafSnapshot> Memory, Severity LateSeverity, IReadOnlyDictionary<Severity, DateTimeOffset>? LateHeld = null, Severity ClosedUpTo = Severity.None, DateOnly? GroupDay = null);

/// <summary>A condition's persisted memory.</summary>
public sealed record LeafSnapshot(bool On, DateTimeOffset? Since);
