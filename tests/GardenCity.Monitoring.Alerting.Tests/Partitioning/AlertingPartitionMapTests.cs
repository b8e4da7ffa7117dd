using System.IO.Hashing;
using System.Text;
using GardenCity.Monitoring.Alerting.Partitioning;
using GardenCity.Monitoring.Core.Stations;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Partitioning;

/// <summary>The partition key (alerting groups) and the stable partition function (docs/scale-out.md, "Alerting partitions").</summary>
public sealed class AlertingPartitionMapTests
{
    [Fact]
    public void Hash_IsTheStandardXxHash32()
    {
        // The published XXH32 test vectors (seed 0): the function a worker on another machine or .NET version computes too.
        Assert.Equal(0x02CC5D05u, XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(string.Empty)));
        Assert.Equal(0x32D153FFu, XxHash32.HashToUInt32(Encoding.UTF8.GetBytes("abc")));
        Assert.Equal((int)(0x32D153FFu % 7), AlertingPartitionMap.PartitionOfKey("abc", 7));
        Assert.Equal(0, AlertingPartitionMap.PartitionOfKey("abc", 1));
    }

    [Fact]
    public void Create_ShippedRegistry_KeepsWatershedsAndHazardUnitsTogether()
    {
        AlertingPartitionMap map = AlertingPartitionMap.Create(Registry, 2);

        // The Qingshui watershed joins its four sites, the Yongding watershed (and the hazard units' gauges) seven.
        string[] qingshui = ["baihua-mountain", "lingshan", "qingshui-river", "zhaitang-reservoir"];
        string[] yongding = ["heihe-gully", "jiulong-mountain", "mentougou-city", "miaofeng-mountain", "yanchi-jiuhe-wetland", "yongding-gorge", "zhongmensi-gully"];
        foreach (Station station in Registry.Stations)
        {
            string expected = qingshui.Contains(station.Site.Id) ? "baihua-mountain" : yongding.Contains(station.Site.Id) ? "heihe-gully" : station.Site.Id;
            Assert.Equal(expected, map.KeyOf(station.Id));
        }

        Assert.All(Registry.HazardUnits, u => Assert.Equal("heihe-gully", map.KeyOf(u.Id)));
        Assert.All(Registry.HazardUnits.SelectMany(u => u.Gauges), g => Assert.Equal("heihe-gully", map.KeyOf(g)));
        Assert.Null(map.KeyOf("no-such-station"));
        Assert.Equal(-1, map.PartitionOf("no-such-station"));
    }

    [Fact]
    public void Create_EveryStationOfAGroupInOnePartition_AndEveryPartitionInRange()
    {
        for (int n = 1; n <= 8; n++)
        {
            AlertingPartitionMap map = AlertingPartitionMap.Create(Registry, n);
            foreach (IGrouping<string?, Station> group in Registry.Stations.GroupBy(s => map.KeyOf(s.Id)))
            {
                int partition = Assert.Single(group.Select(s => map.PartitionOf(s.Id)).Distinct());
                Assert.InRange(partition, 0, n - 1);
                Assert.Equal(AlertingPartitionMap.PartitionOfKey(group.Key!, n), partition);
            }
        }
    }

    [Fact]
    public void Create_HazardUnitGaugeAtAnotherSite_JoinsTheSites_WhateverTheRegistryOrder()
    {
        Site a = new("site-a", "甲", "A"), b = new("site-b", "乙", "B"), c = new("site-c", "丙", "C");
        Station[] stations = [Gauge("b-wx", b), Gauge("a-wx", a), Gauge("c-wx", c)];
        HazardUnit unit = new() { Id = "b-gully", Kind = HazardUnitKind.DebrisFlow, NameZh = "沟", NameEn = "Gully", Site = b, Lat = 40, Lon = 116, Gauges = ["b-wx", "c-wx"] };

        AlertingPartitionMap forward = AlertingPartitionMap.Create(new StationRegistry([a, b, c], stations, [unit]), 4);
        AlertingPartitionMap backward = AlertingPartitionMap.Create(new StationRegistry([c, b, a], [.. stations.Reverse()], [unit]), 4);

        foreach (AlertingPartitionMap map in new[] { forward, backward })
        {
            Assert.Equal("site-a", map.KeyOf("a-wx"));
            Assert.Equal("site-b", map.KeyOf("b-wx")); // the smallest site id of {site-b, site-c}
            Assert.Equal("site-b", map.KeyOf("c-wx"));
            Assert.Equal("site-b", map.KeyOf("b-gully"));
        }

        Assert.Equal([("site-a", AlertingPartitionMap.PartitionOfKey("site-a", 4)), ("site-b", AlertingPartitionMap.PartitionOfKey("site-b", 4))], forward.Groups);
    }

    private static Station Gauge(string id, Site site) =>
        new() { Id = id, Kind = StationKind.Weather, NameZh = id, NameEn = id, Site = site, Lat = 40, Lon = 116, ElevationM = 100, PasswordHash = "x" };
}
