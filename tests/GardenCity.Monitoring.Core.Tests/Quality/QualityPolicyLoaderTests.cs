using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;

namespace GardenCity.Monitoring.Core.Tests.Quality;

public sealed class QualityPolicyLoaderTests
{
    private static Station Station(string id) => TestRegistry.Instance.TryGet(id, out Station? s) ? s : throw new ArgumentException(id);

    [Fact]
    public void LoadFile_ShippedPolicy_Loads()
    {
        QualityPolicy policy = QualityPolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "quality.yaml"), TestRegistry.Instance);
        FieldQualityRules level = policy.For(Station("yd-wl-03"), "water_level_m");
        Assert.NotNull(level.Stuck);
        Assert.NotNull(level.Spike);
        Assert.Equal(FieldQualityRules.None, policy.For(Station("mfs-fire-02"), "co_ppm")); // never on the fire signal
        Assert.NotNull(policy.Clock);
    }

    [Fact]
    public void Load_StationOverride_ChangesOnlyTheChecksItNames()
    {
        const string Yaml = """
            version: 1
            kinds:
              water-level:
                water_level_m:
                  rate: { max_change: 1.0, within: 10m }
                  stuck: { samples: 24, for: 2h }
            stations:
              yd-wl-03:
                water_level_m:
                  soft: { min: 0.2, max: 9 }
                  stuck: off
            """;
        QualityPolicy policy = QualityPolicyLoader.Load(Yaml, "q.yaml", TestRegistry.Instance);
        FieldQualityRules own = policy.For(Station("yd-wl-03"), "water_level_m");
        Assert.Equal(new SoftLimits(0.2, 9), own.Soft);
        Assert.Equal(new RateRule(1.0, TimeSpan.FromMinutes(10)), own.Rate);
        Assert.Null(own.Stuck);
        Assert.NotNull(policy.For(Station("yd-wl-01"), "water_level_m").Stuck);
    }

    [Theory]
    [InlineData("kinds:\n  water-level:\n    water_levl_m:\n      soft: { max: 9 }\n", "q.yaml:3:5: field 'kinds.water-level.water_levl_m': 'water_levl_m' is not a water-level field")]
    [InlineData("stations:\n  no-such-station:\n    rain_mm:\n      soft: { max: 9 }\n", "q.yaml:2:3: field 'stations.no-such-station': no station 'no-such-station' in the station registry")]
    [InlineData("kinds:\n  weather:\n    air_temp_c:\n      rate: { max_change: 5, within: soon }\n", "field 'kinds.weather.air_temp_c.rate.within': 'soon' is not a duration")]
    [InlineData("kinds:\n  weather:\n    air_temp_c:\n      spike: { return_within: 20m, tolerance: 1 }\n", "field 'kinds.weather.air_temp_c.spike': a spike is a rate-of-change jump that comes back: set 'rate' too")]
    [InlineData("kinds:\n  camera-trap: {}\n", "field 'kinds.camera-trap': 'camera-trap' is not a kind that sends telemetry")]
    [InlineData("kinds:\n  weather:\n    rh_pct:\n      soft: { min: 80, max: 20 }\n", "min 80 is above max 20")]
    [InlineData("kinds:\n  weather:\n    rh_pct:\n      soft: { max: 120 }\n", "field 'kinds.weather.rh_pct.soft.max': 120 is outside 0 .. 100")]
    [InlineData("clock_drift: { tolerance: 3m }\n", "field 'clock_drift.samples': missing required field 'samples'")]
    [InlineData("kinds:\n  weather:\n    rh_pct:\n      stuck: { samples: 3.5, for: 1h }\n", "field 'kinds.weather.rh_pct.stuck.samples': expected a whole number")]
    [InlineData("colour: blue\n", "field 'colour': unknown field 'colour'")]
    public void Load_BrokenPolicy_NamesFileLineAndField(string body, string expected)
    {
        var ex = Assert.Throws<QualityPolicyException>(() => QualityPolicyLoader.Load("version: 1\n" + body, "q.yaml", TestRegistry.Instance));
        Assert.Contains(expected.Replace("q.yaml:3:5", "q.yaml:4:5", StringComparison.Ordinal).Replace("q.yaml:2:3", "q.yaml:3:3", StringComparison.Ordinal), ex.Message, StringComparison.Ordinal);
        Assert.Contains("fix them and start again", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_Missing_SaysWhichSettingToChange()
    {
        var ex = Assert.Throws<QualityPolicyException>(() => QualityPolicyLoader.LoadFile("/nonexistent/quality.yaml", TestRegistry.Instance));
        Assert.Contains("/nonexistent/quality.yaml", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GardenCity:Quality:PolicyFile", ex.Message, StringComparison.Ordinal);
    }
}
