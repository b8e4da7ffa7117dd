using System.Globalization;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
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

    /// <summary>The measurement of hazard units' hourly rainfall figures (docs/influxdb-schema.md).</summary>
    public const string GeohazardMeasurement = "geohazard";

    /// <summary>One line per hazard unit and hour: its rainfall figures (those of the gauge with the highest effective rainfall).</summary>
    public static string Line(GeohazardHour hour)
    {
        ArgumentNullException.ThrowIfNull(hour);
        GeohazardRainfall r = hour.Rainfall;
        PointData point = PointData.Measurement(GeohazardMeasurement)
            .Tag("unit", hour.Unit.Id)
            .Tag("site", hour.Unit.Site.Id)
            .Tag("hazard", hour.Unit.Kind == HazardUnitKind.DebrisFlow ? "debris-flow" : "landslide")
            .Field("gauge", hour.Gauge.Id)
            .Field("in_event", r.InEvent)
            .Field("event_rain_mm", r.EventRainMm)
            .Field("duration_h", r.DurationH)
            .Field("mean_intensity_mm_h", r.MeanIntensityMmH)
            .Field("max_hourly_mm_h", r.MaxHourlyMmH)
            .Field("antecedent_mm", r.AntecedentMm)
            .Field("effective_rain_mm", r.EffectiveRainMm)
            .Timestamp(hour.At, WritePrecision.Ns);
        if (r.EventStart is { } start)
        {
            point = point.Field("event_start", start.ToUnixTimeSeconds());
        }

        return point.ToLineProtocol();
    }

    /// <summary>
    /// One line per station-day: the noon weather, <c>in_season</c>, and in the fire season the FWI values, the season's
    /// first day (<c>season_start</c>, YYYY-MM-DD) and on a restart the Drought Code it started from (<c>dc_start</c>).
    /// </summary>
    public static string Line(FwiDay day)
    {
        ArgumentNullException.ThrowIfNull(day);
        PointData point = PointData.Measurement(FireWeatherMeasurement)
            .Tag("station", day.Station.Id)
            .Tag("site", day.Station.Site.Id)
            .Field("in_season", day.InSeason);
        if (day.Result is { } r)
        {
            point = point.Field("ffmc", r.Ffmc).Field("dmc", r.Dmc).Field("dc", r.Dc).Field("isi", r.Isi).Field("bui", r.Bui).Field("fwi", r.Fwi).Field("dsr", r.Dsr);
        }

        if (day.SeasonStart is { } start)
        {
            point = point.Field("season_start", start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (day.DcStart is { } dcStart)
        {
            point = point.Field("dc_start", dcStart);
        }

        return point
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
            .Field("tier", (long)record.Tier)
            .Timestamp(record.At, WritePrecision.Ns);
        if (record.Reason is { } reason)
        {
            point = point.Field("reason", reason);
        }

        return point.ToLineProtocol();
    }
}
