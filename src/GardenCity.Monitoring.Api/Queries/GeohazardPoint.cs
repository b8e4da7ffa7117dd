namespace GardenCity.Monitoring.Api.Queries;

/// <summary>
/// A hazard unit's rainfall figures at the top of an hour, as stored in the <c>geohazard</c> measurement
/// (docs/geohazard.md): those of the unit's gauge with the highest effective rainfall, in event time.
/// </summary>
/// <param name="Time">The hour (event time).</param>
/// <param name="Gauge">The gauge whose figures these are.</param>
/// <param name="InEvent">Whether a rainfall event was in progress.</param>
/// <param name="EventStart">The event's start, or null.</param>
/// <param name="EventRainMm">R, mm.</param>
/// <param name="DurationH">D, h.</param>
/// <param name="MeanIntensityMmH">R / D, mm/h.</param>
/// <param name="MaxHourlyMmH">Maximum rolling 60-minute rain of the event, mm/h.</param>
/// <param name="AntecedentMm">P_a, mm.</param>
/// <param name="EffectiveRainMm">P_a + R, mm.</param>
public sealed record GeohazardPoint(
    DateTimeOffset Time, string Gauge, bool InEvent, DateTimeOffset? EventStart, double EventRainMm, double DurationH,
    double MeanIntensityMmH, double MaxHourlyMmH, double AntecedentMm, double EffectiveRainMm);
