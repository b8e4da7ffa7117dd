namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>A Beijing day's maximum air temperature at a station (the WF93 season method), °C.</summary>
/// <param name="Day">The day.</param>
/// <param name="MaxC">Its maximum.</param>
public sealed record DailyMaxTemperature(DateOnly Day, double MaxC);
