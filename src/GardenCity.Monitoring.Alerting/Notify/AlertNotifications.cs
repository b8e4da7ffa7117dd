using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>Builds the <see cref="AlertNotification"/> of a change.</summary>
public static class AlertNotifications
{
    /// <summary>Builds the notification of a change.</summary>
    public static AlertNotification ToNotification(this AlertChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return Build(change.Alert, change.Transition, change.Previous, change.Rule, change.Station);
    }

    /// <summary>
    /// The notification of an alert's latest change: what the API shows for an alert in force, in the same shape as
    /// every notification.
    /// </summary>
    public static AlertNotification ToNotification(this Alert alert, Rule rule, Station station)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Build(alert, alert.LastTransition, alert.PreviousSeverity, rule, station);
    }

    private static AlertNotification Build(Alert a, Transition transition, Severity previous, Rule rule, Station s)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(s);
        bool sensitive = rule.Sensitive;
        // Protected locations (docs/ecology.md): a camera trap's coordinates go only to the ecology audience; a
        // maintenance or emergency alert of a camera names the station and site but carries no coordinates.
        bool hidden = sensitive || (s.Kind == StationKind.CameraTrap && a.Audience != Audience.Ecology);
        return new AlertNotification
        {
            NotificationId = $"{a.Id}#{a.Revision}",
            AlertId = a.Id,
            Transition = transition,
            RuleId = a.RuleId,
            RuleZh = rule.NameZh,
            RuleEn = rule.NameEn,
            Audience = a.Audience,
            Severity = a.Severity,
            PreviousSeverity = previous,
            PeakSeverity = a.PeakSeverity,
            Status = a.Status,
            StationId = s.Id,
            StationZh = s.NameZh,
            StationEn = s.NameEn,
            Site = s.Site.Id,
            Watershed = s.Watershed,
            Lat = hidden ? null : s.Lat,
            Lon = hidden ? null : s.Lon,
            RaisedAt = a.RaisedAt,
            UpdatedAt = a.UpdatedAt,
            Value = a.Value,
            Threshold = a.Threshold,
            MessageZh = a.MessageZh,
            MessageEn = a.MessageEn,
            AcknowledgedBy = a.AcknowledgedBy,
            AcknowledgedAt = a.AcknowledgedAt,
            RequiresVerification = sensitive,
            Stale = a.Stale,
            StaleSince = a.StaleSince,
            ClosedBy = a.ClosedBy,
            ClosedAt = a.ClosedAt,
            CloseReason = a.CloseReason,
            Species = a.Species,
            Cameras = a.Cameras,
            Detections = a.Detections,
            LastDetectionAt = a.LastDetectionAt,
        };
    }
}
