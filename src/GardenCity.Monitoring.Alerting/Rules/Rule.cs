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
    /// <summary>Whether the rule applies to <paramref name="station"/>.</summary>
    public bool Matches(Station station)
    {
        ArgumentNullException.ThrowIfNull(station);
        return Kinds.Contains(station.Kind)
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
    public required IReadOnlyList<RuleLevel> Levels { get; init; }

    /// <summary>Chinese message template.</summary>
    public required string MessageZh { get; init; }

    /// <summary>English message template.</summary>
    public required string MessageEn { get; init; }

    /// <summary>Whether late readings that would have raised this rule produce a "late" notice.</summary>
    public bool LateNotices { get; init; } = true;

    /// <summary>
    /// Sensitive location (e.g. a leopard sighting, anti-poaching): notifications carry no coordinates and say that
    /// the alert needs human verification.
    /// </summary>
    public bool Sensitive { get; init; }

    /// <summary>Every condition of every level, depth first.</summary>
    public IEnumerable<Condition> AllConditions => Levels.SelectMany(l => l.Condition.SelfAndDescendants());

    /// <summary>How far back the rule looks (the longest window); the engine keeps at least this much history.</summary>
    public TimeSpan Lookback => AllConditions.Select(c => c.Lookback).DefaultIfEmpty(TimeSpan.Zero).Max();

    /// <summary>Whether a level depends on a station being silent (evaluated on the engine's clock ticks).</summary>
    public bool UsesAbsence => AllConditions.Any(c => c is AbsenceCondition);

    /// <summary>Placeholders a message may use.</summary>
    public static IReadOnlyList<string> Placeholders { get; } =
        ["rule", "rule_zh", "rule_en", "station", "station_zh", "station_en", "site_zh", "site_en", "severity", "severity_zh", "value", "threshold", "time_local"];

    /// <summary>Fills a template; <c>{value}</c> and <c>{threshold}</c> take a .NET format after a colon, e.g. <c>{value:0.0}</c>.</summary>
    public string Render(string template, Station station, Severity severity, double? value, double? threshold, DateTimeOffset at)
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
                "time_local" => at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                _ => m.Value,
            };
        });
    }

    /// <summary><c>{name}</c> or <c>{name:format}</c>.</summary>
    [GeneratedRegex(@"\{([a-z_]+)(?::([^{}]+))?\}")]
    internal static partial Regex PlaceholderPattern();
}
