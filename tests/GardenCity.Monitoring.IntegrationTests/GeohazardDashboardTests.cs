using System.Globalization;
using System.Net;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 15: the geohazard API and the dashboard's geohazard panel, on a storm published by the gauges themselves
/// through the real pipeline (MQTT → ingestion, alerting → influxd): the hourly <c>geohazard</c> points the alerting
/// worker stores, the debris-flow alert it raises, and what the API and a person in headless Chromium see of them.
/// </summary>
public sealed class GeohazardDashboardTests(ServersFixture servers)
{
    private static readonly DateTimeOffset T0 = new(2023, 7, 29, 0, 0, 0, TimeSpan.FromHours(8));

    /// <summary>
    /// The Heihe gully gauge hhg-wl-01, every 10 min from 07-29 00:00 (Beijing): 2 h dry, 20 h of 2 mm (12 mm/h, 240 mm),
    /// 1 h of 14 mm (84 mm/h), 3 h dry; Mentougou's weather station mtg-wx-01 (the gully's other gauge) dry throughout.
    /// </summary>
    private static double HeiheRain(int i) => i switch { < 12 => 0, < 132 => 2, < 138 => 14, _ => 0 };

    private const int Samples = 156;

    [Fact]
    public async Task GeohazardApiAndPanel_StoredStorm_ShowTheLevelTheFiguresAndTheEventPathAgainstTheLines_AtDesktopAnd400px()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using GardenCityRun run = GardenCityRun.Create(servers, "geo").WithEmbeddedBroker();
        using GardenCityProcess process = await run.StartAsync();
        using HttpClient http = run.ApiClient();
        await PublishStormAsync(run.BrokerPort);

        // Stored by the alerting worker: an hourly point from 07-29 00:00 up to 07-30 01:00 (the last hour the data passed).
        await InfluxServer.WaitUntilAsync(async () => (await GetAsync(http, "/api/v1/geohazard/units")).Body.EnumerateArray()
                .Any(u => u.GetProperty("id").GetString() == "heihe-gully-df" && u.GetProperty("figures").ValueKind == JsonValueKind.Object
                    && u.GetProperty("figures").GetProperty("at").GetDateTimeOffset() == T0.AddHours(25) && u.GetProperty("level").GetString() == "red"),
            TimeSpan.FromSeconds(120), () => "the storm's last geohazard hour (07-30 01:00) or the red debris-flow alert did not arrive\n" + process.Output[^Math.Min(3000, process.Output.Length)..], ct);

        // The list: hand-computed figures of the last hour. Event: the first wet sample at 02:00, the sample before it
        // 10 min earlier → start 01:50; last wet 22:50 → D = 21 h; R = 120 × 2 + 6 × 14 = 324 mm; R/D = 15.4 mm/h;
        // I_max = 6 × 14 = 84 mm/h; no rain before: P_a = 0, effective 324 mm ≥ 1.2 × 220 with 84 ≥ 1.2 × 60: red.
        var (status, units) = await GetAsync(http, "/api/v1/geohazard/units");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["heihe-gully-df", "wangping-slope-ls", "zhongmensi-gully-df"], units.EnumerateArray().Select(u => u.GetProperty("id").GetString()));
        JsonElement heihe = units[0];
        Assert.Equal(("debris-flow", "黑河沟泥石流沟", "heihe-gully"), (heihe.GetProperty("kind").GetString(), heihe.GetProperty("name_zh").GetString(), heihe.GetProperty("site").GetString()));
        Assert.Equal(["hhg-wl-01", "mtg-wx-01"], heihe.GetProperty("gauges").EnumerateArray().Select(g => g.GetProperty("id").GetString()));
        JsonElement f = heihe.GetProperty("figures");
        Assert.Equal("hhg-wl-01", f.GetProperty("gauge").GetString());
        Assert.True(f.GetProperty("in_event").GetBoolean());
        Assert.Equal(T0.AddHours(1).AddMinutes(50), f.GetProperty("event_start").GetDateTimeOffset());
        Assert.Equal((324.0, 21.0, 15.4, 84.0, 0.0, 324.0), (f.GetProperty("event_rain_mm").GetDouble(), f.GetProperty("duration_h").GetDouble(), f.GetProperty("mean_intensity_mm_h").GetDouble(),
            f.GetProperty("max_hourly_mm_h").GetDouble(), f.GetProperty("antecedent_mm").GetDouble(), f.GetProperty("effective_rain_mm").GetDouble()));
        JsonElement rule = Assert.Single(heihe.GetProperty("thresholds").EnumerateArray());
        Assert.Equal(("debris-flow-rain", "combined", "effective", "red"), (rule.GetProperty("rule").GetString(), rule.GetProperty("form").GetString(), rule.GetProperty("rain").GetString(), rule.GetProperty("reached").GetString()));
        Assert.Equal([(0.6, 220.0, 60.0), (0.8, 220.0, 60.0), (1.0, 220.0, 60.0), (1.2, 220.0, 60.0)],
            rule.GetProperty("levels").EnumerateArray().Select(l => (l.GetProperty("fraction").GetDouble(), l.GetProperty("rain_mm").GetDouble(), l.GetProperty("intensity_mm_h").GetDouble())));
        var (_, active) = await GetAsync(http, "/api/v1/alerts/active");
        JsonElement alert = Assert.Single(active.EnumerateArray(), a => a.GetProperty("station_id").GetString() == "heihe-gully-df"); // a hazard unit's alert is in force like a station's
        Assert.Equal(("debris-flow-rain", "red"), (alert.GetProperty("rule_id").GetString(), alert.GetProperty("severity").GetString()));
        Assert.Equal([alert.GetProperty("alert_id").GetString()], heihe.GetProperty("alerts").EnumerateArray().Select(a => a.GetString()));
        Assert.False(units[2].GetProperty("figures").GetProperty("in_event").GetBoolean()); // Zhongmensi: its gauges were dry
        Assert.Equal("none", units[2].GetProperty("level").GetString());
        Assert.Equal(JsonValueKind.Null, units[1].GetProperty("figures").ValueKind); // Wangping: its gauge never sent
        Assert.Equal(("curve", -0.39), (units[1].GetProperty("thresholds")[0].GetProperty("form").GetString(), units[1].GetProperty("thresholds")[0].GetProperty("levels")[0].GetProperty("b").GetDouble()));

        // One unit: the path from the stored hours. The hour 02:00 holds the first 2 mm (D = 10 min); at 22:00 the burst's
        // first 14 mm: R = 254, I_max = 5 × 2 + 14 = 24; from 23:00 on R = 324, I_max = 84 (red).
        string period = "from=2023-07-29T00:00:00%2B08:00&to=2023-07-30T03:00:00%2B08:00";
        var (_, one) = await GetAsync(http, $"/api/v1/geohazard/units/heihe-gully-df?{period}");
        Assert.Equal(26, one.GetProperty("points").GetArrayLength()); // 07-29 00:00 … 07-30 01:00
        JsonElement plane = one.GetProperty("thresholds")[0];
        Assert.Equal(("effective_rain_mm", false, "max_hourly_mm_h"), (plane.GetProperty("x").GetProperty("name").GetString(), plane.GetProperty("x").GetProperty("log").GetBoolean(), plane.GetProperty("y").GetProperty("name").GetString()));
        JsonElement[] path = [.. plane.GetProperty("path").EnumerateArray()];
        Assert.Equal(24, path.Length); // 02:00 … 01:00, in the event
        Assert.Equal((T0.AddHours(2), 2.0, 2.0), (path[0].GetProperty("time").GetDateTimeOffset(), path[0].GetProperty("x").GetDouble(), path[0].GetProperty("y").GetDouble()));
        JsonElement at22 = path.Single(p => p.GetProperty("time").GetDateTimeOffset() == T0.AddHours(22));
        Assert.Equal((254.0, 24.0, "none"), (at22.GetProperty("x").GetDouble(), at22.GetProperty("y").GetDouble(), at22.GetProperty("reached").GetString())); // 254 ≥ 0.6 × 220, but 24 < 0.6 × 60
        Assert.All(path.Where(p => p.GetProperty("time").GetDateTimeOffset() >= T0.AddHours(23)), p => Assert.Equal((324.0, 84.0, "red"), (p.GetProperty("x").GetDouble(), p.GetProperty("y").GetDouble(), p.GetProperty("reached").GetString())));
        Assert.Equal(["264,720", "264,72", "2640,72"], Points(plane.GetProperty("lines")[3].GetProperty("points"))); // red: f = 1.2 of 220 mm and 60 mm/h

        // Mistakes answer problems naming what was wrong.
        var (missing, problem) = await GetAsync(http, "/api/v1/geohazard/units/no-such-gully");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains("no-such-gully", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        var (bad, badProblem) = await GetAsync(http, "/api/v1/geohazard/units/heihe-gully-df?from=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("from", badProblem.GetProperty("parameter").GetString());

        // The panel, as a person sees it.
        string shots = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(shots);
        string screenshot = Path.Combine(shots, "geohazard.png");
        string browser = Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "browser");
        using Repo.NodeProcess node = Repo.StartNode(browser, ["geohazard-check.mjs", $"{http.BaseAddress}?{period}", screenshot, "60000"]);
        JsonElement desktop = await node.NextAsync("desktop", TimeSpan.FromSeconds(150));
        Assert.Equal("heihe-gully-df", desktop.GetProperty("unit").GetString()); // the worst level first
        JsonElement[] listed = [.. desktop.GetProperty("units").EnumerateArray()];
        Assert.Equal(["heihe-gully-df:red", "wangping-slope-ls:none", "zhongmensi-gully-df:none"], listed.Select(u => u.GetProperty("id").GetString() + ":" + u.GetProperty("level").GetString()));
        Assert.Equal(("红色预警", "rgb(209, 31, 31)", "rgb(209, 31, 31)"), (listed[0].GetProperty("badge").GetString(), listed[0].GetProperty("badgeColor").GetString(), listed[0].GetProperty("border").GetString()));
        Assert.Equal("无预警", listed[2].GetProperty("badge").GetString());
        Assert.Contains("有效降雨 324.0 毫米", listed[0].GetProperty("figures").GetString(), StringComparison.Ordinal);
        Assert.Contains("7/30 01:00", listed[0].GetProperty("figures").GetString()?.Replace("2023/", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("北京时间", listed[0].GetProperty("figures").GetString(), StringComparison.Ordinal);
        Assert.Contains("尚无存储", listed[1].GetProperty("figures").GetString(), StringComparison.Ordinal);
        JsonElement chart = desktop.GetProperty("chart");
        Assert.Equal(("linear", "有效降雨 Pa + R（毫米）"), (chart.GetProperty("x").GetProperty("type").GetString(), chart.GetProperty("x").GetProperty("title").GetString()));
        Assert.Equal("最大 60 分钟雨强（毫米/小时）", chart.GetProperty("y").GetProperty("title").GetString());
        JsonElement[] sets = [.. chart.GetProperty("datasets").EnumerateArray()];
        Assert.Equal(5, sets.Length); // four colours' lines and the event's path
        Assert.Equal(["#1f6fd1", "#e6b800", "#f07c00", "#d11f1f"], sets[..4].Select(s => s.GetProperty("color").GetString()));
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(Points(plane.GetProperty("lines")[i].GetProperty("points")), Points(sets[i].GetProperty("points")));
        }

        Assert.Equal(path.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.GetProperty("x").GetDouble()},{p.GetProperty("y").GetDouble()}")), Points(sets[4].GetProperty("points")));
        Assert.True(chart.GetProperty("x").GetProperty("max").GetDouble() >= 324 && chart.GetProperty("y").GetProperty("max").GetDouble() >= 84, chart.ToString()); // the path is on the chart

        // The landslide unit: the intensity–duration plane, log axes said on the chart, the curve's four colours.
        JsonElement landslide = await node.NextAsync("landslide", TimeSpan.FromSeconds(60));
        JsonElement lchart = landslide.GetProperty("chart");
        Assert.Equal(("logarithmic", "logarithmic"), (lchart.GetProperty("x").GetProperty("type").GetString(), lchart.GetProperty("y").GetProperty("type").GetString()));
        Assert.Equal("历时 D（小时，对数坐标）", lchart.GetProperty("x").GetProperty("title").GetString());
        Assert.Contains("对数坐标", lchart.GetProperty("y").GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, lchart.GetProperty("datasets").GetArrayLength()); // no rain at Wangping: no path
        var (_, wangping) = await GetAsync(http, $"/api/v1/geohazard/units/wangping-slope-ls?{period}");
        Assert.Equal(Points(wangping.GetProperty("thresholds")[0].GetProperty("lines")[2].GetProperty("points")), Points(lchart.GetProperty("datasets")[2].GetProperty("points")));
        Assert.Contains("14.82", landslide.GetProperty("note").GetString(), StringComparison.Ordinal);

        JsonElement english = await node.NextAsync("english", TimeSpan.FromSeconds(60));
        Assert.Equal("red warning", english.GetProperty("units")[0].GetProperty("badge").GetString());
        Assert.Equal("effective rainfall Pa + R (mm)", english.GetProperty("chart").GetProperty("x").GetProperty("title").GetString());
        Assert.Contains("effective 324.0 mm", english.GetProperty("units")[0].GetProperty("figures").GetString(), StringComparison.Ordinal);

        // 400 px: nothing sticks out or is cut off; the chart fits.
        JsonElement narrow = await node.NextAsync("narrow", TimeSpan.FromSeconds(90));
        Assert.True(narrow.GetProperty("scrollWidth").GetInt32() <= 400, narrow.ToString());
        Assert.Empty(narrow.GetProperty("outside").EnumerateArray());
        Assert.Empty(narrow.GetProperty("cut").EnumerateArray());
        Assert.InRange(narrow.GetProperty("chart").GetProperty("width").GetDouble(), 200, 400);
        Assert.Equal(3, narrow.GetProperty("units").GetArrayLength());
        Assert.Empty((await node.NextAsync("done", TimeSpan.FromSeconds(30))).GetProperty("errors").EnumerateArray());
        TestContext.Current.AddAttachment("geohazard panel", screenshot);
        TestContext.Current.AddAttachment("geohazard panel at 400 px", screenshot.Replace(".png", "-400.png", StringComparison.Ordinal));
        await process.TerminateAsync();
    }

    private static string[] Points(JsonElement points) =>
        [.. points.EnumerateArray().Select(p => string.Create(CultureInfo.InvariantCulture, $"{p[0].GetDouble()},{p[1].GetDouble()}"))];

    private static async Task PublishStormAsync(int port)
    {
        await using TestPublisher gauge = await TestPublisher.ConnectAsync(port, "hhg-wl-01", "hhg-wl-01", "gc-dev-hhg-wl-01");
        await using TestPublisher weather = await TestPublisher.ConnectAsync(port, "mtg-wx-01", "mtg-wx-01", "gc-dev-mtg-wx-01");
        for (int i = 0; i < Samples; i++)
        {
            string ts = T0.AddMinutes(10 * i).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            await gauge.PublishAsync("gc/v1/water-level/hhg-wl-01/telemetry", JsonSerializer.Serialize(new { ts, seq = i + 1, values = new { water_level_m = 0.4, rain_mm = HeiheRain(i) } }));
            await weather.PublishAsync("gc/v1/weather/mtg-wx-01/telemetry", JsonSerializer.Serialize(new { ts, seq = i + 1, values = new { rain_mm = 0.0 } }));
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
