using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Yaml;

namespace GardenCity.Monitoring.Alerting.Tests.Rules;

public sealed class RuleLoaderTests
{
    [Fact]
    public void LoadDirectory_ShippedRules_AreValidAndFollowTheCmaCriteria()
    {
        RuleSet set = TestData.ShippedRules();

        Assert.Equal(7, set.Files.Count);
        Assert.Equal(19, set.Rules.Count); // 13 + gauge-stuck, gauge-stuck-in-storm, station-clock-drift (quality checks) + debris-flow-rain, landslide-rain (geohazard.yaml) + invasive-species (invasive.yaml)
        Rule rain = set.Rules.Single(r => r.Id == "rainstorm-cma");
        var levels = rain.Levels.Select(l => (l.Severity, ((ValueCondition)l.Condition).Window, ((ValueCondition)l.Condition).Bound.Fixed)).ToList();
        Assert.Equal(
            [(Severity.Blue, TimeSpan.FromHours(12), 50), (Severity.Yellow, TimeSpan.FromHours(6), 50), (Severity.Orange, TimeSpan.FromHours(3), 50), (Severity.Red, TimeSpan.FromHours(3), 100)],
            levels.Select(l => (l.Severity, l.Window, l.Fixed!.Value)).ToList());
        Assert.Equal(8, TestData.Registry.Stations.Count(rain.Scope.Matches));
        Assert.True(set.Rules.Single(r => r.Id == "species-leopard").Sensitive);
    }

    [Fact]
    public void Load_UnknownField_NamesFileLineColumnAndField()
    {
        string yaml = TestData.OneRule("weather", "      - severity: red\n        when: { sum: { field: rain, window: 3h, at_least: 100 } }");

        var ex = Assert.Throws<RuleFileException>(() => TestData.Rules(yaml));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("test.yaml", error.File);
        Assert.Equal(11, error.Line); // the line of "when: { sum: { field: rain ... } }"
        Assert.Equal("rules[0](test-rule).levels[0].when.sum.field", error.Field);
        Assert.Contains("unknown field 'rain'", error.Message, StringComparison.Ordinal);
        Assert.Contains("rain_mm", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("      - severity: purple\n        when: { threshold: { field: rain_mm, at_least: 1 } }", "levels[0].severity", "unknown severity 'purple'")]
    [InlineData("      - severity: red\n        when: { sum: { field: rain_mm, window: 3 hours, at_least: 1 } }", "levels[0].when.sum.window", "not a duration")]
    [InlineData("      - severity: red\n        when: { threshold: { field: rain_mm, at_least: 1, at_most: 2 } }", "levels[0].when.threshold", "exactly one of 'at_least' and 'at_most'")]
    [InlineData("      - severity: red\n        when: { maximum: { field: rain_mm } }", "levels[0].when", "unknown condition 'maximum'")]
    [InlineData("      - severity: red\n        when: { threshold: { field: rain_mm, at_least: { registry: flood_level } } }", "levels[0].when.threshold.at_least.registry", "unknown registry level")]
    [InlineData("      - severity: red\n        when: { event: { type: fire, detections: [smoke], within: 1h } }", "levels[0].when.event.type", "which the rule does not watch")]
    [InlineData("      - severity: red\n        when: { threshold: { field: rain_mm, at_least: 1 } }\n      - severity: blue\n        when: { threshold: { field: rain_mm, at_least: 2 } }", "levels[1].severity", "rising severity")]
    [InlineData("      - severity: red\n        when: { all: [] }", "levels[0].when.all", "non-empty list")]
    public void Load_BrokenLevel_IsRefusedNamingTheField(string levels, string field, string message)
    {
        var ex = Assert.Throws<RuleFileException>(() => TestData.Rules(TestData.OneRule("weather", levels)));

        Assert.Contains(ex.Errors, e => e.Field == "rules[0](test-rule)." + field && e.Message.Contains(message, StringComparison.Ordinal) && e.Line > 0);
    }

    [Fact]
    public void Load_UnknownPlaceholderAndStation_AreBothReported()
    {
        string yaml = TestData.OneRule("weather", "      - severity: red\n        when: { threshold: { field: rain_mm, at_least: 1 } }")
            .Replace("{station_zh} {value:0.0}", "{station_name}", StringComparison.Ordinal)
            .Replace("kinds: [weather]", "kinds: [weather], stations: [no-such-station]", StringComparison.Ordinal);

        var ex = Assert.Throws<RuleFileException>(() => TestData.Rules(yaml));

        Assert.Contains(ex.Errors, e => e.Field == "rules[0](test-rule).message.zh" && e.Message.Contains("{station_name}", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Field == "rules[0](test-rule).watch.stations" && e.Message.Contains("no-such-station", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_DuplicateIdAcrossFiles_NamesTheFirstDefinition()
    {
        string yaml = TestData.OneRule("weather", "      - severity: red\n        when: { threshold: { field: rain_mm, at_least: 1 } }");

        var ex = Assert.Throws<RuleFileException>(() => RuleLoader.Load([(yaml, "a.yaml"), (yaml, "b.yaml")], TestData.Registry));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("b.yaml", error.File);
        Assert.Contains("first defined at a.yaml:2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_YamlSyntaxError_IsReportedWithItsLine()
    {
        var ex = Assert.Throws<RuleFileException>(() => TestData.Rules("rules:\n  - id: [unclosed\n"));

        Assert.Equal("(syntax)", Assert.Single(ex.Errors).Field);
        Assert.True(ex.Errors[0].Line >= 2);
    }

    [Fact]
    public void Load_WatershedAlertNamesAMissingRule_ErrorAtTheRuleFieldOfItsFile()
    {
        // Regression: the line was parsed back out of Rule.Source ("file:line") by splitting at ':', so a Windows path
        // was reported as file "D" and every such error pointed at the rule's first line rather than its 'rule:'.
        const string File = @"D:\gardencity\rules\gauges.yaml";
        string yaml = TestData.OneRule("water-level", "      - severity: yellow\n        when: { watershed_alert: { rule: no-such-rule, at_least: blue } }");

        var ex = Assert.Throws<RuleFileException>(() => RuleLoader.Load([(yaml, File)], TestData.Registry));

        ConfigFileError error = Assert.Single(ex.Errors);
        Assert.Equal((File, 11), (error.File, error.Line)); // the line of "when: { watershed_alert: { rule: no-such-rule ... } }"
        Assert.Equal(yaml.Split('\n')[10].IndexOf("no-such-rule", StringComparison.Ordinal) + 1, error.Column);
        Assert.Equal("rules[0](test-rule).levels[0].when.watershed_alert.rule", error.Field);
        Assert.Equal("no rule 'no-such-rule' is loaded; name a rule of the rules directory", error.Message);
    }

    [Fact]
    public void Load_WatershedAlertNamesARuleOfALaterFile_Loads()
    {
        string gauges = TestData.OneRule("water-level", "      - severity: yellow\n        when: { watershed_alert: { rule: storm, at_least: blue } }");
        string storm = TestData.OneRule("weather", "      - severity: blue\n        when: { threshold: { field: rain_mm, at_least: 50 } }").Replace("id: test-rule", "id: storm", StringComparison.Ordinal);

        RuleSet set = RuleLoader.Load([(gauges, "a.yaml"), (storm, "b.yaml")], TestData.Registry);

        Assert.Equal(["test-rule", "storm"], set.Rules.Select(r => r.Id));
        Assert.Equal("storm", Assert.IsType<WatershedAlertCondition>(set.Rules[0].Levels[0].Condition).RuleId);
    }
}
