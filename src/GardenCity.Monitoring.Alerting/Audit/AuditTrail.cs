using System.Text.Json;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Audit;

namespace GardenCity.Monitoring.Alerting.Audit;

/// <summary>The audit entries of what the alerting worker does: alert changes (acknowledgements and closes with the person) and duty-room deliveries.</summary>
internal static class AuditTrail
{
    /// <summary>A transition as in the notification JSON (<c>de_escalated</c>).</summary>
    public static string TransitionName(Transition transition) => JsonNamingPolicy.SnakeCaseLower.ConvertName(transition.ToString());

    /// <summary>
    /// An alert change: <c>alert.{transition}</c>; who is the person for an acknowledgement or a close, else <c>system</c>;
    /// at the clock time of the person's action, else the wall clock now (the change's measurement time is in the detail).
    /// </summary>
    public static AuditEntry Change(AlertChange change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        Alert a = change.Alert;
        (string who, DateTimeOffset at, string extra) = change.Transition switch
        {
            Transition.Acknowledged => (a.AcknowledgedBy ?? AuditEntry.System, a.AcknowledgedAt ?? now, string.Empty),
            Transition.Closed => (a.ClosedBy ?? AuditEntry.System, a.ClosedAt ?? now, $" reason: {a.CloseReason}"),
            _ => (AuditEntry.System, now, string.Empty),
        };
        Severity severity = a.Severity == Severity.None ? change.Previous : a.Severity;
        return new AuditEntry(at, AuditKinds.AlertPrefix + TransitionName(change.Transition), who, a.Id, $"{a.Id}#{a.Revision}",
            $"{severity.ToName()} at {a.UpdatedAt:O} (measurement time): {a.MessageZh}{extra}");
    }

    /// <summary>A final duty-room delivery status: <c>notification.{sent|failed|gave_up}</c>, target <c>{channel}/{recipient}</c>.</summary>
    public static AuditEntry Delivery(DutyDeliveryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        string status = AlertingMetrics.StatusName(record.Status);
        return new AuditEntry(record.At, AuditKinds.NotificationPrefix + status, AuditEntry.System, record.AlertId, $"{record.Channel}/{record.Recipient}",
            $"{record.NotificationId} {status} after {record.Attempts} round(s)" + (record.Reason is { } r ? $": {r}" : string.Empty));
    }
}
