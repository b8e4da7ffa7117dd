namespace GardenCity.Monitoring.Core.Stations;

/// <summary>A site of the district, e.g. 百花山 Baihua Mountain.</summary>
/// <param name="Id">Slug used in tags and references, e.g. <c>baihua-mountain</c>.</param>
/// <param name="NameZh">Chinese name.</param>
/// <param name="NameEn">English name.</param>
public sealed record Site(string Id, string NameZh, string NameEn);

/// <summary>One field station of the registry.</summary>
public sealed record Station
{
    /// <summary>Station id, <c>[a-z0-9][a-z0-9-]{0,63}</c>; also its MQTT user name.</summary>
    public required string Id { get; init; }

    /// <summary>What the station is.</summary>
    public required StationKind Kind { get; init; }

    /// <summary>Chinese name.</summary>
    public required string NameZh { get; init; }

    /// <summary>English name.</summary>
    public required string NameEn { get; init; }

    /// <summary>The site the station belongs to.</summary>
    public required Site Site { get; init; }

    /// <summary>Latitude, WGS 84 degrees.</summary>
    public required double Lat { get; init; }

    /// <summary>Longitude, WGS 84 degrees.</summary>
    public required double Lon { get; init; }

    /// <summary>Elevation above sea level, metres.</summary>
    public required double ElevationM { get; init; }

    /// <summary>Watershed (e.g. <c>yongding</c>, <c>qingshui</c>); required for gauges, optional otherwise.</summary>
    public string? Watershed { get; init; }

    /// <summary>警戒水位, stage in metres above the gauge datum; gauges only.</summary>
    public double? WarningLevelM { get; init; }

    /// <summary>保证水位, stage in metres above the gauge datum; gauges only.</summary>
    public double? GuaranteedLevelM { get; init; }

    /// <summary>Reserve zone of a camera trap (<c>core</c>, <c>buffer</c>, <c>experimental</c>), if any.</summary>
    public string? Zone { get; init; }

    /// <summary>Hash of the station's MQTT password, see <see cref="PasswordHasher"/>.</summary>
    public required string PasswordHash { get; init; }
}
