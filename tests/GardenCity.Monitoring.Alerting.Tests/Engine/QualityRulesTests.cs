using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Readings;
using static GardenCity.Monitoring.Alerting.Tests.TestData;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>The quality flags in the rule engine (docs/data-quality.md), with the shipped rules and quality policy.</summary>
public sealed class QualityRulesTests
{
    private static readonly QualityPolicy ShippedQuality = QualityPolicyLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "quality.yaml"), Registry);

    private static AlertEngine ShippedEngine(QualityPolicy? quality) => new(ShippedRules(), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0, quality);

    /// <summary>yd-wl-03 (Yongding) at 5-minute steps; zt-wx-01 is not in the Yongding watershed, mtg-wx-?? is picked below.</summary>
    private static TelemetryReading Level(int minute, double level) => Telemetry("yd-wl-03", T0.AddMinutes(minute), minute / 5, ("water_level_m", level));

    [Fact]
    public void Process_SpikeToAboveGuaranteedLevel_RaisesNoFloodAlertWithQualityChecks()
    {
        double guaranteed = Station("yd-wl-03").GuaranteedLevelM!.Value;
        Reading[] series = [Level(0, 1.00), Level(5, 1.01), Level(10, guaranteed + 0.5), Level(15, 1.02), Level(20, 1.01)];

        List<AlertChange> checkedChanges = Feed(ShippedEngine(ShippedQuality), series);
        List<AlertChange> uncheckedChanges = Feed(ShippedEngine(null), series);

        Assert.DoesNotContain(checkedChanges, c => c.Rule.Id.StartsWith("flood-", StringComparison.Ordinal));
        Assert.Contains(uncheckedChanges, c => c.Rule.Id == "flood-level" && c.Transition == Transition.Raised && c.Alert.Severity == Severity.Red); // what the checks prevent
    }

    [Fact]
    public void Process_GaugeStuckWhileItsWatershedIsUnderARainstormWarning_RaisesTheEmergencyAlert()
    {
        Core.Stations.Station weather = Registry.Stations.First(s => s.Kind == Core.Stations.StationKind.Weather && s.Watershed == Station("yd-wl-03").Watershed);
        AlertEngine engine = ShippedEngine(ShippedQuality);
        var changes = new List<AlertChange>();
        for (int i = 0; i <= 36; i++)
        {
            DateTimeOffset at = T0.AddMinutes(i * 5);
            changes.AddRange(engine.Process(Telemetry(weather.Id, at, i, ("rain_mm", 4.0)), DateTimeOffset.MaxValue).Changes); // 48 mm/h
            changes.AddRange(engine.Process(Level(i * 5, 0.850), DateTimeOffset.MaxValue).Changes); // flat to the millimetre
        }

        Assert.Contains(changes, c => c.Rule.Id == "rainstorm-cma" && c.Transition == Transition.Raised);
        AlertChange storm = Assert.Single(changes, c => c.Rule.Id == "gauge-stuck-in-storm" && c.Transition == Transition.Raised);
        Assert.Equal(Audience.Emergency, storm.Alert.Audience);
        Assert.Equal(Severity.Orange, storm.Alert.Severity);
        Assert.Contains("0.85", storm.Alert.MessageZh, StringComparison.Ordinal);
        Assert.Single(changes, c => c.Rule.Id == "gauge-stuck" && c.Transition == Transition.Raised);
    }

    [Fact]
    public void Process_GaugeStuckInDryWeather_IsMaintenanceOnly()
    {
        AlertEngine engine = ShippedEngine(ShippedQuality);
        List<AlertChange> changes = Feed(engine, Enumerable.Range(0, 37).Select(i => Level(i * 5, 0.850)));
        Assert.Single(changes, c => c.Rule.Id == "gauge-stuck" && c.Transition == Transition.Raised && c.Alert.Audience == Audience.Maintenance);
        Assert.DoesNotContain(changes, c => c.Rule.Id == "gauge-stuck-in-storm");
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("    doubtful: ignore", false)]
    [InlineData("    doubtful: count", true)]
    public void Process_DoubtfulValue_RaisesOnlyWhenTheRuleCountsDoubtful(string doubtful, bool raised)
    {
        string yaml = OneRule("weather", "      - severity: yellow\n        when: { threshold: { field: air_temp_c, at_least: 40 } }", extra: doubtful);
        var engine = new AlertEngine(TestData.Rules(yaml), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0, ShippedQuality);
        List<AlertChange> changes = Feed(engine, [Telemetry("zt-wx-01", T0, 1, ("air_temp_c", 43.0))]); // beyond the soft max 42: doubtful
        Assert.Equal(raised, changes.Any(c => c.Transition == Transition.Raised));
    }

    [Fact]
    public void Prime_StoredFlagsWin_ABadSampleReadBackFromInfluxDbNeverCounts()
    {
        string yaml = OneRule("weather", "      - severity: yellow\n        when: { threshold: { field: air_temp_c, at_least: 30 } }", extra: "    doubtful: count");
        var engine = new AlertEngine(TestData.Rules(yaml), Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T0, null);
        engine.Prime(Telemetry("zt-wx-01", T0, 1, ("air_temp_c", 35.0)) with { Quality = new ReadingQuality(QualityFlags.Parse("spike:air_temp_c")) });
        List<AlertChange> changes = Feed(engine, [Telemetry("zt-wx-01", T0.AddMinutes(5), 2, ("rh_pct", 50.0))]);
        Assert.DoesNotContain(changes, c => c.Transition == Transition.Raised);
    }

    [Theory]
    [InlineData("    doubtful: maybe", "(test-rule).doubtful': 'maybe' is not a choice for doubtful readings")]
    [InlineData("", "no rule 'no-such-rule' is loaded")]
    public void Load_BadQualitySettings_NameTheField(string extra, string expected)
    {
        string levels = extra.Length > 0
            ? "      - severity: yellow\n        when: { quality: { check: stuck, field: water_level_m } }"
            : "      - severity: yellow\n        when: { watershed_alert: { rule: no-such-rule, at_least: blue } }";
        var ex = Assert.Throws<RuleFileException>(() => TestData.Rules(OneRule("water-level", levels, extra: extra)));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownQualityCheck_ListsTheKnownOnes()
    {
        var ex = Assert.Throws<RuleFileException>(() => TestData.Rules(OneRule("water-level", "      - severity: yellow\n        when: { quality: { check: frozen } }")));
        Assert.Contains("unknown quality check 'frozen'; expected one of soft-limit, rate-of-change, spike, stuck, clock-drift, seq-gap", ex.Message, StringComparison.Ordinal);
    }
}
