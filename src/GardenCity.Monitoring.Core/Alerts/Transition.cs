namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>A change in an alert's life; each one is notified once and stored in the alert history.</summary>
public enum Transition
{
    /// <summary>A new incident.</summary>
    Raised,

    /// <summary>Severity went up.</summary>
    Escalated,

    /// <summary>Severity went down (after the rule's cooldown).</summary>
    DeEscalated,

    /// <summary>No level has held for the cooldown: the incident is over.</summary>
    Resolved,

    /// <summary>A person acknowledged it.</summary>
    Acknowledged,

    /// <summary>Readings older than the lateness horizon would have raised it: history, never a live alarm.</summary>
    Late,
}
