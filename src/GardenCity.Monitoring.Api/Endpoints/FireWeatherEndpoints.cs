using System.Globalization;
using GardenCity.Monitoring.Api.Queries;
using GardenCity.Monitoring.Core.FireWeather;
using GardenCity.Monitoring.Core.Stations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Endpoints;

/// <summary>A station's daily fire weather with the fire season (docs/api.md, docs/fire-weather.md).</summary>
internal static class FireWeatherEndpoints
{
    public static RouteGroupBuilder MapFireWeather(this RouteGroupBuilder api)
    {
        api.MapGet("/stations/{id}/fire-weather", async (string id, string? from, string? to, FireWeatherQueries q, StationRegistry registry, IOptions<FireSeasonOptions> season, IOptions<ApiOptions> o, TimeProvider time, CancellationToken ct) =>
        {
            Station station = Params.PathStation(registry, id);
            if (station.Kind is not (StationKind.Weather or StationKind.Fire))
            {
                throw new BadParameterException("id", $"Station {station.Id} is a {station.Kind.ToWireName()} station: fire weather is computed for weather and fire stations only.");
            }

            (DateTimeOffset start, DateTimeOffset end) = Params.Range(from, to, time.GetUtcNow(), o.Value.MaxRange, TimeSpan.FromDays(30));
            IReadOnlyList<FireWeatherDay> days = await q.DaysAsync(station, start, end, ct).ConfigureAwait(false);
            FireSeasonOptions s = season.Value;
            return TypedResults.Json(new
            {
                station = station.Id,
                from = start,
                to = end,
                season = Describe(s),
                seasons = Seasons(s, days, start, end),
                days = days.Select(d => new
                {
                    date = Day(d.Date),
                    time = d.Time,
                    in_season = d.InSeason,
                    season_start = d.SeasonStart is { } ss ? Day(ss) : null,
                    dc_start = d.DcStart,
                    ffmc = Code(d, "ffmc"),
                    dmc = Code(d, "dmc"),
                    dc = Code(d, "dc"),
                    isi = Code(d, "isi"),
                    bui = Code(d, "bui"),
                    fwi = Code(d, "fwi"),
                    dsr = Code(d, "dsr"),
                    temp_c = d.Weather.TryGetValue("temp_c", out double t) ? t : (double?)null,
                    rh_pct = d.Weather.TryGetValue("rh_pct", out double rh) ? rh : (double?)null,
                    wind_kmh = d.Weather.TryGetValue("wind_kmh", out double w) ? w : (double?)null,
                    rain_24h_mm = d.Weather.TryGetValue("rain_24h_mm", out double r) ? r : (double?)null,
                }),
            }, ApiEndpoints.Json);
        }).RequireRateLimiting(ApiLimits.Query).WithSummary("A weather or fire station's daily Fire Weather Index values (noon observation) with in_season per day, the fire-season setting and the seasons in the period; out-of-season days have the weather only.");
        return api;
    }

    private static double? Code(FireWeatherDay day, string field) => day.Codes.TryGetValue(field, out double v) ? v : null;

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static object Describe(FireSeasonOptions s) => s.Method switch
    {
        FireSeasonMethod.Dates => new { method = "dates", start = s.Start, end = s.End, drought_code_start = Name(s.DroughtCodeStart), carry_over = s.CarryOver, rain_effectiveness = s.RainEffectiveness },
        FireSeasonMethod.Temperature => new { method = "temperature", start_temp_c = s.StartTempC, end_temp_c = s.EndTempC, days = s.Days, drought_code_start = Name(s.DroughtCodeStart), carry_over = s.CarryOver, rain_effectiveness = s.RainEffectiveness },
        _ => (object)new { method = "all-year" },
    };

    private static string Name(DroughtCodeStart start) => start == DroughtCodeStart.Overwinter ? "overwinter" : "start-up";

    /// <summary>
    /// The seasons in the period: by the calendar for method Dates; otherwise from the stored days, each season from its
    /// first day to the last in-season day before an out-of-season one (end null while no such day is stored).
    /// </summary>
    private static IEnumerable<object> Seasons(FireSeasonOptions s, IReadOnlyList<FireWeatherDay> days, DateTimeOffset from, DateTimeOffset to)
    {
        if (s.Method == FireSeasonMethod.Dates)
        {
            return s.SeasonsBetween(DateOnly.FromDateTime(from.ToOffset(Params.Local).DateTime), DateOnly.FromDateTime(to.ToOffset(Params.Local).DateTime))
                .Select(x => new { start = Day(x.Start), end = (string?)Day(x.End) });
        }

        var seasons = new List<(DateOnly Start, DateOnly? End)>();
        DateOnly? lastIn = null;
        foreach (FireWeatherDay d in days)
        {
            if (d.InSeason && d.SeasonStart is { } start)
            {
                if (seasons.Count == 0 || seasons[^1].Start != start)
                {
                    seasons.Add((start, null));
                }

                lastIn = d.Date;
            }
            else if (!d.InSeason && seasons.Count > 0 && seasons[^1].End is null && lastIn is { } last)
            {
                seasons[^1] = (seasons[^1].Start, last);
            }
        }

        return seasons.Select(x => new { start = Day(x.Start), end = x.End is { } e ? Day(e) : null });
    }
}
