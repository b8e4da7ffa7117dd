namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>Whether an alert is still in force (active) or over (resolved by the data, or closed by a person).</summary>
public enum AlertStatus
{
    /// <summary>Raised and not yet resolved.</summary>
    Active,

    /// <summary>The danger is over.</summary>
    Resolved,

    /// <summary>A person closed it with a reason; the data did not (yet) show the danger is over.</summary>
    Closed,
}
