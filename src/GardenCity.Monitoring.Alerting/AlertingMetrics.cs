using System.Diagnostics.Metrics;

namespace GardenCity.Monitoring.Alerting;

/// <summary>Metrics of the alerting worker, meter <c>GardenCity.Monitoring.Alerting</c>.</summary>
public sealed class AlertingMetrics
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "GardenCity.Monitoring.Alerting";

    private readonly Counter<long> _readings;
    private readonly Counter<long> _changes;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _deliveryFailed;
    private int _active;

    /// <summary>Creates the instruments.</summary>
    public AlertingMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create(MeterName);
        _readings = meter.CreateCounter<long>("alerting.readings", description: "Readings evaluated by the rule engine");
        _changes = meter.CreateCounter<long>("alerting.changes", description: "Alert changes, by transition and audience");
        _delivered = meter.CreateCounter<long>("alerting.notifications.delivered", description: "Notifications accepted by an endpoint (webhook, MQTT)");
        _deliveryFailed = meter.CreateCounter<long>("alerting.notifications.failed", description: "Failed delivery attempts (retried until delivered)");
        meter.CreateObservableGauge("alerting.active", () => Volatile.Read(ref _active), description: "Alerts in force");
    }

    /// <summary>Counts readings evaluated.</summary>
    public void Readings(int count) => _readings.Add(count);

    /// <summary>Counts a change.</summary>
    public void Change(string transition, string audience) =>
        _changes.Add(1, new KeyValuePair<string, object?>("transition", transition), new KeyValuePair<string, object?>("audience", audience));

    /// <summary>Sets the number of active alerts.</summary>
    public void SetActive(int count) => Volatile.Write(ref _active, count);

    /// <summary>Counts a delivery.</summary>
    public void Delivered(string endpoint) => _delivered.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));

    /// <summary>Counts a failed attempt.</summary>
    public void DeliveryFailed(string endpoint) => _deliveryFailed.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));
}
