using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.DeviceSimulator.Model;

namespace GardenCity.Monitoring.DeviceSimulator.Scenarios;

/// <summary>
/// A North China leopard (Panthera pardus japonensis) walks a corridor across Baihua Mountain over five nights,
/// seen by a different camera trap each night, east to west, among the usual wildlife.
/// </summary>
public sealed class LeopardScenario : Scenario
{
    /// <summary>The leopard's scientific name, as the camera traps report it.</summary>
    public const string Leopard = "Panthera pardus japonensis";

    /// <inheritdoc/>
    public override string Name => "leopard";

    /// <inheritdoc/>
    public override string Description => "a North China leopard seen by camera traps along a corridor over five nights";

    /// <inheritdoc/>
    public override DateTimeOffset? DefaultStart => LocalTime(2024, 10, 1, 0, 0);

    /// <inheritdoc/>
    public override TimeSpan DefaultDuration => TimeSpan.FromDays(5);

    /// <inheritdoc/>
    public override IEnumerable<PlannedEvent> Events(IReadOnlyList<SimStation> stations, DateTimeOffset start, ulong seed)
    {
        List<SimStation> corridor = Corridor(stations);
        int nights = (int)Math.Min(corridor.Count, 5);
        for (int night = 0; night < nights; night++)
        {
            // Between 21:00 and 03:00 local: leopards here are nocturnal.
            double hour = 21 + (6 * Noise.Uniform(seed, corridor[night].Key, night, 300));
            DateTimeOffset when = start.AddDays(night).AddHours(hour).AddSeconds(Math.Floor(Noise.Uniform(seed, corridor[night].Key, night, 301) * 60));
            yield return new PlannedEvent(corridor[night].Id, when, Leopard, Math.Round(0.86 + (0.11 * Noise.Uniform(seed, corridor[night].Key, night, 302)), 2));
        }
    }

    /// <summary>The Baihua Mountain camera traps from east to west (registry clones excluded).</summary>
    public static List<SimStation> Corridor(IEnumerable<SimStation> stations) =>
        OfKind(stations, StationKind.CameraTrap).Where(s => s.Station.Site.Id == "baihua-mountain" && !s.Id.Contains("-x", StringComparison.Ordinal))
            .OrderByDescending(s => s.Station.Lon).ToList();
}
