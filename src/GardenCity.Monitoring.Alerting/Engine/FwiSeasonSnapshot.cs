namespace GardenCity.Monitoring.Alerting.Engine;

/// <summary>
/// A station's fire-season state, persisted with its FWI codes (absent in state files from before issue 15: the codes
/// then carry on as they were, without a restart).
/// </summary>
/// <param name="InSeason">Method Temperature: whether the season is on (the other methods decide by the date).</param>
/// <param name="SeasonStart">Method Temperature: the day the current season started.</param>
/// <param name="CodesSeason">The start day of the season the codes were computed in (none yet: the next in-season day starts them).</param>
/// <param name="OffSeasonRainMm">P_w: the rain of the off-season days since the codes' season ended, mm.</param>
/// <param name="MaxDay">Method Temperature: the Beijing day whose maximum temperature is being taken.</param>
/// <param name="MaxTodayC">Its maximum so far, °C.</param>
/// <param name="RecentMax">The maximum temperatures of the last complete days, oldest first.</param>
public sealed record FwiSeasonSnapshot(bool InSeason, DateOnly? SeasonStart, DateOnly? CodesSeason, double OffSeasonRainMm, DateOnly? MaxDay, double? MaxTodayC, IReadOnlyList<DailyMaxTemperature> RecentMax);
