using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Tests;

/// <summary>The shipped registry, <c>deploy/stations.yaml</c>, loaded once.</summary>
internal static class TestRegistry
{
    private static readonly Lazy<StationRegistry> Shipped = new(() => StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml")));

    public static StationRegistry Instance => Shipped.Value;
}
