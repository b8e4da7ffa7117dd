using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.DeviceSimulator.Model;

namespace GardenCity.Monitoring.DeviceSimulator.Scenarios;

/// <summary>A loss of a station's link: it keeps measuring; with <see cref="Backlog"/> it sends what it stored when the link returns.</summary>
/// <param name="StationId">The station.</param>
/// <param name="From">When the link drops (the broker then publishes the station's Last Will).</param>
/// <param name="To">When it returns; null for never (the station is lost).</param>
/// <param name="Backlog">Whether the station stored its readings and sends them as a backlog on return.</param>
public sealed record Outage(string StationId, DateTimeOffset From, DateTimeOffset? To, bool Backlog);

/// <summary>A camera-trap detection or fire detection that a scenario places at a given time.</summary>
public sealed record PlannedEvent(string StationId, DateTimeOffset Time, string Subject, double Confidence, double? BearingDeg = null);

/// <summary>Changes a scenario makes to the weather at a station and time.</summary>
public readonly record struct WeatherShift(double TempDeltaC, double RhFactor, double WindFactor, double PressureDeltaHpa)
{
    /// <summary>No change.</summary>
    public static readonly WeatherShift None = new(0, 1, 1, 0);
}

/// <summary>
/// What happens in a simulated period. Everything is a function of the seed, the stations and the time, so a
/// scenario is deterministic for a seed.
/// </summary>
public abstract class Scenario
{
    /// <summary>The scenario's name on the command line (<c>--scenario</c>).</summary>
    public abstract string Name { get; }

    /// <summary>One line for <c>--help</c> and the report.</summary>
    public abstract string Description { get; }

    /// <summary>Fixed start for a replay (e.g. 2023); null for a live scenario that ends about now.</summary>
    public virtual DateTimeOffset? DefaultStart => null;

    /// <summary>Length of a run when <c>--duration</c> is not given.</summary>
    public virtual TimeSpan DefaultDuration => TimeSpan.FromHours(24);

    /// <summary>District-wide rain intensity (mm/h) before each station's multiplier and local variation.</summary>
    public virtual double DistrictRainMmH(DateTimeOffset t, DateTimeOffset start) => 0;

    /// <summary>Extra rain (mm/h) at one station: convective bursts.</summary>
    public virtual double BurstMmH(SimStation station, DateTimeOffset t, DateTimeOffset start) => 0;

    /// <summary>Changes to the ordinary weather at a station and time.</summary>
    public virtual WeatherShift Weather(SimStation station, DateTimeOffset t, DateTimeOffset start) => WeatherShift.None;

    /// <summary>Extra CO (ppm) and smoke obscuration (%/m) seen by a fire station.</summary>
    public virtual (double CoPpm, double SmokePctM) Smoke(SimStation station, DateTimeOffset t, DateTimeOffset start) => (0, 0);

    /// <summary>Camera-trap and fire detections placed by the scenario (beside the usual wildlife).</summary>
    public virtual IEnumerable<PlannedEvent> Events(IReadOnlyList<SimStation> stations, DateTimeOffset start, ulong seed) => [];

    /// <summary>Stations' link losses.</summary>
    public virtual IEnumerable<Outage> Outages(IReadOnlyList<SimStation> stations, DateTimeOffset start, ulong seed) => [];

    /// <summary>Whether malformed messages of every kind are mixed among the good ones.</summary>
    public virtual bool InjectBadInputs => false;

    /// <summary>Names of all scenarios.</summary>
    public static IReadOnlyList<string> Names { get; } = ["normal", "rainstorm-23-7", "forest-fire", "leopard", "outage", "bad-inputs"];

    /// <summary>A new instance of the named scenario, or null for an unknown name.</summary>
    public static Scenario? Create(string name) => name switch
    {
        "normal" => new NormalScenario(),
        "rainstorm-23-7" => new Rainstorm237Scenario(),
        "forest-fire" => new ForestFireScenario(),
        "leopard" => new LeopardScenario(),
        "outage" => new OutageScenario(),
        "bad-inputs" => new BadInputsScenario(),
        _ => null,
    };

    /// <summary>Called once before the run, with the fleet, the start and the seed.</summary>
    public virtual void Prepare(IReadOnlyList<SimStation> stations, DateTimeOffset start, ulong seed)
    {
    }

    /// <summary>Linear interpolation through (hour, value) points; 0 outside.</summary>
    protected static double Profile((double Hour, double Value)[] points, double hour)
    {
        if (hour <= points[0].Hour || hour >= points[^1].Hour)
        {
            return 0;
        }

        for (int i = 1; i < points.Length; i++)
        {
            if (hour <= points[i].Hour)
            {
                (double h0, double v0) = points[i - 1];
                (double h1, double v1) = points[i];
                return v0 + ((v1 - v0) * (hour - h0) / (h1 - h0));
            }
        }

        return 0;
    }

    /// <summary>A local (UTC+8) wall-clock time, as UTC.</summary>
    protected static DateTimeOffset LocalTime(int year, int month, int day, int hour, int minute, int second = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, second, Climate.Local).ToUniversalTime();

    /// <summary>The stations of one kind, ordered by id.</summary>
    protected static IEnumerable<SimStation> OfKind(IEnumerable<SimStation> stations, StationKind kind) =>
        stations.Where(s => s.Kind == kind).OrderBy(s => s.Id, StringComparer.Ordinal);
}
