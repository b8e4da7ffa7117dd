using System.ComponentModel.DataAnnotations;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Alerting.Duty.Inhibition;

/// <summary>
/// Inhibition (<c>GardenCity:Duty:Inhibition</c>): alerts that hold back the duty-room notifications of others, so
/// the people on duty hear about the cause, not every symptom (docs/duty-room.md, "Inhibition"). A held-back alert is
/// still recorded, published to machine endpoints and shown (its deliveries have status <c>held_back</c> with the
/// inhibiting alert); it is notified when the inhibiting alert ends while it is still active.
/// </summary>
public sealed class DutyInhibitionOptions
{
    /// <summary>Whether inhibition applies. <value>The default value is true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Source rules hold back target rules at the same station (or site).</summary>
    public List<DutyInhibitionRuleOptions> Rules { get; } = [];

    /// <summary>
    /// Hazards: rule ids that describe one hazard (e.g. <c>flood: [flood-level, flood-fast-rise]</c>). At one station,
    /// an active alert of a hazard at a higher colour holds back the hazard's alerts of lower colours.
    /// </summary>
    public Dictionary<string, List<string>> Hazards { get; } = [];

    /// <summary>A site-wide outage gives one site alert instead of one per station.</summary>
    [ValidateObjectMembers]
    public DutySiteOutageOptions SiteOutage { get; } = new();
}

/// <summary>Which alerts hold back which.</summary>
public sealed class DutyInhibitionRuleOptions
{
    /// <summary>Name for logs and records. <value>The default value is empty.</value></summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Rule ids of the alerts that hold back (e.g. <c>station-offline</c>).</summary>
    public List<string> Sources { get; } = [];

    /// <summary>Rule ids of the alerts held back (e.g. <c>battery-low</c>).</summary>
    public List<string> Targets { get; } = [];

    /// <summary>Where source and target must meet: <c>Station</c> or <c>Site</c>. <value>The default value is Station.</value></summary>
    public DutyInhibitionScope Scope { get; set; } = DutyInhibitionScope.Station;
}

/// <summary>Where an inhibiting alert and the alert it holds back must be.</summary>
public enum DutyInhibitionScope
{
    /// <summary>The same station.</summary>
    Station,

    /// <summary>The same site.</summary>
    Site,
}

/// <summary>
/// Site-wide outage: when at least <see cref="Threshold"/> of a site's watched stations (and at least
/// <see cref="MinStations"/>) have an active <see cref="Rule"/> alert, one site alert (rule <c>site-outage</c>) is
/// notified and the per-station alerts are held back until the outage ends.
/// </summary>
public sealed class DutySiteOutageOptions
{
    /// <summary>Whether site outages are detected. <value>The default value is true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The per-station rule that says a station is offline. <value>The default value is station-offline.</value></summary>
    [Required]
    public string Rule { get; set; } = "station-offline";

    /// <summary>Share of the site's watched stations that must be offline. <value>The default value is 0.6.</value></summary>
    [Range(0.01, 1.0)]
    public double Threshold { get; set; } = 0.6;

    /// <summary>Fewest stations offline for a site outage. <value>The default value is 2.</value></summary>
    [Range(1, 1000)]
    public int MinStations { get; set; } = 2;

    /// <summary>
    /// Kinds of station the rule watches (the denominator of <see cref="Threshold"/>); empty: the kinds
    /// <c>station-offline</c> watches (weather, water level, fire).
    /// </summary>
    public List<StationKind> StationKinds { get; } = [];
}
