namespace GardenCity.Monitoring.Core.Stations;

/// <summary>What a hazard unit of the registry is (docs/geohazard.md).</summary>
public enum HazardUnitKind
{
    /// <summary>A debris-flow gully (泥石流沟), <c>debris-flow</c>.</summary>
    DebrisFlow,

    /// <summary>A landslide slope unit (滑坡斜坡单元), <c>landslide</c>.</summary>
    Landslide,
}
