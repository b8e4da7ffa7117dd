namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>What one incident of a rule covers.</summary>
public enum RuleGroup
{
    /// <summary>One incident per (rule, station), the usual lifecycle of levels, cooldown and resolve.</summary>
    None,

    /// <summary>
    /// <c>group: site-day</c>: one incident per rule, site and Beijing day, about camera-trap detections (invasive alien
    /// species, docs/ecology.md). The first matching detection of the day at the site raises it; a later one updates it
    /// (notified only when it brings a species or a camera not seen that day); the end of the Beijing day resolves it.
    /// </summary>
    SiteDay,
}
