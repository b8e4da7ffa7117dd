namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>Acknowledges an alert in force on behalf of a person; implemented by the alerting worker. Thread-safe.</summary>
public interface IAlertAcknowledger
{
    /// <summary>Acknowledges the alert <paramref name="alertId"/> as <paramref name="by"/>; null when no alert in force has that id.</summary>
    Task<AlertNotification?> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken);
}
