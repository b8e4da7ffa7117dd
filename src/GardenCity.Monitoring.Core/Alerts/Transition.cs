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

    /// <summary>
    /// The station went silent for the rule's stale horizon while the alert was in force: the alert stays active and is
    /// marked stale (<see cref="AlertNotification.Stale"/>); no data is not normal.
    /// </summary>
    Stale,

    /// <summary>
    /// Like <see cref="Stale"/>, for rules that escalate silence (<c>lost_contact: true</c>, the rainstorm warning): "lost
    /// contact during an active warning", for the duty room; clears the acknowledgement. Not a severity change.
    /// </summary>
    LostContact,

    /// <summary>Fresh data from a station whose alert was stale: contact restored, the alert is judged on data again.</summary>
    ContactRestored,

    /// <summary>A person closed the alert with a reason (<see cref="AlertStatus.Closed"/>).</summary>
    Closed,

    /// <summary>
    /// An incident grouped per site and day (invasive alien species, docs/ecology.md) learned something new while in
    /// force, not a severity change: a species or a camera not seen before that day.
    /// </summary>
    Updated,
}
