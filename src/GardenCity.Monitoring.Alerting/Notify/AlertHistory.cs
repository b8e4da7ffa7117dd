using System.Globalization;
using System.Text;
using GardenCity.Monitoring.Alerting.Engine;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// Line protocol for the alert history (<c>alert_event</c>) and the daily fire weather values (<c>fire_weather</c>);
/// schema in docs/influxdb-schema.md.
/// </summary>
public static class AlertHistory
{
    /// <summary>Measurement of alert changes.</summary>
    public const string AlertMeasurement = "alert_event";

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
        DateTimeOffset time = a.UpdatedAt;
        var line = new StringBuilder(AlertMeasurement);
        Tag(line, "rule", a.RuleId);
        Tag(line, "station", a.StationId);
        Tag(line, "site", change.Station.Site.Id);
        Tag(line, "audience", a.Audience.ToString().ToLowerInvariant());
        Tag(line, "transition", change.Transition.ToString().ToLowerInvariant());
        Tag(line, "severity", (a.Severity == Severity.None ? change.Previous : a.Severity).ToName());
        line.Append(' ');
        line.Append("alert_id=").Append(Quote(a.Id));
        line.Append(",revision=").Append(a.Revision.ToString(CultureInfo.InvariantCulture)).Append('i');
        line.Append(",peak=").Append(Quote(a.PeakSeverity.ToName()));
        line.Append(",message_zh=").Append(Quote(a.MessageZh));
        line.Append(",message_en=").Append(Quote(a.MessageEn));
        if (a.Value is { } value && double.IsFinite(value))
        {
            line.Append(",value=").Append(value.ToString("R", CultureInfo.InvariantCulture));
        }

        if (a.Threshold is { } threshold && double.IsFinite(threshold))
        {
            line.Append(",threshold=").Append(threshold.ToString("R", CultureInfo.InvariantCulture));
        }

        if (a.AcknowledgedBy is { } by)
        {
            line.Append(",acknowledged_by=").Append(Quote(by));
        }

        if (a.AcknowledgedAt is { } at)
        {
            line.Append(",acknowledged_at=").Append(Quote(at.ToString("O", CultureInfo.InvariantCulture)));
        }

        line.Append(' ').Append(Nanoseconds(time));
        return line.ToString();
    }

    /// <summary>One line per station-day of FWI values.</summary>
    public static string Line(FwiDay day)
    {
        ArgumentNullException.ThrowIfNull(day);
        var line = new StringBuilder(FireWeatherMeasurement);
        Tag(line, "station", day.Station.Id);
        Tag(line, "site", day.Station.Site.Id);
        line.Append(' ');
        FwiResult r = day.Result;
        line.Append(CultureInfo.InvariantCulture, $"ffmc={r.Ffmc:R},dmc={r.Dmc:R},dc={r.Dc:R},isi={r.Isi:R},bui={r.Bui:R},fwi={r.Fwi:R},dsr={r.Dsr:R}");
        line.Append(CultureInfo.InvariantCulture, $",temp_c={day.Weather.TempC:R},rh_pct={day.Weather.RhPct:R},wind_kmh={day.Weather.WindKmh:R},rain_24h_mm={day.Weather.RainMm:R}");
        line.Append(' ').Append(Nanoseconds(day.At));
        return line.ToString();
    }

    private static void Tag(StringBuilder line, string key, string value) =>
        line.Append(',').Append(key).Append('=').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal).Replace(" ", "\\ ", StringComparison.Ordinal));

    private static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal) + "\"";

    private static string Nanoseconds(DateTimeOffset time) =>
        ((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString(CultureInfo.InvariantCulture);
}
