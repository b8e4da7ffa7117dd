using System.Xml.Linq;
using System.Xml.Schema;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Yaml;

namespace GardenCity.Monitoring.Alerting.Tests.Geohazard;

/// <summary>
/// Geohazard rules through the engine (docs/geohazard.md): each threshold form with figures worked out by hand, an event
/// that crosses only through antecedent rain, one that never does, the highest gauge counting, a silent gauge, late data
/// and the CAP message with the unit's area.
/// </summary>
public sealed class GeohazardRulesTests
{
    private const string Hash = "pbkdf2-sha256$100000$ab7I5TWxp8jI0Sd3fFhTaQ==$q0MaQa8hhWuDOHk2hTN18CnGVYHg6itLFUzG3ckNuhA=";
    private static readonly DateTimeOffset T = new(2023, 7, 30, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Two rain gauges (g1, g2) standing for one gully with a polygon; dry gap 6 h, K = 0.8, 3 days.</summary>
    private static readonly string RegistryYaml = $$"""
        version: 1
        sites:
          - { id: gully, zh: 测试沟, en: Test gully }
        stations:
          - { id: g1, kind: weather, name: { zh: 一号雨量站, en: Gauge one }, site: gully, lat: 39.95, lon: 116.08, elevation_m: 200, password_hash: "{{Hash}}" }
          - { id: g2, kind: water-level, name: { zh: 二号水位站, en: Gauge two }, site: gully, lat: 39.94, lon: 116.07, elevation_m: 150, watershed: yongding, warning_level_m: 1, guaranteed_level_m: 2, password_hash: "{{Hash}}" }
        hazard_units:
          - id: gully-df
            kind: debris-flow
            name: { zh: 测试泥石流沟, en: Test debris-flow gully }
            site: gully
            area:
              polygon: [[39.96, 116.05], [39.96, 116.09], [39.93, 116.09], [39.96, 116.05]]
            gauges: [g1, g2]
            rainfall: { dry_gap: 6h, antecedent_k: 0.8, antecedent_days: 3 }
        """;

    private static readonly StationRegistry Registry = StationRegistryLoader.Load(RegistryYaml, "test-registry.yaml");

    private static string Rule(string id, string levels, string extra = "") => $$"""
          - id: {{id}}
            name: { zh: 泥石流, en: Debris flow }
            audience: emergency
            category: Geo
            watch: { units: [gully-df] }
            cooldown: 1h
        {{extra}}
            levels:
        {{levels}}
            message:
              zh: "{station_zh} {gauge_zh} 有效 {rain_effective} 本次 {rain_event} 前期 {rain_antecedent} 小时雨强 {intensity_max}"
              en: "{station_en} at {gauge_en}: effective {rain_effective}, event {rain_event}, antecedent {rain_antecedent}, D {duration_h} h, I {intensity}, Imax {intensity_max}"
        """;

    private static AlertEngine Engine(string rules, AbsenceClock clock = AbsenceClock.Watermark) =>
        new(RuleLoader.Load([("rules:\n" + rules, "geohazard-test.yaml")], Registry), Registry, TimeSpan.FromHours(1), clock, T);

    private static TelemetryReading Rain(string gauge, DateTimeOffset at, double mm) =>
        new(Registry.TryGet(gauge, out Station? s) ? s : throw new ArgumentException(gauge), at, null, new Dictionary<string, double> { ["rain_mm"] = mm });

    /// <summary>Every 10 minutes from <paramref name="from"/> (exclusive) to <paramref name="to"/>: the gauge's rain per sample.</summary>
    private static IEnumerable<Reading> Every10(string gauge, DateTimeOffset from, DateTimeOffset to, Func<DateTimeOffset, double> mm)
    {
        for (DateTimeOffset at = from.AddMinutes(10); at <= to; at = at.AddMinutes(10))
        {
            yield return Rain(gauge, at, mm(at));
        }
    }

    private static List<AlertChange> Feed(AlertEngine engine, IEnumerable<Reading> readings, DateTimeOffset? wall = null) =>
        readings.SelectMany(r => engine.Process(r, wall ?? DateTimeOffset.MaxValue).Changes).ToList();

    [Fact]
    public void HistoryNeeded_CoversTheAntecedentDays_SoTheStartUpRefillReadsThem()
    {
        // The unit counts 3 antecedent days before an event of up to 4 days; the rules' own windows are 0. The start-up
        // refill from InfluxDB reads this span: with only the rules' windows (at least a day) the antecedent rain was
        // missing after every restart.
        string level = "      - severity: yellow\n        when: { geohazard: { combined: { rain_mm: 20, intensity_mm_h: 10 }, rain: effective } }";
        Assert.Equal(TimeSpan.FromDays(3 + GeohazardCondition.HistoryDays) + AlertEngine.GeohazardRewriteWindow, Engine(Rule("span", level)).HistoryNeeded); // and a day to rewrite late rain's hours
        Assert.Equal(TimeSpan.FromDays(1), new AlertEngine(RuleSet.Empty, Registry, TimeSpan.FromHours(1), AbsenceClock.Watermark, T).HistoryNeeded);
    }

    [Fact]
    public void Curve_TwoHoursOfSixMmAnHour_ReachesYellowButNotOrange()
    {
        // 1 mm per 10 min from 00:10 to 02:00: R = 12 mm, D = 2 h, I = 6 mm/h. Curve I = 10·D^-0.5 = 7.071 at 2 h:
        // blue (0.6) 4.243, yellow (0.8) 5.657, orange (1.0) 7.071.
        string levels = string.Join('\n', new[] { ("blue", 0.6), ("yellow", 0.8), ("orange", 1.0) }.Select(l =>
            $"      - severity: {l.Item1}\n        when: {{ geohazard: {{ curve: {{ a: 10, b: -0.5 }}, fraction: {l.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture)} }} }}"));
        AlertEngine engine = Engine(Rule("curve", levels));

        List<AlertChange> changes = Feed(engine, Every10("g1", T, T.AddHours(2), _ => 1));

        // I stays 6 mm/h (the event starts at 00:00); blue when 6·D^-0.5 ≤ 6 (D = 1 h, 01:00), yellow when 8·D^-0.5 ≤ 6
        // (D ≥ 1.78 h: 01:50, D = 11/6 h), orange would need D ≥ 2.78 h.
        Assert.Equal([(Transition.Raised, Severity.Blue), (Transition.Escalated, Severity.Yellow)], changes.Select(c => (c.Transition, c.Alert.Severity)));
        Assert.Equal([T.AddHours(1), T.AddMinutes(110)], changes.Select(c => c.Alert.UpdatedAt));
        Assert.Equal(6, changes[0].Alert.Threshold!.Value, 9);
        Alert yellow = changes[1].Alert;
        Assert.Equal(6, yellow.Value!.Value, 9);
        Assert.Equal(0.8 * 10 / Math.Sqrt(11.0 / 6), yellow.Threshold!.Value, 9);
        Assert.All(changes, c => Assert.Equal("gully-df", c.Station.Id));
        Assert.Contains("effective 11.0, event 11.0, antecedent 0.0, D 1.8 h, I 6.0, Imax 6.0", yellow.MessageEn, StringComparison.Ordinal);
    }

    [Fact]
    public void Combined_EventCrossesOnlyThroughAntecedentRain_EffectiveRaisesEventAloneNeverDoes()
    {
        // 00:10-01:00: 10 mm per 10 min (60 mm); dry until 12:00 (11 h > the 6 h dry gap: that event is over);
        // 12:10-13:00: 5 mm per 10 min. At 13:00: R = 30 mm, I_max = 30 mm/h, event start 12:00,
        // P_a = 0.8 × 60 = 48 mm (day 1 before 12:00), R_e = 78 mm.
        string Combined(string rain, double r0) =>
            $"      - severity: orange\n        when: {{ geohazard: {{ combined: {{ rain_mm: {r0}, intensity_mm_h: 25 }}, rain: {rain} }} }}";
        AlertEngine engine = Engine(Rule("with-antecedent", Combined("effective", 70)) + "\n" + Rule("event-only", Combined("event", 70)) + "\n" + Rule("never", Combined("effective", 100)));

        List<AlertChange> changes = Feed(engine, Every10("g1", T, T.AddHours(13), at =>
            at <= T.AddHours(1) ? 10 : at > T.AddHours(12) ? 5 : 0));

        AlertChange raised = Assert.Single(changes);
        Assert.Equal(("with-antecedent", Transition.Raised), (raised.Rule.Id, raised.Transition));
        Assert.Equal(T.AddHours(12).AddMinutes(50), raised.Alert.RaisedAt); // 25 mm/h of I_max is reached at 12:50 (R_e = 48 + 25 = 73)
        Assert.Equal(73, raised.Alert.Value!.Value, 9);
        Assert.Equal(70, raised.Alert.Threshold!.Value, 9);
        Assert.Contains("effective 73.0, event 25.0, antecedent 48.0", raised.Alert.MessageEn, StringComparison.Ordinal);
    }

    [Fact]
    public void Combined_TwoGauges_TheWetterGaugeCountsAndIsNamed()
    {
        string level = "      - severity: red\n        when: { geohazard: { combined: { rain_mm: 50, intensity_mm_h: 30 }, rain: event } }";
        AlertEngine engine = Engine(Rule("two", level));
        IEnumerable<Reading> both = Every10("g1", T, T.AddHours(2), _ => 1)
            .Zip(Every10("g2", T, T.AddHours(2), _ => 5), (a, b) => new[] { a, b }).SelectMany(x => x);

        List<AlertChange> changes = Feed(engine, both);

        AlertChange raised = Assert.Single(changes);
        Assert.Equal(T.AddMinutes(100), raised.Alert.RaisedAt); // g2: 50 mm by 01:40, 30 mm/h since 01:00; g1 never
        Assert.Contains("at Gauge two", raised.Alert.MessageEn, StringComparison.Ordinal);
        Assert.Same(Registry.HazardUnit("gully-df"), raised.Unit);
    }

    [Fact]
    public void SilentGauge_DuringAWarning_LostContactForTheUnit()
    {
        string level = "      - severity: red\n        when: { geohazard: { combined: { rain_mm: 20, intensity_mm_h: 10 }, rain: event } }";
        AlertEngine engine = Engine(Rule("silent", level, "    stale_after: 30m\n    lost_contact: true"));

        // Both gauges rain 5 mm per 10 min for an hour (red at 00:40); then g2 stops while g1 goes on.
        IEnumerable<Reading> readings = Enumerable.Range(1, 18).SelectMany(i => i <= 6
            ? new Reading[] { Rain("g1", T.AddMinutes(10 * i), 5), Rain("g2", T.AddMinutes(10 * i), 5) }
            : [Rain("g1", T.AddMinutes(10 * i), 5)]);
        List<AlertChange> changes = Feed(engine, readings);

        Assert.Equal([Transition.Raised, Transition.LostContact], changes.Select(c => c.Transition));
        Assert.Equal(T.AddHours(1), changes[1].Alert.StaleSince); // g2's last data
        Assert.Equal(Severity.Red, changes[1].Alert.Severity);
    }

    [Fact]
    public void LateBacklog_RaisesNoLiveAlarm_OnlyALateNotice()
    {
        string level = "      - severity: red\n        when: { geohazard: { combined: { rain_mm: 20, intensity_mm_h: 10 }, rain: event } }";
        AlertEngine engine = Engine(Rule("late", level), AbsenceClock.WallClock);

        // 2023 rain arriving in 2026: late by the wall clock.
        List<AlertChange> changes = Feed(engine, Every10("g1", T, T.AddHours(2), _ => 5), wall: new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero));

        AlertChange late = Assert.Single(changes);
        Assert.Equal(Transition.Late, late.Transition);
        Assert.Equal(AlertStatus.Resolved, late.Alert.Status);
        Assert.Empty(engine.Active);
    }

    [Fact]
    public void Cap_UnitAlert_CategoryGeoWithTheUnitPolygonAndValidAgainstTheOfficialSchema()
    {
        string level = "      - severity: red\n        when: { geohazard: { combined: { rain_mm: 20, intensity_mm_h: 10 }, rain: event } }";
        AlertEngine engine = Engine(Rule("cap", level));
        AlertChange raised = Feed(engine, Every10("g1", T, T.AddHours(1), _ => 5)).First();

        string xml = CapWriter.Write(raised, new CapOptions(), new DashboardOptions(), T.AddHours(1), null);

        var schemas = new XmlSchemaSet();
        schemas.Add(CapWriter.Namespace, Path.Combine(AppContext.BaseDirectory, "Data", "CAP-v1.2.xsd"));
        var errors = new List<string>();
        XDocument doc = XDocument.Parse(xml);
        doc.Validate(schemas, (_, e) => errors.Add(e.Message));
        Assert.Empty(errors);
        XNamespace cap = CapWriter.Namespace;
        XElement info = doc.Root!.Elements(cap + "info").First();
        Assert.Equal("Geo", info.Element(cap + "category")!.Value);
        Assert.Equal("39.96,116.05 39.96,116.09 39.93,116.09 39.96,116.05", info.Element(cap + "area")!.Element(cap + "polygon")!.Value);
        Assert.Null(info.Element(cap + "area")!.Element(cap + "circle"));
    }

    [Fact]
    public void HourlyFigures_OncePerUnitAndHour_FromTheWettestGauge_AsGeohazardLines()
    {
        AlertEngine engine = Engine(Rule("hourly", "      - severity: red\n        when: { geohazard: { combined: { rain_mm: 500, intensity_mm_h: 100 } } }"));
        IEnumerable<Reading> both = Every10("g1", T, T.AddHours(2), _ => 1)
            .Zip(Every10("g2", T, T.AddHours(2), _ => 2), (a, b) => new[] { a, b }).SelectMany(x => x);

        List<GeohazardHour> hours = both.SelectMany(r => engine.Process(r, DateTimeOffset.MaxValue).Geohazard).ToList();

        // 00:10 opens hour 00:00 (no rain yet), 01:00 and 02:00 the next ones; g2 rains twice as hard.
        Assert.Equal([T, T.AddHours(1), T.AddHours(2)], hours.Select(h => h.At));
        GeohazardHour one = hours[1];
        Assert.Equal("g2", one.Gauge.Id);
        Assert.Equal(12, one.Rainfall.EventRainMm, 9); // 6 × 2 mm by 01:00 (g2's 01:00 sample is in: it follows g1's)
        Assert.Equal(
            "geohazard,hazard=debris-flow,site=gully,unit=gully-df antecedent_mm=0,duration_h=1,effective_rain_mm=12,event_rain_mm=12,event_start=1690675200i,gauge=\"g2\",in_event=true,max_hourly_mm_h=12,mean_intensity_mm_h=12 1690678800000000000",
            AlertHistory.Line(one));
    }

    /// <summary>Issue 15: rain arriving behind an hour already stored rewrites the stored hours it counts in (before, they kept the old figures).</summary>
    [Fact]
    public void LateRain_RewritesTheStoredHoursItCountsIn_FromItsHourOn()
    {
        AlertEngine engine = Engine(Rule("hourly", "      - severity: red\n        when: { geohazard: { combined: { rain_mm: 500, intensity_mm_h: 100 } } }"));
        List<GeohazardHour> stored = Every10("g1", T, T.AddHours(3), _ => 1).SelectMany(r => engine.Process(r, DateTimeOffset.MaxValue).Geohazard).ToList();
        Assert.Equal([T, T.AddHours(1), T.AddHours(2), T.AddHours(3)], stored.Select(h => h.At));
        Assert.Equal(12, stored[2].Rainfall.EventRainMm, 9); // g1 alone: 12 × 1 mm by 02:00

        // g2's 30 mm at 01:30 arrives after 03:00 was stored (1.5 h behind the watermark: late, no live alarm).
        EngineOutput late = engine.Process(Rain("g2", T.AddMinutes(90), 30), DateTimeOffset.MaxValue);

        Assert.DoesNotContain(late.Changes, c => c.Transition == Transition.Raised);
        Assert.Equal([T.AddHours(2), T.AddHours(3)], late.Geohazard.Select(h => h.At)); // 00:00 and 01:00 do not hold it
        Assert.All(late.Geohazard, h => Assert.Equal(("g2", 30.0), (h.Gauge.Id, h.Rainfall.EventRainMm))); // now the wettest gauge
        Assert.Equal(
            "geohazard,hazard=debris-flow,site=gully,unit=gully-df antecedent_mm=0,duration_h=0.16666666666666666,effective_rain_mm=30,event_rain_mm=30,event_start=1690680000i,gauge=\"g2\",in_event=true,max_hourly_mm_h=30,mean_intensity_mm_h=180 1690682400000000000",
            AlertHistory.Line(late.Geohazard[0])); // the same series and time as the stored hour: InfluxDB replaces it

        // A dry late sample changes nothing worth rewriting.
        Assert.Empty(engine.Process(Rain("g2", T.AddMinutes(100), 0), DateTimeOffset.MaxValue).Geohazard);
    }

    [Fact]
    public void Registry_BadUnit_NamesFileLineAndField()
    {
        string bad = RegistryYaml.Replace("gauges: [g1, g2]", "gauges: [g1, nowhere]", StringComparison.Ordinal)
            .Replace("[39.93, 116.09], [39.96, 116.05]]", "[39.93, 116.09], [39.95, 116.05]]", StringComparison.Ordinal);

        RegistryException ex = Assert.Throws<RegistryException>(() => StationRegistryLoader.Load(bad, "bad.yaml"));

        Assert.Contains(ex.Errors, e => e.File == "bad.yaml" && e.Line == 14 && e.Field == "hazard_units[0](gully-df).gauges" && e.Message.Contains("unknown station 'nowhere'", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Field == "hazard_units[0](gully-df).area.polygon" && e.Message.Contains("closed", StringComparison.Ordinal));
    }

    [Fact]
    public void Rules_GeohazardConditionInAStationRule_Refused()
    {
        string yaml = """
            rules:
              - id: wrong
                name: { zh: 错, en: Wrong }
                audience: emergency
                category: Geo
                watch: { kinds: [weather] }
                levels:
                  - severity: red
                    when: { geohazard: { curve: { a: 14.82, b: -0.39 } } }
                message: { zh: "x", en: "x" }
            """;

        RuleFileException ex = Assert.Throws<RuleFileException>(() => RuleLoader.Load([(yaml, "wrong.yaml")], Registry));

        ConfigFileError error = Assert.Single(ex.Errors);
        Assert.Equal(("wrong.yaml", 9, "rules[0](wrong).levels[0].when.geohazard"), (error.File, error.Line, error.Field));
    }
}
