using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>
/// One incident of a rule at a station, as of its latest change. Immutable; each change makes a new instance with a
/// higher <see cref="Revision"/>.
/// </summary>
public sealed record Alert
{
    /// <summary>Stable id of the incident: <c>{rule}.{station}.{raised yyyyMMddTHHmmssZ}</c>; usable as a CAP identifier.</summary>
    public required string Id { get; init; }

    /// <summary>The rule.</summary>
    public required string RuleId { get; init; }

    /// <summary>The station.</summary>
    public required string StationId { get; init; }

    /// <summary>Who is told.</summary>
    public required Audience Audience { get; init; }

    /// <summary>Current severity.</summary>
    public required Severity Severity { get; init; }

    /// <summary>Highest severity reached in this incident.</summary>
    public required Severity PeakSeverity { get; init; }

    /// <summary>Active, resolved or closed.</summary>
    public required AlertStatus Status { get; init; }

    /// <summary>Measurement time the incident began.</summary>
    public required DateTimeOffset RaisedAt { get; init; }

    /// <summary>Measurement time of the latest change.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The measured value behind the severity (e.g. mm of rain in the window), if any.</summary>
    public double? Value { get; init; }

    /// <summary>The threshold it was compared with, if any.</summary>
    public double? Threshold { get; init; }

    /// <summary>Chinese text.</summary>
    public required string MessageZh { get; init; }

    /// <summary>English text.</summary>
    public required string MessageEn { get; init; }

    /// <summary>Who acknowledged the current severity; cleared when the alert escalates.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>When, by the clock of the acknowledging system.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>The change that made this revision (an alert restored from an older state file reads as raised).</summary>
    public Transition LastTransition { get; init; } = Transition.Raised;

    /// <summary>The severity before <see cref="LastTransition"/> (none for a new incident).</summary>
    public Severity PreviousSeverity { get; init; }

    /// <summary>In force, but the station has been silent for the rule's stale horizon (set and cleared by the engine).</summary>
    public bool Stale { get; init; }

    /// <summary>When the station was last heard, while <see cref="Stale"/> (engine clock: wall clock live, event time in replay).</summary>
    public DateTimeOffset? StaleSince { get; init; }

    /// <summary>Who closed it by hand.</summary>
    public string? ClosedBy { get; init; }

    /// <summary>When, by the clock of the closing system.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>The reason given.</summary>
    public string? CloseReason { get; init; }

    /// <summary>A grouped incident (per site and Beijing day): the species detected, in the order first seen; else null.</summary>
    public IReadOnlyList<string>? Species { get; init; }

    /// <summary>A grouped incident: the camera traps that recorded them, in the order first seen; else null.</summary>
    public IReadOnlyList<string>? Cameras { get; init; }

    /// <summary>A grouped incident: the triggers that recorded one of them; else null.</summary>
    public int? Detections { get; init; }

    /// <summary>A grouped incident: measurement time of the first trigger.</summary>
    public DateTimeOffset? FirstDetectionAt { get; init; }

    /// <summary>A grouped incident: measurement time of the latest trigger.</summary>
    public DateTimeOffset? LastDetectionAt { get; init; }

    /// <summary>Increases by one with every change; <c>{Id}#{Revision}</c> identifies one notification.</summary>
    public required int Revision { get; init; }

    /// <summary>This alert ended (<paramref name="transition"/> Resolved or Closed): no severity, the next revision, its last message.</summary>
    public Alert Ended(Transition transition, AlertStatus status, string messageZh, string messageEn) => this with
    {
        LastTransition = transition,
        PreviousSeverity = Severity,
        Severity = Severity.None,
        Status = status,
        MessageZh = messageZh,
        MessageEn = messageEn,
        Revision = Revision + 1,
    };
}

/// <summary>One change, with the rule and station it concerns.</summary>
public sealed record AlertChange(Transition Transition, Alert Alert, Severity Previous, Rule Rule, Station Station)
{
    /// <summary>Identifies this notification (for idempotent receivers).</summary>
    public string NotificationId => $"{Alert.Id}#{Alert.Revision}";

    /// <summary>The geological-hazard unit the alert is about (its <see cref="Station"/> is the unit's alert target), else null.</summary>
    public HazardUnit? Unit { get; init; }
}

/// <summary>
/// A station's fire-weather day at its noon observation: the FWI values in the fire season; out of season
/// (<see cref="InSeason"/> false) only the weather, the codes not computed (docs/fire-weather.md).
/// </summary>
public sealed record FwiDay(Station Station, DateTimeOffset At, FwiWeather Weather, FwiResult? Result, string? RainStationId)
{
    /// <summary>Whether the day is in the fire season (its codes computed). <value>The default value is true.</value></summary>
    public bool InSeason { get; init; } = true;

    /// <summary>The first day of the season the codes belong to (none with the season method AllYear).</summary>
    public DateOnly? SeasonStart { get; init; }

    /// <summary>On the day the codes restarted: the Drought Code they started from (15, or overwintered).</summary>
    public double? DcStart { get; init; }
}

/// <summary>What processing one input produced.</summary>
public sealed record EngineOutput(IReadOnlyList<AlertChange> Changes, IReadOnlyList<FwiDay> FireWeather)
{
    /// <summary>Hourly rainfall figures of hazard units (InfluxDB <c>geohazard</c>, docs/geohazard.md).</summary>
    public IReadOnlyList<GeohazardHour> Geohazard { get; init; } = [];

    /// <summary>Nothing.</summary>
    public static EngineOutput None { get; } = new([], []);
}
