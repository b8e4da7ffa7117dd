using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.DeviceSimulator.Model;

namespace GardenCity.Monitoring.DeviceSimulator.Scenarios;

/// <summary>
/// Shaped like the "23.7" rainstorm (29 July – 1 August 2023): three days of rain over the western hills, heaviest on
/// 30–31 July, with convective bursts above 100 mm/h and 24 h totals of several hundred millimetres; gauges pass the
/// warning and then the guaranteed level, and stations in the Qingshui and Yanchi valleys are lost at the height of it.
/// </summary>
public sealed class Rainstorm237Scenario : Scenario
{
    // District intensity (mm/h) by hour since 2023-07-29 20:00 (+08).
    private static readonly (double, double)[] District =
        [(0, 0), (2, 2), (8, 6), (14, 10), (20, 14), (26, 18), (30, 24), (34, 30), (38, 26), (42, 22), (46, 16), (50, 11), (56, 6), (62, 3), (68, 1), (72, 0)];

    /// <summary>Hours since the start of the burst window, and its length.</summary>
    public const double BurstStartHour = 33, BurstHours = 1.25, LossHour = 40;

    /// <inheritdoc/>
    public override string Name => "rainstorm-23-7";

    /// <inheritdoc/>
    public override string Description => "the July 2023 rainstorm: bursts above 100 mm/h, gauges past guaranteed levels, stations lost";

    /// <inheritdoc/>
    public override DateTimeOffset? DefaultStart => LocalTime(2023, 7, 29, 20, 0);

    /// <inheritdoc/>
    public override TimeSpan DefaultDuration => TimeSpan.FromHours(72);

    /// <inheritdoc/>
    public override double DistrictRainMmH(DateTimeOffset t, DateTimeOffset start) => Profile(District, (t - start).TotalHours);

    /// <inheritdoc/>
    public override double BurstMmH(SimStation station, DateTimeOffset t, DateTimeOffset start)
    {
        double hour = (t - start).TotalHours;
        return hour >= BurstStartHour && hour < BurstStartHour + BurstHours && station.Kind == StationKind.Weather && IsBurstStation(station) ? 90 : 0;
    }

    /// <inheritdoc/>
    public override WeatherShift Weather(SimStation station, DateTimeOffset t, DateTimeOffset start)
    {
        double rain = DistrictRainMmH(t, start);
        return new WeatherShift(-Math.Min(4, rain / 6), rain > 0 ? 1.4 : 1, 1 + (rain / 30), -Math.Min(9, rain / 3));
    }

    /// <inheritdoc/>
    public override IEnumerable<Outage> Outages(IReadOnlyList<SimStation> stations, DateTimeOffset start, ulong seed) =>
        stations.Where(s => (s.Kind == StationKind.Weather && s.Station.Site.Id is "qingshui-river" or "yanchi-jiuhe-wetland")
                            || (s.Kind == StationKind.WaterLevel && s.Station.Site.Id == "yanchi-jiuhe-wetland"))
            .Select(s => new Outage(s.Id, start.AddHours(LossHour), null, Backlog: false));

    /// <summary>Bursts fall where the orographic multiplier is highest: the top third of weather stations.</summary>
    private static bool IsBurstStation(SimStation station) => station.RainMultiplier >= 1.1;
}
