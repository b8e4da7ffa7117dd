namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>Whether an alert is still in force.</summary>
public enum AlertStatus
{
    /// <summary>Raised and not yet resolved.</summary>
    Active,

    /// <summary>The danger is over.</summary>
    Resolved,
}
