using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Rules;

/// <summary>A threshold: a fixed number, or a per-station registry level plus an offset.</summary>
public sealed record Bound(double? Fixed, string? RegistryField, double Offset)
{
    /// <summary>Registry levels a bound may name.</summary>
    public static IReadOnlyList<string> RegistryFields { get; } = ["warning_level_m", "guaranteed_level_m"];

    /// <summary>The threshold for a station; null when the station has no such level.</summary>
    public double? For(Station station)
    {
        ArgumentNullException.ThrowIfNull(station);
        double? basis = Fixed ?? RegistryField switch
        {
            "warning_level_m" => station.WarningLevelM,
            "guaranteed_level_m" => station.GuaranteedLevelM,
            _ => null,
        };
        return basis + Offset;
    }
}
