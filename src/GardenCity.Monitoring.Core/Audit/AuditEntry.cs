namespace GardenCity.Monitoring.Core.Audit;

/// <summary>
/// One line of the audit trail (docs/duty-room.md, "Audit trail"): what happened (<see cref="Kind"/>, one of
/// <see cref="AuditKinds"/>), to which alert or thing, who did it and when.
/// </summary>
/// <param name="At">When, by the wall clock of the process that recorded it (UTC; shown in Beijing time).</param>
/// <param name="Kind">What happened: one of <see cref="AuditKinds"/> (e.g. <c>alert.raised</c>, <c>notification.sent</c>, <c>silence.created</c>).</param>
/// <param name="Who">Who did it: an API key's name for what a person did, <c>system</c> for what the rules or the workers did.</param>
/// <param name="AlertId">The alert concerned, if any.</param>
/// <param name="Target">What else it concerns, if anything: a silence id, <c>{channel}/{recipient}</c> of a delivery, a rules directory.</param>
/// <param name="Detail">A short human-readable account (severity, reason, message, status, matchers).</param>
public sealed record AuditEntry(DateTimeOffset At, string Kind, string Who, string? AlertId, string? Target, string Detail)
{
    /// <summary>The <see cref="Who"/> of what the rules engine or a worker did, not a person.</summary>
    public const string System = "system";
}
