namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>
/// Where an alert's escalation stands, in brief, as the list of alerts in force shows it (<c>escalation</c> in
/// <c>GET /api/v1/alerts/active</c> and the live stream; docs/duty-room.md, "Dashboard: silences, audit, escalation and inhibition"). The whole
/// story with every step is <c>GET /api/v1/alerts/{id}/escalation</c>.
/// </summary>
/// <param name="Policy">The escalation policy's id.</param>
/// <param name="State"><c>running</c>, <c>last_tier_reached</c>, <c>acknowledged</c> or <c>ended</c>.</param>
/// <param name="Tier">The last tier notified (1: the routes).</param>
/// <param name="Tiers">The policy's tiers, the routes counted.</param>
/// <param name="TierName">The last tier's name (<c>routes</c> for tier 1).</param>
/// <param name="Notified">Who was notified on that tier, as <c>channel/recipient</c> (<c>@group</c> for a robot's group).</param>
/// <param name="NextTier">The next tier's number, while running.</param>
/// <param name="NextTierName">The next tier's name, while running.</param>
/// <param name="NextTierDueAt">When the next tier is notified unless acknowledged first, while running.</param>
/// <param name="StoppedBy">Who stopped it (acknowledged or closed).</param>
/// <param name="StopReason">Why it stopped (<c>acknowledged</c>, <c>resolved</c>, …).</param>
/// <param name="StoppedAt">When it stopped.</param>
public sealed record AlertEscalationSummary(
    string Policy,
    string State,
    int Tier,
    int Tiers,
    string? TierName,
    IReadOnlyList<string> Notified,
    int? NextTier,
    string? NextTierName,
    DateTimeOffset? NextTierDueAt,
    string? StoppedBy,
    string? StopReason,
    DateTimeOffset? StoppedAt);
