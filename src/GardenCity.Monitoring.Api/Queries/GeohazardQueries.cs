using System.Text.Json;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// Reads of the hourly <c>geohazard</c> measurement the alerting worker writes (docs/geohazard.md, docs/influxdb-schema.md).
/// The unit id reaching InfluxQL comes from the registry and is quoted.
/// </summary>
/// <param name="client">InfluxQL client.</param>
public sealed class GeohazardQueries(InfluxQlClient client)
{
    /// <summary>The measurement's name (the alerting worker's <c>AlertHistory.GeohazardMeasurement</c>).</summary>
    public const string Measurement = "geohazard";

    /// <summary>Each unit's latest stored hour, by unit id.</summary>
    public async Task<IReadOnlyDictionary<string, GeohazardPoint>> LatestAsync(CancellationToken ct)
    {
        var latest = new Dictionary<string, GeohazardPoint>(StringComparer.Ordinal);
        foreach (InfluxSeries s in await QueryAsync($"SELECT * FROM {InfluxQl.Identifier(Measurement)} GROUP BY \"unit\" ORDER BY time DESC LIMIT 1", ct).ConfigureAwait(false))
        {
            if (s.Values.Count > 0 && s.Tags.TryGetValue("unit", out string? unit))
            {
                latest[unit] = Point(s, 0);
            }
        }

        return latest;
    }

    /// <summary>A unit's stored hours from <paramref name="from"/> to <paramref name="to"/>, both included (the hour at "now" is the latest figures), oldest first.</summary>
    public async Task<IReadOnlyList<GeohazardPoint>> SeriesAsync(string unit, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        IReadOnlyList<InfluxSeries> series = await QueryAsync(
            $"SELECT * FROM {InfluxQl.Identifier(Measurement)} WHERE \"unit\" = {InfluxQl.StringLiteral(unit)} AND time >= {InfluxQl.TimeLiteral(from)} AND time <= {InfluxQl.TimeLiteral(to)} ORDER BY time ASC", ct).ConfigureAwait(false);
        return series.SelectMany(s => Enumerable.Range(0, s.Values.Count).Select(i => Point(s, i))).OrderBy(p => p.Time).ToList();
    }

    private static GeohazardPoint Point(InfluxSeries s, int i) => new(
        s.Time(i),
        s.Text(i, "gauge") ?? string.Empty,
        s.Columns.Contains("in_event") && s.Get(i, "in_event").ValueKind == JsonValueKind.True,
        s.Number(i, "event_start") is { } start ? DateTimeOffset.FromUnixTimeSeconds((long)start) : null,
        s.Number(i, "event_rain_mm") ?? 0,
        s.Number(i, "duration_h") ?? 0,
        s.Number(i, "mean_intensity_mm_h") ?? 0,
        s.Number(i, "max_hourly_mm_h") ?? 0,
        s.Number(i, "antecedent_mm") ?? 0,
        s.Number(i, "effective_rain_mm") ?? 0);

    private async Task<IReadOnlyList<InfluxSeries>> QueryAsync(string q, CancellationToken ct)
    {
        try
        {
            return await client.QueryAsync(q, InfluxTarget.Forever, ct).ConfigureAwait(false); // kept for ever (docs/retention.md)
        }
        catch (InvalidOperationException ex) when (InfluxQlClient.IsDatabaseNotFound(ex))
        {
            return []; // nothing stored yet
        }
    }
}
