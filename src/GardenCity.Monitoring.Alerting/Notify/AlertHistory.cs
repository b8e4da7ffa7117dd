using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// Line protocol for the alert history (<c>alert_event</c>) and the daily fire weather values (<c>fire_weather</c>);
/// schema in docs/influxdb-schema.md. Built with InfluxDB.Client's <see cref="PointData"/>, like the readings
/// (<c>PointMapper</c>), so escaping is the client's.
/// </summary>
public static class AlertHistory
{
    /// <summary>Measurement of alert changes.</summary>
    public const string AlertMeasurement = "alert_event";

    /// <summary>Measurement of duty-room delivery outcomes (docs/duty-room.md).</summary>
    public const string DeliveryMeasurement = "alert_delivery";

    /// <summary>Measurement of FWI days.</summary>
    public const string FireWeatherMeasurement = "fire_weather";

    /// <summary>
    /// One line per change, at the measurement time of the alert's latest change (so an incident's history sits
    /// together even in a replay); an acknowledgement's own clock time is the field <c>acknowledged_at</c>.
    /// </summary>
    public static string Line(AlertChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Alert a = change.Alert;
        PointData point = PointData.Measurement(AlertMeasurement)
            .Tag("rule", a.RuleId)
            .Tag("station", a.StationId)
            .Tag("site", change.Station.Site.Id)
            .Tag("audience", a.Audience.ToString().ToLowerInvariant())
            .Tag("transition", change.Transition.ToString().ToLowerInvariant())
            .Tag("severity", (a.Severity == Severity.None ? change.Previous : a.Severity).ToName())
            .Field("alert_id", a.Id)
            .Field("revision", (long)a.Revision)
            .Field("peak", a.PeakSeverity.ToName())
            .Field("message_zh", a.MessageZh)
            .Field("message_en", a.MessageEn)
            .Timestamp(a.UpdatedAt, WritePrecision.Ns);
        if (a.Value is { } value && double.IsFinite(value))
        {
            point = point.Field("value", value);
        }

        if (a.Threshold is { } threshold && double.IsFinite(threshold))
        {
            point = point.Field("threshold", threshold);
        }

        if (a.AcknowledgedBy is { } by)
        {
            point = point.Field("acknowledged_by", by);
        }

        if (a.AcknowledgedAt is { } at)
        {
            point = point.Field("acknowledged_at", at.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (a.Stale)
        {
            point = point.Field("stale", true);
        }

        if (a.StaleSince is { } staleSince)
        {
            point = point.Field("stale_since", staleSince.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (a.ClosedBy is { } closedBy)
        {
            point = point.Field("closed_by", closedBy);
        }

        if (a.ClosedAt is { } closedAt)
        {
            point = point.Field("closed_at", closedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (a.CloseReason is { } reason)
        {
            point = point.Field("close_reason", reason);
        }

        return point.ToLineProtocol();
    }

    /// <summary>One line per station-day of FWI values.</summary>
    public static string Line(FwiDay day)
    {
        ArgumentNullException.ThrowIfNull(day);
        FwiResult r = day.Result;
        return PointData.Measurement(FireWeatherMeasurement)
            .Tag("station", day.Station.Id)
            .Tag("site", day.Station.Site.Id)
            .Field("ffmc", r.Ffmc).Field("dmc", r.Dmc).Field("dc", r.Dc).Field("isi", r.Isi).Field("bui", r.Bui).Field("fwi", r.Fwi).Field("dsr", r.Dsr)
            .Field("temp_c", day.Weather.TempC).Field("rh_pct", day.Weather.RhPct).Field("wind_kmh", day.Weather.WindKmh).Field("rain_24h_mm", day.Weather.RainMm)
            .Timestamp(day.At, WritePrecision.Ns)
            .ToLineProtocol();
    }

    /// <summary>
    /// One line per final duty-room delivery status (sent, failed, gave_up) of an alert revision to a channel and
    /// recipient, at the worker's clock time.
    /// </summary>
    public static string Line(Duty.DutyDeliveryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        PointData point = PointData.Measurement(DeliveryMeasurement)
            .Tag("channel", record.Channel)
            .Tag("status", AlertingMetrics.StatusName(record.Status))
            .Field("alert_id", record.AlertId)
            .Field("notification_id", record.NotificationId)
            .Field("recipient", record.Recipient)
            .Field("rounds", (long)record.Attempts)
            .Timestamp(record.At, WritePrecision.Ns);
        if (record.Reason is { } reason)
        {
            point = point.Field("reason", reason);
        }

        return point.ToLineProtocol();
    }
}
