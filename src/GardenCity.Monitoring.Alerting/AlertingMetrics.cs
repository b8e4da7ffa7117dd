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
    private readonly Counter<long> _refused;
    private readonly Counter<long> _duty;
    private readonly Counter<long> _dutyRoundsFailed;
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
        _refused = meter.CreateCounter<long>("alerting.notifications.refused", description: "Notifications an endpoint refused (HTTP 400, 401, 403), not sent again");
        _duty = meter.CreateCounter<long>("alerting.duty.deliveries", description: "Duty-room delivery statuses (retrying, sent, failed, gave_up), by channel and status");
        _dutyRoundsFailed = meter.CreateCounter<long>("alerting.duty.rounds_failed", description: "Failed duty-room delivery rounds, by channel");
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

    /// <summary>Counts a notification an endpoint refused (not sent again).</summary>
    public void Refused(string endpoint) => _refused.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));

    /// <summary>Counts a duty-room delivery status (tags in this order: channel, status).</summary>
    public void DutyDelivery(string channel, Duty.DutyDeliveryStatus status) =>
        _duty.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("status", StatusName(status)));

    /// <summary>Counts a failed duty-room delivery round.</summary>
    public void DutyAttemptFailed(string channel) => _dutyRoundsFailed.Add(1, new KeyValuePair<string, object?>("channel", channel));

    /// <summary>The snake_case name of a status, as in metrics, logs and the delivery log.</summary>
    public static string StatusName(Duty.DutyDeliveryStatus status) => status switch
    {
        Duty.DutyDeliveryStatus.GaveUp => "gave_up",
        Duty.DutyDeliveryStatus.HeldBack => "held_back",
        _ => status.ToString().ToLowerInvariant(),
    };
}
