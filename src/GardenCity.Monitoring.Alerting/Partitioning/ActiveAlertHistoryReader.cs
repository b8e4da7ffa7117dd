using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Alerting.Partitioning;

/// <summary>
/// Reads back from the alert history (<c>alert_event</c>, docs/influxdb-schema.md) the incidents in force: for each
/// (rule, station) the latest change of the last <see cref="LookBack"/> (late notices aside), kept when it did not end
/// the incident (resolved, closed). What a worker taking over a partition adopts (docs/scale-out.md).
/// </summary>
internal sealed class ActiveAlertHistoryReader(InfluxQlClient client)
{
    /// <summary>An incident whose latest change is further than this behind the watermark is not found (nor taken over).</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromDays(30);

    /// <summary>
    /// The incidents in force, for the stations <paramref name="owns"/> says. The history is in event time (each line at
    /// the measurement time of the change), so the look-back counts from the engine's <paramref name="watermark"/>.
    /// </summary>
    public async Task<IReadOnlyList<Alert>> ReadAsync(DateTimeOffset watermark, Func<string, bool> owns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owns);
        string query = $"SELECT * FROM {InfluxQl.Identifier(AlertHistory.AlertMeasurement)} WHERE time > {InfluxQl.TimeLiteral(watermark - LookBack)} AND \"transition\" != 'late' "
            + "GROUP BY \"rule\",\"station\" ORDER BY time DESC LIMIT 1";
        IReadOnlyList<InfluxSeries> result = await client.QueryAsync(query, InfluxTarget.Forever, cancellationToken).ConfigureAwait(false); // kept for ever (docs/retention.md)
        var alerts = new List<Alert>();
        foreach (InfluxSeries series in result)
        {
            if (series.Values.Count > 0 && series.Tags.TryGetValue("station", out string? station) && owns(station) && ToAlert(series, 0) is { } alert)
            {
                alerts.Add(alert);
            }
        }

        return alerts;
    }

    /// <summary>One <c>alert_event</c> row as the alert it records; null when it ended the incident or cannot be read.</summary>
    internal static Alert? ToAlert(InfluxSeries series, int row)
    {
        string? Tag(string name) => series.Tags.TryGetValue(name, out string? value) && !string.IsNullOrEmpty(value) ? value : series.Text(row, name);
        if (!Enum.TryParse(Tag("transition"), ignoreCase: true, out Transition transition) || transition is Transition.Resolved or Transition.Closed or Transition.Late
            || series.Text(row, "alert_id") is not { } id || Tag("rule") is not { } rule || Tag("station") is not { } station
            || !Enum.TryParse(Tag("audience"), ignoreCase: true, out Audience audience) || !SeverityNames.TryParse(Tag("severity"), out Severity severity)
            || series.Number(row, "revision") is not { } revision || RaisedAt(id) is not { } raisedAt)
        {
            return null;
        }

        return new Alert
        {
            Id = id,
            RuleId = rule,
            StationId = station,
            Audience = audience,
            Severity = severity,
            PeakSeverity = SeverityNames.TryParse(series.Text(row, "peak"), out Severity peak) ? peak : severity,
            Status = AlertStatus.Active,
            RaisedAt = raisedAt,
            UpdatedAt = series.Time(row),
            Value = series.Number(row, "value"),
            Threshold = series.Number(row, "threshold"),
            MessageZh = series.Text(row, "message_zh") ?? string.Empty,
            MessageEn = series.Text(row, "message_en") ?? string.Empty,
            AcknowledgedBy = series.Text(row, "acknowledged_by"),
            AcknowledgedAt = Time(series.Text(row, "acknowledged_at")),
            LastTransition = transition,
            Stale = series.Columns.Contains("stale") && series.Get(row, "stale").ValueKind == JsonValueKind.True,
            StaleSince = Time(series.Text(row, "stale_since")),
            Revision = (int)revision,
        };
    }

    /// <summary>The raise time in an alert id (<c>{rule}.{station}.{yyyyMMddTHHmmssZ}</c>, <c>-late</c> after it for an incident raised late).</summary>
    private static DateTimeOffset? RaisedAt(string id) =>
        id.LastIndexOf('.') is var dot and >= 0 && DateTimeOffset.TryParseExact(id[(dot + 1)..].Replace("-late", string.Empty, StringComparison.Ordinal), "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at) ? at : null;

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset at) ? at : null;
}
