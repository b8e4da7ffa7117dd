using GardenCity.Monitoring.Core.Yaml;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Tests.Stations;

public sealed class StationRegistryLoaderTests
{
    private const string Hash = "pbkdf2-sha256$100000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=";

    private static string Registry(string stations) => $$"""
        version: 1
        sites:
          - { id: baihua-mountain, zh: 百花山, en: Baihua Mountain }
          - { id: yongding-gorge, zh: 永定河山峡段, en: Yongding River gorge }
        stations:
        {{stations}}
        """;

    private const string Gauge = $"""
          - id: yd-wl-03
            kind: water-level
            name: {"{"} zh: 三家店, en: Sanjiadian {"}"}
            site: yongding-gorge
            lat: 39.96
            lon: 116.09
            elevation_m: 110
            watershed: yongding
            warning_level_m: 3.5
            guaranteed_level_m: 5.0
            password_hash: "{Hash}"
        """;

    [Fact]
    public void AtSite_TheSitesStationsInIdOrder_NoneForAnUnknownSite()
    {
        StationRegistry registry = TestRegistry.Instance;
        Assert.NotEmpty(registry.Sites);
        foreach (string site in registry.Sites.Keys)
        {
            Assert.Equal(
                registry.Stations.Where(s => s.Site.Id == site).Select(s => s.Id).Order(StringComparer.Ordinal),
                registry.AtSite(site).Select(s => s.Id));
        }

        Assert.Equal(registry.Count, registry.Sites.Keys.Sum(site => registry.AtSite(site).Count));
        Assert.Empty(registry.AtSite("no-such-site"));
    }

    [Fact]
    public void LoadFile_ShippedRegistry_HasAtLeast30StationsOfAllFourKinds()
    {
        StationRegistry registry = TestRegistry.Instance;

        Assert.True(registry.Count >= 30, $"only {registry.Count} stations");
        Assert.All(StationKinds.All, kind => Assert.Contains(registry.Stations, s => s.Kind == kind));
        Assert.All(registry.Stations.Where(s => s.Kind == StationKind.WaterLevel), s =>
        {
            Assert.NotNull(s.Watershed);
            Assert.True(s.GuaranteedLevelM > s.WarningLevelM);
        });

        // Mentougou lies within about 39.7–40.2 N, 115.4–116.2 E.
        Assert.All(registry.Stations, s =>
        {
            Assert.InRange(s.Lat, 39.7, 40.2);
            Assert.InRange(s.Lon, 115.4, 116.2);
        });
        foreach (string site in new[] { "baihua-mountain", "lingshan", "qingshui-river", "zhaitang-reservoir", "yanchi-jiuhe-wetland", "yongding-gorge", "miaofeng-mountain", "heihe-gully", "zhongmensi-gully" })
        {
            Assert.Contains(registry.Stations, s => s.Site.Id == site);
        }
    }

    [Fact]
    public void LoadFile_ShippedRegistry_DevelopmentPasswordsMatchTheirHashes()
    {
        Station station = Assert.Single(TestRegistry.Instance.Stations, s => s.Id == "bhs-ct-07");

        Assert.True(PasswordHasher.Verify("gc-dev-bhs-ct-07", station.PasswordHash));
        Assert.False(PasswordHasher.Verify("gc-dev-bhs-ct-08", station.PasswordHash));
    }

    [Fact]
    public void Load_ValidGauge_ReadsEveryField()
    {
        StationRegistry registry = StationRegistryLoader.Load(Registry(Gauge), "stations.yaml");

        Assert.True(registry.TryGet("yd-wl-03", out Station? s));
        Assert.Equal(StationKind.WaterLevel, s.Kind);
        Assert.Equal("三家店", s.NameZh);
        Assert.Equal("Sanjiadian", s.NameEn);
        Assert.Equal("永定河山峡段", s.Site.NameZh);
        Assert.Equal(39.96, s.Lat);
        Assert.Equal(110, s.ElevationM);
        Assert.Equal("yongding", s.Watershed);
        Assert.Equal(3.5, s.WarningLevelM);
        Assert.Equal(5.0, s.GuaranteedLevelM);
    }

    public static TheoryData<string, string, int, string> BrokenFiles => new()
    {
        // The line numbers are those of the YAML text built by Registry(...): the stations start on line 6.
        { Gauge.Replace("kind: water-level", "kind: river", StringComparison.Ordinal), "stations[0](yd-wl-03).kind", 7, "unknown kind 'river'" },
        { Gauge.Replace("lat: 39.96", "lat: north", StringComparison.Ordinal), "stations[0](yd-wl-03).lat", 10, "expected a number" },
        { Gauge.Replace("lat: 39.96", "lat: 139.96", StringComparison.Ordinal), "stations[0](yd-wl-03).lat", 10, "outside -90 .. 90" },
        { Gauge.Replace("guaranteed_level_m: 5.0", "guaranteed_level_m: 3.0", StringComparison.Ordinal), "stations[0](yd-wl-03).guaranteed_level_m", 15, "must be above the warning level" },
        { Gauge.Replace("    warning_level_m: 3.5\n", string.Empty, StringComparison.Ordinal), "stations[0](yd-wl-03).warning_level_m", 6, "warning level" },
        { Gauge.Replace("site: yongding-gorge", "site: atlantis", StringComparison.Ordinal), "stations[0](yd-wl-03).site", 9, "unknown site 'atlantis'" },
        { Gauge.Replace("id: yd-wl-03", "id: YD_WL_03", StringComparison.Ordinal), "stations[0].id", 6, "not a valid station id" },
        { Gauge.Replace($"password_hash: \"{Hash}\"", "password_hash: hunter2", StringComparison.Ordinal), "stations[0](yd-wl-03).password_hash", 16, "not a pbkdf2-sha256 hash" },
        { Gauge.Replace("watershed: yongding", "watershed: yongding\n    colour: red", StringComparison.Ordinal), "stations[0](yd-wl-03).colour", 14, "unknown field 'colour'" },
        { Gauge + "\n" + Gauge, "stations[1](yd-wl-03).id", 17, "duplicate station id" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Load_BrokenStation_NamesFileLineAndField(string stations, string field, int line, string message)
    {
        var ex = Assert.Throws<RegistryException>(() => StationRegistryLoader.Load(Registry(stations), "deploy/stations.yaml"));

        ConfigFileError error = Assert.Single(ex.Errors);
        Assert.Equal("deploy/stations.yaml", error.File);
        Assert.Equal(field, error.Field);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains($"deploy/stations.yaml:{line}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_YamlSyntaxError_NamesLine()
    {
        var ex = Assert.Throws<RegistryException>(() => StationRegistryLoader.Load("version: 1\nsites: [\n  - {id: a\n", "bad.yaml"));

        ConfigFileError error = Assert.Single(ex.Errors);
        Assert.Equal("(syntax)", error.Field);
        Assert.True(error.Line >= 2, $"line {error.Line}");
    }

    [Fact]
    public void Load_MissingSections_ReportsEach()
    {
        var ex = Assert.Throws<RegistryException>(() => StationRegistryLoader.Load("version: 2\n", "r.yaml"));

        Assert.Contains(ex.Errors, e => e.Field == "version" && e.Message.Contains("unsupported", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Field == "sites");
        Assert.Contains(ex.Errors, e => e.Field == "stations");
    }

    [Fact]
    public void LoadFile_MissingFile_NamesTheFile()
    {
        var ex = Assert.Throws<RegistryException>(() => StationRegistryLoader.LoadFile("/nonexistent/stations.yaml"));

        Assert.Equal("/nonexistent/stations.yaml", Assert.Single(ex.Errors).File);
    }
}
