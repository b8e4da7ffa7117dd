namespace GardenCity.Monitoring.Core.Audit;

/// <summary>The kinds of <see cref="AuditEntry"/> (docs/duty-room.md, "Audit trail"). Kinds are dotted names, filterable by prefix (<c>silence.</c>).</summary>
public static class AuditKinds
{
    /// <summary>Prefix of an alert change: <c>alert.{transition}</c>, e.g. <c>alert.raised</c>, <c>alert.escalated</c>, <c>alert.acknowledged</c>, <c>alert.closed</c>.</summary>
    public const string AlertPrefix = "alert.";

    /// <summary>Prefix of a final duty-room delivery status: <c>notification.sent</c>, <c>notification.failed</c>, <c>notification.gave_up</c>.</summary>
    public const string NotificationPrefix = "notification.";

    /// <summary>A silence was created.</summary>
    public const string SilenceCreated = "silence.created";

    /// <summary>A silence reached its end by itself.</summary>
    public const string SilenceExpired = "silence.expired";

    /// <summary>A silence was ended early by a person (<c>DELETE /api/v1/silences/{id}</c>).</summary>
    public const string SilenceDeleted = "silence.deleted";

    /// <summary>An alert change was not told to people because a silence matched it.</summary>
    public const string SilenceHeld = "silence.held";

    /// <summary>A held alert change was told to people after its silence ended, the alert still active.</summary>
    public const string SilenceReleased = "silence.released";

    /// <summary>A held alert change was dropped after its silence ended: the alert was no longer active.</summary>
    public const string SilenceDropped = "silence.dropped";

    /// <summary>The alerting worker started: the rules in force and the alerts it took up from its saved state.</summary>
    public const string AlertingStarted = "alerting.started";

    /// <summary>The rule files were loaded again after a change.</summary>
    public const string RulesReloaded = "rules.reloaded";

    /// <summary>Changed rule files were refused (the rules in force stay).</summary>
    public const string RulesRefused = "rules.refused";

    /// <summary>An escalation step (for the escalation policies: <c>escalation.{step}</c>).</summary>
    public const string EscalationPrefix = "escalation.";

    /// <summary>Prefix of a policy file event (<c>policy.reloaded</c>, <c>policy.refused</c>).</summary>
    public const string PolicyPrefix = "policy.";

    /// <summary>The escalation file was loaded again after a change.</summary>
    public const string PolicyReloaded = "policy.reloaded";

    /// <summary>A changed escalation file was refused (the policies in force stay).</summary>
    public const string PolicyRefused = "policy.refused";

    /// <summary>
    /// Prefix of an inhibition or grouping decision: <c>duty.held_back</c>, <c>duty.released</c>,
    /// <c>duty.site_outage_raised</c>, <c>duty.site_outage_resolved</c>, <c>duty.grouped</c>.
    /// </summary>
    public const string DutyPrefix = "duty.";

    /// <summary>An API key's first use on a Beijing day (who: the key's name; target: its role).</summary>
    public const string ApiKeyUsed = "api.key.used";

    /// <summary>An expired or revoked API key was presented (first time on a Beijing day per key).</summary>
    public const string ApiKeyRefused = "api.key.refused";
}
