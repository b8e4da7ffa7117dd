namespace GardenCity.Monitoring.Core.Alerts;

/// <summary>Live alert changes for in-process listeners (the API's server-sent events). Thread-safe.</summary>
public interface IAlertStream
{
    /// <summary>The notifications published from now on, until cancelled.</summary>
    IAsyncEnumerable<AlertNotification> SubscribeAsync(CancellationToken cancellationToken);
}
