using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.DeviceSimulator.Model;

namespace GardenCity.Monitoring.DeviceSimulator.Tests.Model;

public sealed class FleetTests
{
    [Fact]
    public void Build_MoreThanTheRegistry_ClonesWithValidUniqueIdsThatRoundTripAsARegistry()
    {
        IReadOnlyList<Station> fleet = Fleet.Build(SimRun.Registry, 250);

        Assert.Equal(250, fleet.Count);
        Assert.Equal(250, fleet.Select(s => s.Id).Distinct().Count());
        Assert.All(fleet, s => Assert.True(WireTopic.IsValidStationId(s.Id), s.Id));
        StationRegistry reloaded = StationRegistryLoader.Load(Fleet.ToYaml(SimRun.Registry, fleet), "scaled.yaml");
        Assert.Equal(250, reloaded.Count);
        Assert.True(reloaded.TryGet("yd-wl-03-x0002", out Station? clone));
        Assert.Equal(5.0, clone.GuaranteedLevelM);
        Assert.Equal("yongding", clone.Watershed);
    }

    [Theory]
    [InlineData("yd-wl-03-x0002", "yd-wl-03")]
    [InlineData("yd-wl-03", "yd-wl-03")]
    [InlineData("a-x12", "a-x12")]
    public void SourceId_CloneOrRegistryStation_GivesTheStationWhosePasswordItShares(string id, string expected) =>
        Assert.Equal(expected, Fleet.SourceId(id));

    [Fact]
    public void Build_FewerThanTheRegistry_KeepsEveryKind()
    {
        IReadOnlyList<Station> fleet = Fleet.Build(SimRun.Registry, 8);

        Assert.Equal(8, fleet.Count);
        Assert.All(StationKinds.All, k => Assert.Contains(fleet, s => s.Kind == k));
    }
}
