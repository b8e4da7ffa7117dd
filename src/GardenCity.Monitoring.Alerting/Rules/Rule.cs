using GardenCity.Monitoring.Core.Alerts;
using System.Globalization;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>Which stations a rule watches. Empty sets do not restrict; <see cref="Kinds"/> is never empty.</summary>
public sealed record RuleScope(
    IReadOnlySet<StationKind> Kinds,
    IReadOnlySet<string> Stations,
    IReadOnlySet<string> Sites,
    IReadOnlySet<string> Watersheds,
    IReadOnlySet<string> Zones)
{
    /// <summary>
    /// Geological-hazard units watched (<c>watch: {units: [...]}</c>); with <see cref="HazardKinds"/>, a rule about units
    /// rather than stations (docs/geohazard.md). Empty: none named.
    /// </summary>
    public IReadOnlySet<string> Units { get; init; } = new HashSet<string>();

    /// <summary>Hazard kinds watched (<c>watch: {hazards: [debris-flow, landslide]}</c>); empty: none named.</summary>
    public IReadOnlySet<HazardUnitKind> HazardKinds { get; init; } = new HashSet<HazardUnitKind>();

    /// <summary>Whether the rule watches hazard units instead of stations.</summary>
    public bool IsUnitScope => Units.Count > 0 || HazardKinds.Count > 0;

    /// <summary>Whether the rule applies to hazard unit <paramref name="unit"/>.</summary>
    public bool MatchesUnit(HazardUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        return IsUnitScope
            && (Units.Count == 0 || Units.Contains(unit.Id))
            && (HazardKinds.Count == 0 || HazardKinds.Contains(unit.Kind))
            && (Sites.Count == 0 || Sites.Contains(unit.Site.Id));
    }

    /// <summary>Whether the rule applies to <paramref name="station"/>.</summary>
    public bool Matches(Station station)
    {
        ArgumentNullException.ThrowIfNull(station);
        return !IsUnitScope && Kinds.Contains(station.Kind)
            && (Stations.Count == 0 || Stations.Contains(station.Id))
            && (Sites.Count == 0 || Sites.Contains(station.Site.Id))
            && (Watersheds.Count == 0 || (station.Watershed is { } w && Watersheds.Contains(w)))
            && (Zones.Count == 0 || (station.Zone is { } z && Zones.Contains(z)));
    }
}

/// <summary>One severity level of a rule and the condition that reaches it.</summary>
public sealed record RuleLevel(Severity Severity, Condition Condition);

/// <summary>
/// A rule as loaded from <c>deploy/rules/*.yaml</c>: what it watches, its levels (the highest level whose condition
/// holds is the alert's severity), who hears about it and what they read. Immutable.
/// </summary>
public sealed partial record Rule
{
    /// <summary>Rule id, <c>[a-z0-9][a-z0-9-]*</c>; part of alert topics.</summary>
    public required string Id { get; init; }

    /// <summary>Chinese name, e.g. 暴雨预警.</summary>
    public required string NameZh { get; init; }

    /// <summary>English name.</summary>
    public required string NameEn { get; init; }

    /// <summary>The file and line the rule was read from.</summary>
    public required string Source { get; init; }

    /// <summary>Who is told.</summary>
    public required Audience Audience { get; init; }

    /// <summary>CAP 1.2 <c>category</c> (Met, Geo, Fire, Env, Infra, …).</summary>
    public required string CapCategory { get; init; }

    /// <summary>Stations watched.</summary>
    public required RuleScope Scope { get; init; }

    /// <summary>
    /// How long a level must have stopped holding before the alert drops below it (de-escalation, resolution).
    /// Raising and escalating are immediate; this only damps flapping.
    /// </summary>
    public required TimeSpan Cooldown { get; init; }

    /// <summary>Levels, lowest severity first.</summary>
    public required IReadOnlyList<RuleLevel> Levels
    {
        get => _levels;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            _levels = value;
            // Worked out once from the levels (the engine asks on every clock tick and for every reading).
            Condition[] all = [.. value.SelectMany(l => l.Condition.SelfAndDescendants())];
            _lookback = all.Select(c => c.Lookback).DefaultIfEmpty(TimeSpan.Zero).Max();
            _usesAbsence = all.Any(c => c is AbsenceCondition);
        }
    }

    private readonly IReadOnlyList<RuleLevel> _levels = [];
    private readonly TimeSpan _lookback;
    private readonly bool _usesAbsence;

    /// <summary>Chinese message template.</summary>
    public required string MessageZh { get; init; }

    /// <summary>English message template.</summary>
    public required string MessageEn { get; init; }

    /// <summary>Chinese template of what to do (CAP <c>instruction</c>), same placeholders as the message; null for none.</summary>
    public string? InstructionZh { get; init; }

    /// <summary>English template of what to do (CAP <c>instruction</c>); null for none.</summary>
    public string? InstructionEn { get; init; }

    /// <summary>Whether late readings that would have raised this rule produce a "late" notice.</summary>
    public bool LateNotices { get; init; } = true;

    /// <summary>
    /// Sensitive location (e.g. a leopard sighting, anti-poaching): notifications carry no coordinates and say that
    /// the alert needs human verification.
    /// </summary>
    public bool Sensitive { get; init; }

    /// <summary>
    /// Whether values flagged doubtful by the quality checks count (<c>doubtful: count</c>); by default they do not
    /// (<c>ignore</c>: shown, never raising). Bad values never count (docs/data-quality.md).
    /// </summary>
    public bool CountDoubtful { get; init; }

    /// <summary>What one incident covers: a station (the default) or a site and Beijing day (<c>group: site-day</c>).</summary>
    public RuleGroup Group { get; init; }

    /// <summary>
    /// Chinese and English names of the species of a grouped rule (<c>species_names:</c>), by scientific name as listed
    /// in its <c>event.species</c>; read by <see cref="SpeciesName"/>.
    /// </summary>
    public IReadOnlyDictionary<string, (string Zh, string En)> SpeciesNames { get; init; } = new Dictionary<string, (string Zh, string En)>(StringComparer.Ordinal);

    /// <summary>The detection condition of a rule grouped per site and day (its one level's <c>event</c>), else null.</summary>
    public EventCondition? GroupCondition => Group == RuleGroup.SiteDay ? Levels[0].Condition as EventCondition : null;

    /// <summary>
    /// The names of a detected species: those listed for the name it matched (a subspecies takes the species' names),
    /// else the scientific name in both languages.
    /// </summary>
    public (string Zh, string En) SpeciesName(string scientific)
    {
        ArgumentNullException.ThrowIfNull(scientific);
        foreach ((string listed, (string zh, string en)) in SpeciesNames)
        {
            if (scientific == listed || scientific.StartsWith(listed + " ", StringComparison.Ordinal))
            {
                return (zh, en);
            }
        }

        return (scientific, scientific);
    }

    /// <summary>Every condition of every level, depth first.</summary>
    public IEnumerable<Condition> AllConditions => Levels.SelectMany(l => l.Condition.SelfAndDescendants());

    /// <summary>How far back the rule looks (the longest window); the engine keeps at least this much history.</summary>
    public TimeSpan Lookback => _lookback;

    /// <summary>Whether a level depends on a station being silent (evaluated on the engine's clock ticks).</summary>
    public bool UsesAbsence => _usesAbsence;

    /// <summary>Placeholders of geohazard rules (docs/geohazard.md): the gauge that counts and its rainfall figures; "-" elsewhere.</summary>
    public static IReadOnlyList<string> GeohazardPlaceholders { get; } =
        ["gauge", "gauge_zh", "gauge_en", "rain_event", "rain_antecedent", "rain_effective", "duration_h", "intensity", "intensity_max"];

    /// <summary>
    /// Placeholders of rules grouped per site and day (docs/ecology.md): the species (scientific, Chinese, English names),
    /// the cameras, the number of triggers, the first and latest trigger (Beijing time) and the day; "-" elsewhere.
    /// </summary>
    public static IReadOnlyList<string> GroupPlaceholders { get; } =
        ["species", "species_zh", "species_en", "cameras", "cameras_zh", "detections", "first_local", "last_local", "day_local"];

    /// <summary>Placeholders a message may use.</summary>
    public static IReadOnlyList<string> Placeholders { get; } =
        ["rule", "rule_zh", "rule_en", "station", "station_zh", "station_en", "site_zh", "site_en", "severity", "severity_zh", "value", "threshold", "window", "window_zh", "time_local", .. GeohazardPlaceholders, .. GroupPlaceholders];

    /// <summary>
    /// The Chinese and English text of a change. <paramref name="value"/> and <paramref name="threshold"/> are those of
    /// the level the text reports: the new severity for a raise, escalation or de-escalation (so a step down to orange
    /// quotes the orange quantity, e.g. the 3 h sum, even while only a lower level still holds), the severity left for
    /// a resolve. A raise and a late notice read as the rule's template; an escalation and a de-escalation say so
    /// before it; a resolve is its own sentence (the template says a criterion is reached, which is then untrue).
    /// </summary>
    /// <param name="transition">The change.</param>
    /// <param name="station">The station.</param>
    /// <param name="severity">The severity reported: the new one, or for a resolve the one left.</param>
    /// <param name="previous">The severity before the change.</param>
    /// <param name="value">The reported level's measured value.</param>
    /// <param name="threshold">The reported level's threshold.</param>
    /// <param name="at">Measurement time of the change.</param>
    /// <param name="figures">Named figures of the reported level (geohazard rules), or null.</param>
    public (string Zh, string En) Describe(Transition transition, Station station, Severity severity, Severity previous, double? value, double? threshold, DateTimeOffset at, IReadOnlyDictionary<string, string>? figures = null)
    {
        ArgumentNullException.ThrowIfNull(station);
        string zh = Render(MessageZh, station, severity, value, threshold, at, figures);
        string en = Render(MessageEn, station, severity, value, threshold, at, figures);
        switch (transition)
        {
            case Transition.Escalated:
                return ($"由{previous.ToChinese()}升为{severity.ToChinese()}：{zh}", $"Raised from {previous.ToName()} to {severity.ToName()}: {en}");
            case Transition.DeEscalated:
                return ($"由{previous.ToChinese()}降为{severity.ToChinese()}：{zh}", $"Lowered from {previous.ToName()} to {severity.ToName()}: {en}");
            case Transition.Resolved:
                string where = $"{station.NameEn} ({station.Site.NameEn})", whereZh = $"{station.NameZh}（{station.Site.NameZh}）";
                if (value is not { } v || threshold is not { } t)
                {
                    return ($"{NameZh}解除：{whereZh}已不再满足{severity.ToChinese()}条件。", $"Resolved: {NameEn}, {where}: the {severity.ToName()} condition no longer holds.");
                }

                TimeSpan window = WindowOf(severity);
                string figure = v.ToString("0.0##", CultureInfo.InvariantCulture), criterion = t.ToString("0.##", CultureInfo.InvariantCulture);
                return (
                    $"{NameZh}解除：{whereZh}{figure} 已低于{severity.ToChinese()}标准 {criterion}" + (window > TimeSpan.Zero ? $"（{FormatWindow(window, zh: true)}）" : string.Empty) + "。",
                    $"Resolved: {NameEn}, {where}: {figure} is below the {severity.ToName()} criterion of {criterion}" + (window > TimeSpan.Zero ? $" in {FormatWindow(window, zh: false)}" : string.Empty) + ".");
            default:
                return (zh, en);
        }
    }

    /// <summary>The text of an alert resolved because its rule was removed.</summary>
    public (string Zh, string En) DescribeRemoved(Station station)
    {
        ArgumentNullException.ThrowIfNull(station);
        return ($"{NameZh}解除：{station.NameZh}（{station.Site.NameZh}）的规则已删除。", $"Resolved: {NameEn}, {station.NameEn} ({station.Site.NameEn}): the rule was removed.");
    }

    /// <summary>
    /// Fills a template; <c>{value}</c> and <c>{threshold}</c> take a .NET format after a colon, e.g. <c>{value:0.0}</c>;
    /// <c>{window}</c> (<c>{window_zh}</c>) is the longest window of the level of <paramref name="severity"/>, e.g. <c>3 h</c>.
    /// </summary>
    /// <param name="template">The template.</param>
    /// <param name="station">The station (or the hazard unit's alert target).</param>
    /// <param name="severity">The severity reported.</param>
    /// <param name="value">The measured value.</param>
    /// <param name="threshold">Its threshold.</param>
    /// <param name="at">Measurement time.</param>
    /// <param name="figures">Named figures (geohazard rules), or null: their placeholders read "-".</param>
    public string Render(string template, Station station, Severity severity, double? value, double? threshold, DateTimeOffset at, IReadOnlyDictionary<string, string>? figures = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(station);
        return PlaceholderPattern().Replace(template, m =>
        {
            string format = m.Groups[2].Success ? m.Groups[2].Value : "0.##";
            return m.Groups[1].Value switch
            {
                "rule" => Id,
                "rule_zh" => NameZh,
                "rule_en" => NameEn,
                "station" => station.Id,
                "station_zh" => station.NameZh,
                "station_en" => station.NameEn,
                "site_zh" => station.Site.NameZh,
                "site_en" => station.Site.NameEn,
                "severity" => severity.ToName(),
                "severity_zh" => severity.ToChinese(),
                "value" => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-",
                "threshold" => threshold?.ToString(format, CultureInfo.InvariantCulture) ?? "-",
                "window" => FormatWindow(WindowOf(severity), zh: false),
                "window_zh" => FormatWindow(WindowOf(severity), zh: true),
                "time_local" => Core.Time.BeijingTime.ToBeijingTime(at).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                { } name when GeohazardPlaceholders.Contains(name) || GroupPlaceholders.Contains(name) => figures?.GetValueOrDefault(name) ?? "-",
                _ => m.Value,
            };
        });
    }

    /// <summary>The longest window of the level of <paramref name="severity"/> (zero when it has none or no such level).</summary>
    private TimeSpan WindowOf(Severity severity) => Levels.FirstOrDefault(l => l.Severity == severity)?.Condition.Lookback ?? TimeSpan.Zero;

    private static string FormatWindow(TimeSpan window, bool zh) => window switch
    {
        { Ticks: <= 0 } => "-",
        _ when window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) => window.TotalHours.ToString("0", CultureInfo.InvariantCulture) + (zh ? " 小时" : " h"),
        _ => window.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture) + (zh ? " 分钟" : " min"),
    };

    /// <summary><c>{name}</c> or <c>{name:format}</c>.</summary>
    [GeneratedRegex(@"\{([a-z_]+)(?::([^{}]+))?\}")]
    internal static partial Regex PlaceholderPattern();
}
