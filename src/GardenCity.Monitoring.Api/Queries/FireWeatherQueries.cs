using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Time;
using GardenCity.Monitoring.Storage.Influx;

namespace GardenCity.Monitoring.Api.Queries;

/// <summary>The stored fire-weather days (<c>fire_weather</c>, written by the alerting worker) of a station.</summary>
/// <param name="client">InfluxQL client.</param>
public sealed class FireWeatherQueries(InfluxQlClient client)
{
    /// <summary>The measurement.</summary>
    public const string Measurement = "fire_weather";

    /// <summary>The codes and indices, in the order of the FWI System.</summary>
    public static IReadOnlyList<string> CodeFields { get; } = ["ffmc", "dmc", "dc", "isi", "bui", "fwi", "dsr"];

    /// <summary>The noon weather the day was computed from.</summary>
    public static IReadOnlyList<string> WeatherFields { get; } = ["temp_c", "rh_pct", "wind_kmh", "rain_24h_mm"];

    /// <summary>The days of <paramref name="station"/> from <paramref name="from"/> (included) to <paramref name="to"/>, oldest first.</summary>
    public async Task<IReadOnlyList<FireWeatherDay>> DaysAsync(Station station, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(station);
        IReadOnlyList<InfluxSeries> result;
        try
        {
            result = await client.QueryAsync(
                $"SELECT * FROM {InfluxQl.Identifier(Measurement)} WHERE \"station\" = {InfluxQl.StringLiteral(station.Id)} AND time >= {InfluxQl.TimeLiteral(from)} AND time < {InfluxQl.TimeLiteral(to)} ORDER BY time ASC", InfluxTarget.Forever, ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (InfluxQlClient.IsDatabaseNotFound(ex))
        {
            return []; // nothing stored yet
        }

        var days = new List<FireWeatherDay>();
        foreach (InfluxSeries s in result)
        {
            for (int i = 0; i < s.Values.Count; i++)
            {
                var codes = CodeFields.Select(f => (f, v: s.Number(i, f))).Where(x => x.v is not null).ToDictionary(x => x.f, x => Math.Round(x.v!.Value, x.f == "dsr" ? 2 : 1, MidpointRounding.AwayFromZero), StringComparer.Ordinal);
                var weather = WeatherFields.Select(f => (f, v: s.Number(i, f))).Where(x => x.v is not null).ToDictionary(x => x.f, x => Math.Round(x.v!.Value, 1, MidpointRounding.AwayFromZero), StringComparer.Ordinal);
                JsonElement inSeason = s.Columns.Contains("in_season") ? s.Get(i, "in_season") : default;
                DateTimeOffset time = s.Time(i);
                days.Add(new FireWeatherDay(
                    time,
                    DateOnly.FromDateTime(time.ToOffset(BeijingTime.Offset).DateTime),
                    inSeason.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => codes.Count > 0 },
                    DateOnly.TryParseExact(s.Text(i, "season_start"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly start) ? start : null,
                    s.Number(i, "dc_start") is { } dc ? Math.Round(dc, 1, MidpointRounding.AwayFromZero) : null,
                    codes,
                    weather));
            }
        }

        return days.OrderBy(d => d.Time).ToList();
    }
}
