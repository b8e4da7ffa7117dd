using System.Collections.Frozen;

namespace GardenCity.Monitoring.Core.Stations;

/// <summary>The stations the system accepts readings from; immutable and safe to share between threads.</summary>
public sealed class StationRegistry
{
    private readonly FrozenDictionary<string, Station> _stations;

    /// <summary>Creates a registry; ids must be unique.</summary>
    public StationRegistry(IEnumerable<Site> sites, IEnumerable<Station> stations)
    {
        ArgumentNullException.ThrowIfNull(sites);
        ArgumentNullException.ThrowIfNull(stations);
        Sites = sites.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
        _stations = stations.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>Sites by id.</summary>
    public FrozenDictionary<string, Site> Sites { get; }

    /// <summary>All stations, in no particular order.</summary>
    public IEnumerable<Station> Stations => _stations.Values;

    /// <summary>Number of stations.</summary>
    public int Count => _stations.Count;

    /// <summary>Looks a station up by id.</summary>
    public bool TryGet(string stationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Station? station) =>
        _stations.TryGetValue(stationId, out station);
}
