using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Readings;

namespace GardenCity.Monitoring.Alerting.Tests.Engine;

/// <summary>
/// The shipped invasive-species rule (deploy/rules/invasive.yaml, <c>group: site-day</c>; docs/ecology.md): one incident
/// per site and Beijing day, updated (and notified) only by a new species or camera, ended by the end of the day.
/// </summary>
public sealed class InvasiveSpeciesTests
{
    private const string Slider = "Trachemys scripta elegans", Bullfrog = "Lithobates catesbeianus", RoeDeer = "Capreolus pygargus";
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    private static DateTimeOffset June(int day, int hour, int minute) => new(2025, 6, day, hour, minute, 0, Beijing);

    private static AlertEngine Engine(AbsenceClock clock = AbsenceClock.Watermark) =>
        new(TestData.ShippedRules(), TestData.Registry, TimeSpan.FromHours(1), clock, TestData.T0);

    private static List<AlertChange> Invasive(IEnumerable<AlertChange> changes) => [.. changes.Where(c => c.Rule.Id == "invasive-species")];

    [Fact]
    public void OneIncidentPerSiteAndDay_NewSpeciesOrCameraUpdates_RepeatsOnlyCount_DayEndResolves()
    {
        AlertEngine engine = Engine();

        List<AlertChange> first = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-01", June(1, 21, 10), Slider, 0.42)]));
        List<AlertChange> repeat = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-01", June(1, 21, 40), Slider, 0.8)]));
        Alert counted = engine.Active.Single(a => a.RuleId == "invasive-species");
        List<AlertChange> newCamera = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-02", June(1, 22, 5), Slider, 0.7)]));
        List<AlertChange> newSpecies = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-02", June(1, 23, 0), Bullfrog, 0.6)]));
        List<AlertChange> otherSite = Invasive(TestData.Feed(engine, [TestData.Camera("ls-ct-01", June(1, 23, 10), Bullfrog, 0.9)]));
        List<AlertChange> native = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-03", June(1, 23, 20), RoeDeer, 0.99)]));
        List<AlertChange> nextDay = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-01", June(2, 0, 30), Slider, 0.9)]));

        AlertChange raised = Assert.Single(first);
        Assert.Equal((Transition.Raised, Severity.Yellow, Audience.Ecology, "invasive-species.bhs-ct-01.20250601T131000Z"), (raised.Transition, raised.Alert.Severity, raised.Alert.Audience, raised.Alert.Id));
        Assert.Equal("百花山 2025-06-01 相机拍到外来入侵物种：红耳彩龟（Trachemys scripta elegans），1 次，相机 百花山相机01 主峰北坡，21:10–21:10（北京时间）。机器识别，请核实并按外来入侵物种防控要求处置。", raised.Alert.MessageZh);
        Assert.Empty(repeat); // not one per photo
        Assert.Equal((2, June(1, 21, 40), 1), (counted.Detections, counted.LastDetectionAt, counted.Revision));
        Assert.Contains("2 次", counted.MessageZh, StringComparison.Ordinal);

        AlertChange camera = Assert.Single(newCamera);
        Assert.Equal((Transition.Updated, raised.Alert.Id, 2), (camera.Transition, camera.Alert.Id, camera.Alert.Revision));
        Assert.Equal(["bhs-ct-01", "bhs-ct-02"], camera.Alert.Cameras);
        AlertChange species = Assert.Single(newSpecies);
        Assert.Equal((Transition.Updated, raised.Alert.Id, 4), (species.Transition, species.Alert.Id, species.Alert.Detections));
        Assert.Equal([Slider, Bullfrog], species.Alert.Species);
        Assert.StartsWith("更新：百花山 2025-06-01 相机拍到外来入侵物种：红耳彩龟、美洲牛蛙", species.Alert.MessageZh, StringComparison.Ordinal);
        Assert.Contains("red-eared slider, American bullfrog", species.Alert.MessageEn, StringComparison.Ordinal);

        AlertChange lingshan = Assert.Single(otherSite);
        Assert.Equal((Transition.Raised, "invasive-species.ls-ct-01.20250601T151000Z"), (lingshan.Transition, lingshan.Alert.Id));
        Assert.Empty(native);

        // 00:30 the next day: both incidents of 06-01 end at midnight Beijing time, then the new day's incident is raised.
        Assert.Equal(
            [(Transition.Resolved, raised.Alert.Id), (Transition.Resolved, lingshan.Alert.Id), (Transition.Raised, "invasive-species.bhs-ct-01.20250601T163000Z")],
            nextDay.Select(c => (c.Transition, c.Alert.Id)));
        Assert.All(nextDay.Take(2), c => Assert.Equal(June(2, 0, 0), c.Alert.UpdatedAt));
        Assert.Equal("外来入侵物种当日结束：百花山 2025-06-01 共 4 次拍到 红耳彩龟、美洲牛蛙（相机 百花山相机01 主峰北坡、百花山相机02 草甸，21:10–23:00）。", nextDay[0].Alert.MessageZh);
    }

    [Fact]
    public void Notification_CarriesSpeciesCamerasCountAndTheCameraPlace_ForTheEcologyAudience()
    {
        AlertEngine engine = Engine();
        TestData.Feed(engine, [TestData.Camera("bhs-ct-01", June(1, 21, 10), Slider, 0.5)]);
        AlertChange update = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-05", June(1, 21, 50), Bullfrog, 0.5)])).Single();

        AlertNotification n = update.ToNotification();

        Assert.Equal((Transition.Updated, "bhs-ct-01", "baihua-mountain"), (n.Transition, n.StationId, n.Site));
        Assert.Equal([Slider, Bullfrog], n.Species);
        Assert.Equal(["bhs-ct-01", "bhs-ct-05"], n.Cameras);
        Assert.Equal((2, June(1, 21, 50)), (n.Detections, n.LastDetectionAt));
        Assert.Equal((39.8412, 115.5712), (n.Lat, n.Lon)); // the ecology audience gets the camera's place (the API generalises it below reviewer)
        Assert.False(n.RequiresVerification);
    }

    [Fact]
    public void ClosedByHand_NoNewIncidentThatDay_TheNextDayRaisesAgain()
    {
        AlertEngine engine = Engine();
        AlertChange raised = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-01", June(1, 10, 0), Bullfrog, 0.5)])).Single();

        AlertChange? closed = engine.Close(raised.Alert.Id, "eco Wang", "checked: a native frog", June(1, 10, 30));
        List<AlertChange> sameDay = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-02", June(1, 11, 0), Bullfrog, 0.9), TestData.Camera("bhs-ct-01", June(1, 12, 0), Slider, 0.9)]));
        List<AlertChange> nextDay = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-02", June(2, 9, 0), Bullfrog, 0.9)]));

        Assert.Equal(Transition.Closed, closed?.Transition);
        Assert.Empty(sameDay);
        Assert.Equal([Transition.Raised], nextDay.Select(c => c.Transition));
    }

    [Fact]
    public void Restart_TheDaysIncidentContinues_ALaterSpeciesUpdatesIt()
    {
        AlertEngine before = Engine();
        AlertChange raised = Invasive(TestData.Feed(before, [TestData.Camera("bhs-ct-01", June(1, 21, 10), Slider, 0.5)])).Single();
        EngineSnapshot snapshot = System.Text.Json.JsonSerializer.Deserialize<EngineSnapshot>(System.Text.Json.JsonSerializer.Serialize(before.Snapshot()))!;

        AlertEngine after = Engine();
        after.Restore(snapshot);
        List<AlertChange> changes = Invasive(TestData.Feed(after, [TestData.Camera("bhs-ct-02", June(1, 22, 0), Bullfrog, 0.5)]));

        AlertChange update = Assert.Single(changes);
        Assert.Equal((Transition.Updated, raised.Alert.Id, 2), (update.Transition, update.Alert.Id, update.Alert.Detections));
    }

    [Fact]
    public void Live_TheDayEndsOnTheWallClockTick_WithoutFurtherData()
    {
        AlertEngine engine = Engine(AbsenceClock.WallClock);
        DateTimeOffset seen = June(1, 23, 0);
        engine.Process(TestData.Camera("bhs-ct-01", seen, Slider, 0.5), seen.AddMinutes(1));

        List<AlertChange> beforeMidnight = Invasive(engine.Tick(June(1, 23, 59)));
        List<AlertChange> afterMidnight = Invasive(engine.Tick(June(2, 0, 0).AddSeconds(5)));

        Assert.Empty(beforeMidnight);
        AlertChange end = Assert.Single(afterMidnight);
        Assert.Equal((Transition.Resolved, June(2, 0, 0)), (end.Transition, end.Alert.UpdatedAt));
    }

    [Fact]
    public void LateTriggers_OneLateNoticePerSiteAndDay()
    {
        AlertEngine engine = Engine();
        TestData.Feed(engine, [TestData.Status("bhs-ct-08", June(3, 12, 0))]); // the watermark is two days on

        List<AlertChange> late = Invasive(TestData.Feed(engine, [TestData.Camera("bhs-ct-01", June(1, 21, 0), Slider, 0.5), TestData.Camera("bhs-ct-02", June(1, 22, 0), Bullfrog, 0.5), TestData.Camera("bhs-ct-01", June(2, 1, 0), Slider, 0.5)]));

        Assert.Equal([(Transition.Late, June(1, 21, 0)), (Transition.Late, June(2, 1, 0))], late.Select(c => (c.Transition, c.Alert.RaisedAt)));
        Assert.All(late, c => Assert.StartsWith("[迟到数据] 百花山", c.Alert.MessageZh, StringComparison.Ordinal));
        Assert.DoesNotContain(engine.Active, a => a.RuleId == "invasive-species");
    }

    [Theory]
    [InlineData("species_names:\n      Trachemys scripta: { zh: 红耳彩龟, en: red-eared slider }", "within: 1d", "rules[0](test-rule).species_names", "no names for 'Lithobates catesbeianus'")]
    [InlineData("species_names:\n      Trachemys scripta: { zh: 红耳彩龟, en: red-eared slider }\n      Lithobates catesbeianus: { zh: 美洲牛蛙, en: American bullfrog }", "within: 6h", "rules[0](test-rule).levels[0].when.event.within", "set 'within: 1d'")]
    [InlineData("species_names:\n      Trachemys scripta: { zh: 红耳彩龟, en: red-eared slider }\n      Lithobates catesbeianus: { zh: 美洲牛蛙, en: American bullfrog }\n      Rattus norvegicus: { zh: 褐家鼠, en: brown rat }", "within: 1d", "rules[0](test-rule).species_names.Rattus norvegicus", "not in the rule's event.species")]
    public void Load_BadSiteDayRule_NamesTheFileLineAndField(string names, string within, string field, string message)
    {
        string yaml = $$"""
            rules:
              - id: test-rule
                name: { zh: 测试, en: Test }
                audience: ecology
                watch: { kinds: [camera-trap] }
                group: site-day
                {{names.Replace("\n", "\n    ", StringComparison.Ordinal)}}
                levels:
                  - severity: yellow
                    when: { event: { type: detection, species: [Trachemys scripta, Lithobates catesbeianus], {{within}} } }
                message: { zh: "{species_zh}", en: "{species_en}" }
            """;

        var ex = Assert.Throws<RuleFileException>(() => TestData.Rules(yaml));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("test.yaml", field), (error.File, error.Field));
        Assert.True(error.Line > 0, error.ToString());
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_SiteDayRuleWithACommonName_IsRefused()
    {
        const string Yaml = """
            rules:
              - id: test-rule
                name: { zh: 测试, en: Test }
                audience: ecology
                watch: { kinds: [camera-trap] }
                group: site-day
                species_names:
                  bullfrog: { zh: 牛蛙, en: bullfrog }
                levels:
                  - severity: yellow
                    when: { event: { type: detection, species: [bullfrog], within: 1d } }
                message: { zh: "{species_zh}", en: "{species_en}" }
            """;

        var ex = Assert.Throws<RuleFileException>(() => TestData.Rules(Yaml));

        Assert.Contains(ex.Errors, e => e.Field == "rules[0](test-rule).levels[0].when.event.species" && e.Message.Contains("'bullfrog' is not a scientific name", StringComparison.Ordinal) && e.Line == 6);
    }
}
