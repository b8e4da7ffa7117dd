using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>
/// A hazard unit's rainfall figures at the top of an hour (InfluxDB measurement <c>geohazard</c>, docs/geohazard.md):
/// those of the gauge with the highest effective rainfall.
/// </summary>
/// <param name="Unit">The unit.</param>
/// <param name="At">The hour (event time, on the hour).</param>
/// <param name="Gauge">The gauge whose figures these are.</param>
/// <param name="Rainfall">Its rainfall quantities at <paramref name="At"/>.</param>
public sealed record GeohazardHour(HazardUnit Unit, DateTimeOffset At, Station Gauge, GeohazardRainfall Rainfall);
