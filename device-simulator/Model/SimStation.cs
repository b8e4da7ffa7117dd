using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.DeviceSimulator.Model;

/// <summary>A registry station with the fixed parameters the simulation derives for it from the seed.</summary>
public sealed class SimStation
{
    /// <summary>Derives the station's parameters from the registry entry and the seed.</summary>
    public SimStation(Station station, ulong seed)
    {
        Station = station;
        Key = station.Id;
        double orographic = Math.Clamp(1 + (0.35 * (station.ElevationM - 500) / 1000), 0.7, 1.5);
        RainMultiplier = orographic * (0.85 + (0.3 * Noise.Uniform(seed, Key, 0, 100)));
        Phase = (int)(Noise.Uniform(seed, Key, 0, 101) * 5);
        if (station.Kind == StationKind.WaterLevel)
        {
            double w = station.WarningLevelM!.Value, g = station.GuaranteedLevelM!.Value;
            BaseStageM = Math.Max(0.1, w - (1.5 * (g - w)));
            StageGainPerMmH = 4 * (g - w) / 30;
            bool reservoir = station.Site.Id.Contains("reservoir", StringComparison.Ordinal);
            bool gully = station.Site.Id.EndsWith("gully", StringComparison.Ordinal);
            RecessionHours = reservoir ? 8 : gully ? 1.5 : station.Watershed == "yongding" ? 4 : 3;
            RatingCoefficient = reservoir ? null : gully ? 3 : station.Watershed == "yongding" ? 40 : 12;
        }
    }

    /// <summary>The registry entry.</summary>
    public Station Station { get; }

    /// <summary>The station id.</summary>
    public string Id => Station.Id;

    /// <summary>The station kind.</summary>
    public StationKind Kind => Station.Kind;

    /// <summary>Key for the noise functions (the station id).</summary>
    public string Key { get; }

    /// <summary>How much more (or less) rain than the district intensity falls here: orographic lift and local chance.</summary>
    public double RainMultiplier { get; }

    /// <summary>Minute offset of the station's sampling, so a fleet does not publish all at once.</summary>
    public int Phase { get; }

    /// <summary>Gauges: the stage with no rain (m).</summary>
    public double BaseStageM { get; }

    /// <summary>Gauges: stage rise per mm/h of sustained catchment runoff, calibrated so that about 30 mm/h passes the guaranteed level.</summary>
    public double StageGainPerMmH { get; }

    /// <summary>Gauges: time constant of each of the two linear reservoirs of the catchment (h): lag and recession.</summary>
    public double RecessionHours { get; }

    /// <summary>Gauges on rivers: Q = a (h − h0)^1.6; none for the reservoir gauge.</summary>
    public double? RatingCoefficient { get; }

    /// <summary>Gauges: the weather stations whose rain feeds this gauge (same watershed, upstream).</summary>
    public IReadOnlyList<SimStation> Upstream { get; set; } = [];
}
