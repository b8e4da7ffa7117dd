using System.Globalization;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Time;

namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>
/// Rules grouped per site and Beijing day (<c>group: site-day</c>, invasive alien species; docs/ecology.md): one incident
/// per rule, site and day, kept under the (rule, camera) pair of the camera that opened it. The first matching trigger of
/// the day at the site raises it; a later one updates it: notified (<see cref="Transition.Updated"/>) when it brings a
/// species or a camera not seen that day, otherwise only its counters move (the API shows them). The end of the day
/// (event time: the watermark, or live the wall clock on the tick) resolves it.
/// </summary>
public sealed partial class AlertEngine
{
    /// <summary>
    /// The earliest day end of a grouped incident in force (MaxValue: none; MinValue: unknown, after a restore), so that
    /// each reading costs one comparison instead of a scan of every pair.
    /// </summary>
    private DateTimeOffset _groupedDue = DateTimeOffset.MinValue;

    /// <summary>A matching trigger at a camera of the rule's scope (not late).</summary>
    private List<AlertChange> GroupedDetection(Rule rule, Station station, CameraTrapEvent trigger)
    {
        var changes = new List<AlertChange>();
        List<StationEvent> matched = Matching(rule, station, trigger);
        if (matched.Count == 0)
        {
            return changes;
        }

        DateOnly day = DayOf(trigger.Timestamp);
        List<(Station Camera, PairState Pair)> site = SitePairs(rule, station.Site.Id);
        if (site.FirstOrDefault(p => p.Pair.Active is not null && p.Pair.GroupDay == day) is ({ } camera, { Active: { } open } openPair))
        {
            changes.AddRange(UpdateGrouped(rule, camera, openPair, open, station, trigger.Timestamp, matched));
            return changes;
        }

        if (site.Any(p => p.Pair.GroupDay == day))
        {
            return changes; // the day's incident at the site is over (closed by hand, or its day ended before this trigger came in)
        }

        if (!_pairs.TryGetValue((rule.Id, station.Id), out PairState? pair))
        {
            _pairs[(rule.Id, station.Id)] = pair = new PairState(_active);
        }

        if (pair.Active is { } earlier && pair.GroupDay is { } earlierDay)
        {
            changes.Add(EndGrouped(rule, station, pair, earlier, DayEnd(earlierDay))); // an earlier day not yet ended by the clock
        }

        pair.GroupDay = day;
        pair.ClosedUpTo = Severity.None;
        _groupedDue = DayEnd(day) < _groupedDue ? DayEnd(day) : _groupedDue;
        pair.LastHeld[rule.Levels[0].Severity] = trigger.Timestamp;
        var species = new List<string>();
        AddNew(species, matched.Select(e => e.Subject));
        Alert raised = GroupedAlert(rule, station, trigger.Timestamp, species, [station.Id], 1, trigger.Timestamp, trigger.Timestamp, matched.Max(e => e.Confidence), late: false);
        pair.Active = raised;
        changes.Add(new AlertChange(Transition.Raised, raised, Severity.None, rule, station));
        return changes;
    }

    /// <summary>A later trigger of the same site and day: new species or cameras are notified, anything else only counted.</summary>
    private List<AlertChange> UpdateGrouped(Rule rule, Station opener, PairState pair, Alert open, Station station, DateTimeOffset at, List<StationEvent> matched)
    {
        var species = new List<string>(open.Species ?? []);
        var cameras = new List<string>(open.Cameras ?? []);
        bool news = AddNew(species, matched.Select(e => e.Subject)) | AddNew(cameras, [station.Id]);
        DateTimeOffset first = open.FirstDetectionAt is { } f && f < at ? f : at;
        DateTimeOffset last = open.LastDetectionAt is { } l && l > at ? l : at;
        double confidence = Math.Max(open.Value ?? 0, matched.Max(e => e.Confidence));
        Alert counted = GroupedAlert(rule, opener, open.RaisedAt, species, cameras, (open.Detections ?? 0) + 1, first, last, confidence, late: false);
        pair.LastHeld[rule.Levels[0].Severity] = last;
        if (!news)
        {
            // Only the counters and the text move: no notification (not one per photo); the API shows the alert as it is.
            pair.Active = open with { Detections = counted.Detections, FirstDetectionAt = first, LastDetectionAt = last, Value = confidence, MessageZh = counted.MessageZh, MessageEn = counted.MessageEn };
            return [];
        }

        Alert updated = open with
        {
            LastTransition = Transition.Updated,
            PreviousSeverity = open.Severity,
            Species = species,
            Cameras = cameras,
            Detections = counted.Detections,
            FirstDetectionAt = first,
            LastDetectionAt = last,
            Value = confidence,
            UpdatedAt = at > open.UpdatedAt ? at : open.UpdatedAt,
            MessageZh = "更新：" + counted.MessageZh,
            MessageEn = "Updated: " + counted.MessageEn,
            AcknowledgedBy = null, // something new: people must look again
            AcknowledgedAt = null,
            Revision = open.Revision + 1,
        };
        pair.Active = updated;
        return [new AlertChange(Transition.Updated, updated, open.Severity, rule, opener)];
    }

    /// <summary>Resolves every grouped incident whose Beijing day ended at or before <paramref name="now"/> (at the day's end).</summary>
    private List<AlertChange> EndGroupedDays(DateTimeOffset now)
    {
        var changes = new List<AlertChange>();
        if (now < _groupedDue)
        {
            return changes;
        }

        DateTimeOffset due = DateTimeOffset.MaxValue;
        foreach (((string ruleId, string stationId), PairState pair) in _pairs.Where(p => p.Value is { Active: not null, GroupDay: not null }).OrderBy(p => p.Key.Station, StringComparer.Ordinal).ThenBy(p => p.Key.Rule, StringComparer.Ordinal).ToList())
        {
            DateTimeOffset end = DayEnd(pair.GroupDay!.Value);
            if (end <= now && _ruleById.GetValueOrDefault(ruleId) is { Group: RuleGroup.SiteDay } rule && _registry.TryGet(stationId, out Station? station))
            {
                changes.Add(EndGrouped(rule, station, pair, pair.Active!, end));
            }
            else if (end < due)
            {
                due = end;
            }
        }

        _groupedDue = due;
        return changes;
    }

    private AlertChange EndGrouped(Rule rule, Station opener, PairState pair, Alert open, DateTimeOffset end)
    {
        (string zh, string en) = Summary(rule, opener, open);
        Alert resolved = open.Ended(Transition.Resolved, AlertStatus.Resolved, zh, en) with { UpdatedAt = end };
        pair.End();
        return new AlertChange(Transition.Resolved, resolved, open.Severity, rule, opener);
    }

    /// <summary>A trigger later than the lateness horizon: one late notice per rule, site and day (none while that day's incident is open).</summary>
    private List<AlertChange> GroupedLateNotices(Station station, CameraTrapEvent trigger)
    {
        var changes = new List<AlertChange>();
        foreach (Rule rule in RulesOf(station).Where(r => r.Group == RuleGroup.SiteDay && r.LateNotices))
        {
            List<StationEvent> matched = Matching(rule, station, trigger);
            DateOnly day = DayOf(trigger.Timestamp);
            Severity severity = rule.Levels[0].Severity;
            List<(Station Camera, PairState Pair)> site = SitePairs(rule, station.Site.Id);
            if (matched.Count == 0 || site.Any(p => p.Pair.GroupDay == day || (p.Pair.LateHeld.TryGetValue(severity, out DateTimeOffset told) && DayOf(told) == day)))
            {
                continue;
            }

            if (!_pairs.TryGetValue((rule.Id, station.Id), out PairState? pair))
            {
                _pairs[(rule.Id, station.Id)] = pair = new PairState(_active);
            }

            pair.LateHeld[severity] = trigger.Timestamp;
            var species = new List<string>();
            AddNew(species, matched.Select(e => e.Subject));
            Alert grouped = GroupedAlert(rule, station, trigger.Timestamp, species, [station.Id], 1, trigger.Timestamp, trigger.Timestamp, matched.Max(e => e.Confidence), late: true);
            Alert notice = grouped with { LastTransition = Transition.Late };
            changes.Add(new AlertChange(Transition.Late, notice, Severity.None, rule, station));
        }

        return changes;
    }

    /// <summary>The trigger's detections that the rule's condition matches (species, confidence; the camera's zone).</summary>
    private static List<StationEvent> Matching(Rule rule, Station station, CameraTrapEvent trigger)
    {
        if (rule.GroupCondition is not { } condition || (condition.Zones.Count > 0 && (station.Zone is not { } zone || !condition.Zones.Contains(zone))))
        {
            return [];
        }

        return [.. trigger.Detections.Select(d => new StationEvent(trigger.Timestamp, "detection", d.Species, d.Confidence, d.Count)).Where(condition.Matches)];
    }

    /// <summary>The (rule, camera) pairs of the rule at the cameras of a site, in camera id order.</summary>
    private List<(Station Camera, PairState Pair)> SitePairs(Rule rule, string siteId)
    {
        var site = new List<(Station Camera, PairState Pair)>();
        foreach (Station station in _registry.AtSite(siteId))
        {
            if (_pairs.TryGetValue((rule.Id, station.Id), out PairState? pair))
            {
                site.Add((station, pair));
            }
        }

        return site;
    }

    private Alert GroupedAlert(Rule rule, Station opener, DateTimeOffset raisedAt, List<string> species, List<string> cameras, int detections, DateTimeOffset first, DateTimeOffset last, double confidence, bool late)
    {
        Severity severity = rule.Levels[0].Severity;
        Dictionary<string, string> figures = Figures(rule, species, cameras, detections, first, last);
        return NewAlert(rule, opener, severity, confidence, rule.GroupCondition?.MinConfidence, raisedAt, late, figures) with
        {
            Species = species,
            Cameras = cameras,
            Detections = detections,
            FirstDetectionAt = first,
            LastDetectionAt = last,
        };
    }

    /// <summary>The text of the day's end: what was seen, where and when.</summary>
    private (string Zh, string En) Summary(Rule rule, Station opener, Alert open)
    {
        Dictionary<string, string> f = Figures(rule, [.. open.Species ?? []], [.. open.Cameras ?? []], open.Detections ?? 0, open.FirstDetectionAt ?? open.RaisedAt, open.LastDetectionAt ?? open.RaisedAt);
        return (
            $"{rule.NameZh}当日结束：{opener.Site.NameZh} {f["day_local"]} 共 {f["detections"]} 次拍到 {f["species_zh"]}（相机 {f["cameras_zh"]}，{f["first_local"]}–{f["last_local"]}）。",
            $"Day over: {rule.NameEn}, {opener.Site.NameEn} on {f["day_local"]}: {f["detections"]} trigger(s) of {f["species_en"]} (cameras {f["cameras"]}, {f["first_local"]}–{f["last_local"]}).");
    }

    private Dictionary<string, string> Figures(Rule rule, List<string> species, List<string> cameras, int detections, DateTimeOffset first, DateTimeOffset last)
    {
        var names = species.Select(rule.SpeciesName).ToList();
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["species"] = string.Join(", ", species),
            ["species_zh"] = string.Join("、", names.Select(n => n.Zh).Distinct()),
            ["species_en"] = string.Join(", ", names.Select(n => n.En).Distinct()),
            ["cameras"] = string.Join(", ", cameras),
            ["cameras_zh"] = string.Join("、", cameras.Select(c => _registry.TryGet(c, out Station? camera) ? camera.NameZh : c)),
            ["detections"] = detections.ToString(CultureInfo.InvariantCulture),
            ["first_local"] = first.ToBeijingTime().ToString("HH:mm", CultureInfo.InvariantCulture),
            ["last_local"] = last.ToBeijingTime().ToString("HH:mm", CultureInfo.InvariantCulture),
            ["day_local"] = first.ToBeijingTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Adds the values not yet in the list, in order; whether any was new.</summary>
    private static bool AddNew(List<string> list, IEnumerable<string> values)
    {
        bool added = false;
        foreach (string v in values)
        {
            if (!list.Contains(v))
            {
                list.Add(v);
                added = true;
            }
        }

        return added;
    }

    private static DateOnly DayOf(DateTimeOffset t) => DateOnly.FromDateTime(t.ToBeijingTime().DateTime);

    private static DateTimeOffset DayEnd(DateOnly day) => new(day.AddDays(1).ToDateTime(TimeOnly.MinValue), BeijingTime.Offset);
}
