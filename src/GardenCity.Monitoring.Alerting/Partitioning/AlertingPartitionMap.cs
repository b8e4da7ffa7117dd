using System.IO.Hashing;
using System.Text;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Alerting.Partitioning;

/// <summary>
/// Which alerting partition evaluates each station and hazard unit (docs/scale-out.md, "Alerting partitions").
/// A partition must hold every input of every rule it runs, so stations are partitioned by their <em>alerting group</em>,
/// not one by one: the sites of the registry joined when they share a watershed (watershed rules look at the alerts of
/// the whole watershed) or a geological-hazard unit (a unit's rain gauges may stand at other sites); a station goes with
/// its site (site-day grouping, site-level inhibition, a fire station's FWI rain from its site's weather station). The
/// group's key is the smallest site id in it (ordinal), and its partition is
/// <c>XxHash32(UTF-8 of the key, seed 0) mod N</c>: stable across processes, machines and .NET versions
/// (never <see cref="string.GetHashCode()"/>, which is randomised per process). Built once from the registry;
/// thread-safe to read.
/// </summary>
internal sealed class AlertingPartitionMap
{
    private readonly Dictionary<string, string> _keyOf = new(StringComparer.Ordinal);

    private AlertingPartitionMap(int partitions) => Partitions = partitions;

    /// <summary>The number of partitions (<c>GardenCity:Alerting:Partitions</c>).</summary>
    public int Partitions { get; }

    /// <summary>Builds the map of <paramref name="registry"/> over <paramref name="partitions"/> partitions.</summary>
    public static AlertingPartitionMap Create(StationRegistry registry, int partitions)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var map = new AlertingPartitionMap(partitions);
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string site in registry.Sites.Keys.Concat(registry.Stations.Select(s => s.Site.Id)).Concat(registry.HazardUnits.Select(u => u.Site.Id)))
        {
            parent.TryAdd(site, site);
        }

        string Find(string site)
        {
            while (parent[site] is var up && !string.Equals(up, site, StringComparison.Ordinal))
            {
                parent[site] = parent[up]; // path halving
                site = parent[site];
            }

            return site;
        }

        void Union(string a, string b)
        {
            string ra = Find(a), rb = Find(b);
            if (!string.Equals(ra, rb, StringComparison.Ordinal))
            {
                // The smaller id becomes the root, so a group's root is its smallest site id, whatever the order of the registry.
                if (string.CompareOrdinal(ra, rb) < 0)
                {
                    parent[rb] = ra;
                }
                else
                {
                    parent[ra] = rb;
                }
            }
        }

        foreach (IGrouping<string, Station> watershed in registry.Stations.Where(s => !string.IsNullOrEmpty(s.Watershed)).GroupBy(s => s.Watershed!, StringComparer.Ordinal))
        {
            Station first = watershed.First();
            foreach (Station station in watershed)
            {
                Union(first.Site.Id, station.Site.Id);
            }
        }

        foreach (HazardUnit unit in registry.HazardUnits)
        {
            foreach (string gauge in unit.Gauges)
            {
                if (registry.TryGet(gauge, out Station? station))
                {
                    Union(unit.Site.Id, station.Site.Id);
                }
            }
        }

        foreach (Station station in registry.Stations)
        {
            map._keyOf[station.Id] = Find(station.Site.Id);
        }

        foreach (HazardUnit unit in registry.HazardUnits)
        {
            map._keyOf[unit.Id] = Find(unit.Site.Id);
        }

        return map;
    }

    /// <summary>The partition of a key: <c>XxHash32(UTF-8, seed 0) mod partitions</c>.</summary>
    public static int PartitionOfKey(string key, int partitions)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(key)) % (uint)partitions);
    }

    /// <summary>The alerting group key of a station or hazard unit (the smallest site id of its group); null when unknown.</summary>
    public string? KeyOf(string id) => _keyOf.GetValueOrDefault(id);

    /// <summary>The partition of a station or hazard unit; -1 when the registry does not know it.</summary>
    public int PartitionOf(string id) => KeyOf(id) is { } key ? PartitionOfKey(key, Partitions) : -1;

    /// <summary>The alerting groups (key, partition), in key order, for the start-up log and the docs.</summary>
    public IEnumerable<(string Key, int Partition)> Groups =>
        _keyOf.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(k => (k, PartitionOfKey(k, Partitions)));
}
