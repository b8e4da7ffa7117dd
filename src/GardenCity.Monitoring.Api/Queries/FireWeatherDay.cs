namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// A station's stored fire-weather day (<c>fire_weather</c>): its noon weather, whether it was in the fire season, and
/// in season the FWI values (docs/fire-weather.md). Days written before fire seasons existed carry no
/// <c>in_season</c>: they count as in season when they have codes.
/// </summary>
/// <param name="Time">The noon observation the day was computed from.</param>
/// <param name="Date">Its Beijing date.</param>
/// <param name="InSeason">Whether the day was in the fire season.</param>
/// <param name="SeasonStart">The first day of the season the codes belong to.</param>
/// <param name="DcStart">On the day the codes restarted: the Drought Code they started from.</param>
/// <param name="Codes">FFMC, DMC, DC, ISI, BUI, FWI, DSR by name; empty out of season.</param>
/// <param name="Weather">temp_c, rh_pct, wind_kmh, rain_24h_mm by name.</param>
public sealed record FireWeatherDay(DateTimeOffset Time, DateOnly Date, bool InSeason, DateOnly? SeasonStart, double? DcStart, IReadOnlyDictionary<string, double> Codes, IReadOnlyDictionary<string, double> Weather);
