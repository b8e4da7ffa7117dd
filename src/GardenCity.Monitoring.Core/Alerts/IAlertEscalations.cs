namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>One step of an alert's escalation (docs/duty-room.md, "Escalation").</summary>
/// <param name="Kind"><c>started</c>, <c>restarted</c>, <c>tier</c>, <c>acknowledged</c> or <c>ended</c>.</param>
/// <param name="Tier">The tier notified (a <c>tier</c> step) or reached.</param>
/// <param name="Name">The tier's name.</param>
/// <param name="At">When, by the alerting worker's wall clock.</param>
/// <param name="By">Who (an acknowledgement or close).</param>
/// <param name="Note">Why, or what else happened (a rota with nobody on duty).</param>
/// <param name="Deliveries">A tier's deliveries as <c>channel/recipient</c>.</param>
public sealed record AlertEscalationStep(string Kind, int? Tier, string? Name, DateTimeOffset At, string? By, string? Note, IReadOnlyList<string> Deliveries);

/// <summary>Where an alert's escalation stands.</summary>
/// <param name="AlertId">The alert.</param>
/// <param name="Policy">The escalation policy's id.</param>
/// <param name="State"><c>running</c>, <c>last_tier_reached</c>, <c>acknowledged</c> or <c>ended</c>.</param>
/// <param name="CurrentTier">The last tier notified (1: the routes).</param>
/// <param name="Tiers">The policy's tiers, the routes counted: 1 + its listed tiers.</param>
/// <param name="NextTier">The next tier's number, while running.</param>
/// <param name="NextTierName">The next tier's name, while running.</param>
/// <param name="NextTierDueAt">When the next tier is notified unless acknowledged first, while running.</param>
/// <param name="StartedAt">When the escalation (re)started: the raise or the last escalation of severity.</param>
/// <param name="StoppedBy">Who stopped it (acknowledged or closed).</param>
/// <param name="StopReason">Why it stopped.</param>
/// <param name="StoppedAt">When it stopped.</param>
/// <param name="Steps">Every step, oldest first.</param>
public sealed record AlertEscalation(
    string AlertId,
    string Policy,
    string State,
    int CurrentTier,
    int Tiers,
    int? NextTier,
    string? NextTierName,
    DateTimeOffset? NextTierDueAt,
    DateTimeOffset StartedAt,
    string? StoppedBy,
    string? StopReason,
    DateTimeOffset? StoppedAt,
    IReadOnlyList<AlertEscalationStep> Steps);

/// <summary>
/// The escalation state of alerts. Declared here so that the API and the alerting worker never reference each other;
/// the alerting worker implements it. Thread-safe.
/// </summary>
public interface IAlertEscalations
{
    /// <summary>The escalation of an alert; null when no policy took it (or it ended over a week ago).</summary>
    AlertEscalation? Find(string alertId);
}
