using System.Collections.Frozen;

namespace GardenCity.Monitoring.Core.Stations;

/// <summary>The stations the system accepts readings from; immutable and safe to share between threads.</summary>
public sealed class StationRegistry
{
    private readonly FrozenDictionary<string, Station> _stations;
    private readonly FrozenDictionary<string, Station[]> _bySite;

    /// <summary>Creates a registry; ids must be unique.</summary>
    public StationRegistry(IEnumerable<Site> sites, IEnumerable<Station> stations, IEnumerable<HazardUnit>? hazardUnits = null)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(stations);
        Sites = sites.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
        _stations = stations.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
        _bySite = _stations.Values.GroupBy(s => s.Site.Id, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(s => s.Id, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        HazardUnits = (hazardUnits ?? []).OrderBy(u => u.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Sites by id.</summary>
    public FrozenDictionary<string, Site> Sites { get; }

    /// <summary>All stations, in no particular order.</summary>
    public IEnumerable<Station> Stations => _stations.Values;

    /// <summary>Geological-hazard units (debris-flow gullies, landslide slope units), in id order; none when the registry has none.</summary>
    public IReadOnlyList<HazardUnit> HazardUnits { get; }

    /// <summary>The hazard unit with this id, if any.</summary>
    public HazardUnit? HazardUnit(string id) => HazardUnits.FirstOrDefault(u => u.Id == id);

    /// <summary>The stations of a site, in id order; none for a site without stations or an unknown id.</summary>
    public IReadOnlyList<Station> AtSite(string siteId) => _bySite.GetValueOrDefault(siteId) ?? [];

    /// <summary>Number of stations.</summary>
    public int Count => _stations.Count;

    /// <summary>Looks a station up by id.</summary>
    public bool TryGet(string stationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Station? station) =>
        _stations.TryGetValue(stationId, out station);
}
