namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>Closes an alert in force on behalf of a person, with a reason; implemented by the alerting worker. Thread-safe.</summary>
public interface IAlertCloser
{
    /// <summary>
    /// Closes the alert <paramref name="alertId"/> as <paramref name="by"/> because of <paramref name="reason"/>; null
    /// when no alert in force has that id.
    /// </summary>
    Task<AlertNotification?> CloseAsync(string alertId, string by, string reason, CancellationToken cancellationToken);
}
