using System.Text.Json;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Alerting.Readings;

/// <summary>
/// Reads stored readings back from InfluxDB as <see cref="Reading"/>s, in time order: to prime the engine's windows at
/// start-up and to run a backtest. Rows of stations no longer in the registry are skipped.
/// </summary>
public sealed class InfluxReadingReader(InfluxQlClient client, StationRegistry registry)
{
    private static readonly string[] Telemetry = [PointMapper.Weather, PointMapper.WaterLevel, PointMapper.Fire];
    private static readonly HashSet<string> Meta = new(StringComparer.Ordinal) { "time", "seq", "station", "site", "kind", "watershed", "zone", "species", "detection", "event_id", "image_uri", "detections", "firmware", PointMapper.QualityField, PointMapper.QualityChecksField };

    /// <summary>Readings measured in (<paramref name="from"/>, <paramref name="to"/>], ordered by time then station.</summary>
    public async Task<IReadOnlyList<Reading>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        string range = $"time > {InfluxQl.TimeLiteral(from)} AND time <= {InfluxQl.TimeLiteral(to)}";
        var readings = new List<Reading>();
        string measurements = string.Join(",", Telemetry.Append(PointMapper.StationStatus).Append(PointMapper.FireEvent).Append(PointMapper.CameraTrap).Select(InfluxQl.Identifier));
        IReadOnlyList<InfluxSeries> result = await client.QueryAsync($"SELECT * FROM {measurements} WHERE {range} GROUP BY \"station\"", cancellationToken).ConfigureAwait(false);
        foreach (InfluxSeries series in result)
        {
            if (!series.Tags.TryGetValue("station", out string? id) || !registry.TryGet(id, out Station? station))
            {
                continue;
            }

            if (series.Name == PointMapper.CameraTrap)
            {
                readings.AddRange(CameraEvents(series, station));
                continue;
            }

            for (int row = 0; row < series.Values.Count; row++)
            {
                if (ToReading(series, row, station) is { } reading)
                {
                    readings.Add(reading);
                }
            }
        }

        return readings.OrderBy(r => r.Timestamp).ThenBy(r => r.Station.Id, StringComparer.Ordinal).ToList();
    }

    private static Reading? ToReading(InfluxSeries series, int row, Station station)
    {
        DateTimeOffset time = series.Time(row);
        long? seq = series.Number(row, "seq") is { } s ? (long)s : null;
        if (Telemetry.Contains(series.Name))
        {
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (string column in series.Columns.Where(c => !Meta.Contains(c)))
            {
                if (series.Number(row, column) is { } v)
                {
                    values[column] = v;
                }
            }

            // Flags stored with the values come back with them (docs/data-quality.md); points older than the checks have none.
            return values.Count == 0 ? null : new TelemetryReading(station, time, seq, values)
            {
                Quality = series.Text(row, PointMapper.QualityChecksField) is { } checks ? new ReadingQuality(QualityFlags.Parse(checks)) : null,
            };
        }

        if (series.Name == PointMapper.StationStatus)
        {
            JsonElement online = series.Get(row, "online");
            return online.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? new StatusReading(station, time, seq, online.GetBoolean(), series.Number(row, "battery_v"), series.Number(row, "rssi_dbm"), null)
                : null;
        }

        string? detection = series.Text(row, "detection");
        return detection is "smoke" or "flame" && series.Number(row, "confidence") is { } confidence
            ? new FireEvent(station, time, seq, series.Text(row, "event_id") ?? string.Empty, detection == "smoke" ? FireDetectionType.Smoke : FireDetectionType.Flame, confidence, series.Number(row, "bearing_deg"))
            : null;
    }

    private static IEnumerable<CameraTrapEvent> CameraEvents(InfluxSeries series, Station station)
    {
        var byEvent = new Dictionary<(DateTimeOffset, string), List<Detection>>();
        for (int row = 0; row < series.Values.Count; row++)
        {
            DateTimeOffset time = series.Time(row);
            string eventId = series.Text(row, "event_id") ?? string.Empty;
            if (series.Text(row, "species") is { } species && series.Number(row, "confidence") is { } confidence)
            {
                if (!byEvent.TryGetValue((time, eventId), out List<Detection>? list))
                {
                    byEvent[(time, eventId)] = list = [];
                }

                list.Add(new Detection(species, (int)(series.Number(row, "count") ?? 1), confidence));
            }
        }

        return byEvent.Select(e => new CameraTrapEvent(station, e.Key.Item1, null, e.Key.Item2, null, e.Value));
    }

}
