namespace GardenCity.Monitoring.Core.Stations;

/// <summary>The four kinds of field station in wire contract v1.</summary>
public enum StationKind
{
    /// <summary>Weather station (<c>weather</c>).</summary>
    Weather,

    /// <summary>Water-level gauge (<c>water-level</c>).</summary>
    WaterLevel,

    /// <summary>Forest-fire watch station (<c>fire</c>).</summary>
    Fire,

    /// <summary>Camera trap (<c>camera-trap</c>).</summary>
    CameraTrap,
}

/// <summary>Names of <see cref="StationKind"/> on the wire, in the registry and in InfluxDB.</summary>
public static class StationKinds
{
    /// <summary>All kinds, in contract order.</summary>
    public static IReadOnlyList<StationKind> All { get; } =
        [StationKind.Weather, StationKind.WaterLevel, StationKind.Fire, StationKind.CameraTrap];

    /// <summary>The kind's name in topics and in the registry, e.g. <c>water-level</c>.</summary>
    public static string ToWireName(this StationKind kind) => kind switch
    {
        StationKind.Weather => "weather",
        StationKind.WaterLevel => "water-level",
        StationKind.Fire => "fire",
        StationKind.CameraTrap => "camera-trap",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a wire name; case-sensitive, as topics are.</summary>
    public static bool TryParse(string? text, out StationKind kind) => TryParse(text.AsSpan(), out kind);

    /// <summary>Parses a wire name (a part of a topic, without making it a string); case-sensitive, as topics are.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out StationKind kind)
    {
        switch (text)
        {
            case "weather": kind = StationKind.Weather; return true;
            case "water-level": kind = StationKind.WaterLevel; return true;
            case "fire": kind = StationKind.Fire; return true;
            case "camera-trap": kind = StationKind.CameraTrap; return true;
            default: kind = default; return false;
        }
    }
}
