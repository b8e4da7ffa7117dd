namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// Why inhibition holds an alert back from the duty-room channels now (<c>held_back</c> in <c>GET /api/v1/alerts/active</c>
/// and the live stream; docs/duty-room.md, "Inhibition"): the alert is recorded and shown, people are told when the
/// inhibiting alert ends while it is still active.
/// </summary>
/// <param name="By">The inhibiting alert's id.</param>
/// <param name="Kind"><c>rule</c> (an inhibition rule: a source holds back its targets), <c>hazard</c> (a higher colour of the same hazard at the station) or <c>site_outage</c> (a site-wide outage alert).</param>
/// <param name="Name">The inhibition rule's name, the hazard's name, or the site's id.</param>
/// <param name="ByRule">The inhibiting alert's rule id.</param>
/// <param name="ByRuleZh">Its rule's Chinese name.</param>
/// <param name="ByRuleEn">Its rule's English name.</param>
/// <param name="ByStation">Its station (the site, for a site outage).</param>
/// <param name="ByStationZh">Its station's Chinese name.</param>
/// <param name="ByStationEn">Its station's English name.</param>
/// <param name="BySeverity">Its severity (<c>info</c> … <c>red</c>).</param>
public sealed record AlertHoldBack(
    string By,
    string Kind,
    string? Name,
    string ByRule,
    string? ByRuleZh,
    string? ByRuleEn,
    string ByStation,
    string? ByStationZh,
    string? ByStationEn,
    string BySeverity);
