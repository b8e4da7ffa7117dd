using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.DeviceSimulator.Model;

namespace GardenCity.Monitoring.DeviceSimulator.Scenarios;

/// <summary>
/// A dry, windy spring day (3 April 2024): humidity near 15 %, warm, strong wind; at midday one Miaofeng Mountain
/// station sees smoke, then flame, and CO rises there and, later and weaker, at the fire stations nearby.
/// </summary>
public sealed class ForestFireScenario : Scenario
{
    /// <summary>When the fire starts (12:55 local on 3 April 2024).</summary>
    public static readonly DateTimeOffset Ignition = LocalTime(2024, 4, 3, 12, 55);

    private Station? _origin;

    /// <inheritdoc/>
    public override string Name => "forest-fire";

    /// <inheritdoc/>
    public override string Description => "a dry windy spring day; smoke then flame at one fire station, CO rising nearby";

    /// <inheritdoc/>
    public override DateTimeOffset? DefaultStart => LocalTime(2024, 4, 3, 0, 0);

    /// <inheritdoc/>
    public override void Prepare(IReadOnlyList<SimStation> stations, DateTimeOffset start, ulong seed) => _origin = FireStation(stations)?.Station;

    /// <inheritdoc/>
    public override WeatherShift Weather(SimStation station, DateTimeOffset t, DateTimeOffset start) => new(4, 0.33, 2.6, 0);

    /// <inheritdoc/>
    public override (double CoPpm, double SmokePctM) Smoke(SimStation station, DateTimeOffset t, DateTimeOffset start)
    {
        if (station.Kind != StationKind.Fire || _origin is null)
        {
            return (0, 0);
        }

        double km = DistanceKm(station.Station, _origin);
        bool here = station.Id == _origin.Id;
        double delayMin = here ? 0 : 10 + (km * 4);
        double strength = here ? 1 : Math.Max(0, 0.3 - (km * 0.02));
        double x = (t - Ignition).TotalMinutes - delayMin;
        double s = x <= 0 ? 0 : strength / (1 + Math.Exp(-(x - 20) / 8));
        return (70 * s, 9 * s);
    }

    /// <inheritdoc/>
    public override IEnumerable<PlannedEvent> Events(IReadOnlyList<SimStation> stations, DateTimeOffset start, ulong seed)
    {
        if (_origin is null)
        {
            yield break;
        }

        yield return new PlannedEvent(_origin.Id, LocalTime(2024, 4, 3, 13, 5, 40), "smoke", 0.81, 212);
        yield return new PlannedEvent(_origin.Id, LocalTime(2024, 4, 3, 13, 21, 10), "flame", 0.93, 214);
    }

    /// <summary>The station where the fire starts: <c>mfs-fire-02</c> when present, else the first fire station.</summary>
    public static SimStation? FireStation(IEnumerable<SimStation> stations) =>
        stations.FirstOrDefault(s => s.Id == "mfs-fire-02") ?? OfKind(stations, StationKind.Fire).FirstOrDefault();

    /// <summary>Great-circle distance on a local flat approximation, good to a few metres over a district.</summary>
    public static double DistanceKm(Station a, Station b)
    {
        double dLat = (a.Lat - b.Lat) * 111.2;
        double dLon = (a.Lon - b.Lon) * 111.2 * Math.Cos(b.Lat * Math.PI / 180);
        return Math.Sqrt((dLat * dLat) + (dLon * dLon));
    }
}
