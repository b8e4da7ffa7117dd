namespace GardenCity.Monitoring.Core.Stations;

/// <summary>
/// A geological-hazard unit of the registry: a debris-flow gully or a landslide slope unit, the rain gauges that stand
/// for it and its rainfall parameters (docs/geohazard.md). Alerts about it carry its area.
/// </summary>
public sealed record HazardUnit
{
    /// <summary>Unit id, <c>[a-z0-9][a-z0-9-]{0,63}</c>; must not be a station id (alerts are keyed by it).</summary>
    public required string Id { get; init; }

    /// <summary>Debris flow or landslide.</summary>
    public required HazardUnitKind Kind { get; init; }

    /// <summary>Chinese name, e.g. 黑河沟泥石流沟.</summary>
    public required string NameZh { get; init; }

    /// <summary>English name.</summary>
    public required string NameEn { get; init; }

    /// <summary>The site the unit belongs to.</summary>
    public required Site Site { get; init; }

    /// <summary>Latitude of the unit's reference point (the circle's centre, or the polygon's first vertex), WGS 84.</summary>
    public required double Lat { get; init; }

    /// <summary>Longitude of the reference point, WGS 84.</summary>
    public required double Lon { get; init; }

    /// <summary>Radius of the unit's circle in km; null when the unit is a polygon.</summary>
    public double? RadiusKm { get; init; }

    /// <summary>The unit's outline as (lat, lon) vertices, first = last (CAP <c>polygon</c>); null when it is a circle.</summary>
    public IReadOnlyList<(double Lat, double Lon)>? Polygon { get; init; }

    /// <summary>The rain gauges (stations with <c>rain_mm</c>) that stand for the unit; the highest figures count.</summary>
    public required IReadOnlyList<string> Gauges { get; init; }

    /// <summary>A dry spell at least this long ends a rainfall event.</summary>
    public TimeSpan DryGap { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Decay factor K of the antecedent effective precipitation P_a = Σ K^i P_i.</summary>
    public double AntecedentK { get; init; } = 0.8;

    /// <summary>Number of days n of the antecedent effective precipitation.</summary>
    public int AntecedentDays { get; init; } = 10;

    /// <summary>Per-unit intensity–duration curve coefficient a (I = a·D^b); null: the rule's.</summary>
    public double? CurveA { get; init; }

    /// <summary>Per-unit intensity–duration curve exponent b; null: the rule's.</summary>
    public double? CurveB { get; init; }

    /// <summary>Per-unit rain of the combined (R, I) criterion, mm; null: the rule's.</summary>
    public double? CombinedRainMm { get; init; }

    /// <summary>Per-unit maximum hourly intensity of the combined (R, I) criterion, mm/h; null: the rule's.</summary>
    public double? CombinedIntensityMmH { get; init; }

    /// <summary>
    /// The unit as the target of an alert: a <see cref="Station"/> with the unit's id, names, site and reference point
    /// (no password, never a broker account; <see cref="Station.Kind"/> is that of its first gauge and means nothing).
    /// </summary>
    public Station AsAlertTarget(StationKind kind) => new()
    {
        Id = Id,
        Kind = kind,
        NameZh = NameZh,
        NameEn = NameEn,
        Site = Site,
        Lat = Lat,
        Lon = Lon,
        ElevationM = 0,
        PasswordHash = string.Empty,
    };
}
