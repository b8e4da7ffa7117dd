using GardenCity.Monitoring.Core.Stations;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.Api.Ecology;

/// <summary>A location as shown to a caller: coordinates and their uncertainty in metres (Camtrap DP's <c>coordinateUncertainty</c>).</summary>
public readonly record struct ShownLocation(double Lat, double Lon, int UncertaintyM, bool Exact);

/// <summary>
/// Protected locations (docs/ecology.md): the exact coordinates of camera traps are shown only to the reviewer and admin
/// roles; everyone else gets them generalised to the centre of a grid cell (<see cref="EcologyOptions.GridKm"/>, 10 km)
/// or the site's centroid. Every camera trap is generalised, not only those that saw a sensitive species: a camera
/// that moved on the map would itself say where the leopard was. Other stations (weather, gauges, fire) are exact.
/// </summary>
public sealed class LocationProtection
{
    /// <summary>Uncertainty of an exact camera-trap position, m (a handheld GPS at setup).</summary>
    public const int ExactUncertaintyM = 30;

    private const double KmPerDegreeLat = 111.32;
    private readonly Dictionary<string, ShownLocation> _generalised = new(StringComparer.Ordinal);

    /// <summary>From the settings.</summary>
    public LocationProtection(StationRegistry registry, IOptions<EcologyOptions> options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        EcologyOptions o = options.Value;
        var traps = registry.Stations.Where(s => s.Kind == StationKind.CameraTrap).ToList();
        foreach (Station s in traps)
        {
            var site = traps.Where(t => t.Site.Id == s.Site.Id).ToList();
            _generalised[s.Id] = o.Generalise == LocationGeneralisation.SiteCentroid && site.Count > 1 ? Centroid(site) : Grid(s.Lat, s.Lon, o.GridKm);
        }
    }

    /// <summary>Where <paramref name="station"/> is shown to a caller who may (<paramref name="exact"/>) or may not see exact camera-trap locations.</summary>
    public ShownLocation For(Station station, bool exact)
    {
        ArgumentNullException.ThrowIfNull(station);
        return !exact && _generalised.TryGetValue(station.Id, out ShownLocation shown) ? shown : new ShownLocation(station.Lat, station.Lon, ExactUncertaintyM, true);
    }

    /// <summary>The centre of the grid cell holding a point; the uncertainty is half the cell's diagonal plus the position's own 30 m.</summary>
    internal static ShownLocation Grid(double lat, double lon, double cellKm)
    {
        double dLat = cellKm / KmPerDegreeLat;
        double centreLat = (Math.Floor(lat / dLat) + 0.5) * dLat;
        double dLon = cellKm / (KmPerDegreeLat * Math.Cos(centreLat * Math.PI / 180));
        double centreLon = (Math.Floor(lon / dLon) + 0.5) * dLon;
        int uncertainty = (int)Math.Ceiling(cellKm * 1000 * Math.Sqrt(2) / 2) + ExactUncertaintyM;
        return new ShownLocation(Math.Round(centreLat, 3), Math.Round(centreLon, 3), uncertainty, false);
    }

    private static ShownLocation Centroid(List<Station> site)
    {
        double lat = site.Average(s => s.Lat), lon = site.Average(s => s.Lon);
        double farthest = site.Max(s => DistanceM(lat, lon, s.Lat, s.Lon));
        return new ShownLocation(Math.Round(lat, 3), Math.Round(lon, 3), (int)Math.Ceiling(farthest + 150) + ExactUncertaintyM, false); // 150 m: rounding to 3 decimals
    }

    /// <summary>Great-circle distance, m (haversine).</summary>
    internal static double DistanceM(double lat1, double lon1, double lat2, double lon2)
    {
        double r = Math.PI / 180, dLat = (lat2 - lat1) * r, dLon = (lon2 - lon1) * r;
        double a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) + (Math.Cos(lat1 * r) * Math.Cos(lat2 * r) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 6_371_000 * 2 * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
