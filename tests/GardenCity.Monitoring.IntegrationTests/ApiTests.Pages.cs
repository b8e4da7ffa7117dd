using System.Globalization;
using System.Net;
using System.Text.Json;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>Issue 14: the dashboard's station page and alert pages, in headless Chromium (browser/pages-check.mjs).</summary>
public sealed partial class ApiTests
{
    /// <summary>
    /// As a person uses them, at desktop width and 400 px: the station page opened by clicking a gauge on the map (values
    /// with units, battery, RSSI, last seen in Beijing time, sparklines with the spike flagged); the alert list filtered by
    /// audience, watershed and severity; an alert opened from the link the duty-room messages and CAP give
    /// (<see cref="DutyMessages.Link"/>), with raised time, duration, peak, its timeline and its (absent) deliveries;
    /// acknowledged with the responder key typed in once, after the page's reader key was refused.
    /// </summary>
    [Fact]
    public async Task Dashboard_StationAndAlertPages_AsAPersonUsesThem_AtDesktopAnd400px()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using (TestPublisher fire = await TestPublisher.ConnectAsync(BrokerPort, "mfs-fire-01", "mfs-fire-01", "gc-dev-mfs-fire-01"))
        {
            await fire.PublishAsync("gc/v1/fire/mfs-fire-01/event", """{"ts":"2024-10-02T16:30:00Z","seq":999001,"event_id":"pages-flame-1","detection":"flame","confidence":0.93}""");
        }

        JsonElement alert = default;
        await InfluxServer.WaitUntilAsync(async () =>
        {
            alert = (await GetAsync("/api/v1/alerts/active")).Body.EnumerateArray().FirstOrDefault(a => a.GetProperty("alert_id").GetString()!.StartsWith("fire-detection.mfs-fire-01.", StringComparison.Ordinal));
            return alert.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(30), () => "the flame raised no alert", ct);
        string id = alert.GetProperty("alert_id").GetString()!;
        AlertNotification notification = alert.Deserialize<AlertNotification>(AlertNotification.Json)!;
        string link = new DutyMessages(new DutyOptions(), new DashboardOptions { BaseUrl = Http.BaseAddress!.ToString() }, null).Link(notification);
        var (_, deliveries) = await GetAsync($"/api/v1/alerts/{Uri.EscapeDataString(id)}/deliveries");
        Assert.Equal(0, deliveries.GetArrayLength()); // no duty channel in this process: the page must say so

        string shots = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(shots);
        string screenshot = Path.Combine(shots, "dashboard-pages.png");
        string browser = Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "browser");
        using Repo.NodeProcess node = Repo.StartNode(browser, ["pages-check.mjs", Http.BaseAddress.ToString(), ReaderKey, ResponderKey, link, screenshot, "60000"]);

        // The station page: what the API knows of the gauge, as a person reads it.
        var (_, gauge) = await GetAsync("/api/v1/stations/zt-wl-01");
        JsonElement station = await node.NextAsync("station", TimeSpan.FromSeconds(120));
        Assert.Equal("#station=zt-wl-01", station.GetProperty("hash").GetString());
        Assert.Equal(gauge.GetProperty("name_zh").GetString(), station.GetProperty("name").GetString());
        Assert.Contains("北京时间", station.GetProperty("lastSeenLabel").GetString(), StringComparison.Ordinal);
        Assert.Equal(Beijing(gauge.GetProperty("last_seen").GetDateTimeOffset()), station.GetProperty("lastSeen").GetString());
        Assert.Equal(gauge.GetProperty("battery_v").GetDouble().ToString(CultureInfo.InvariantCulture) + " V", station.GetProperty("battery").GetString());
        Assert.Equal(gauge.GetProperty("rssi_dbm").GetDouble().ToString(CultureInfo.InvariantCulture) + " dBm", station.GetProperty("rssi").GetString());
        JsonElement level = station.GetProperty("values").EnumerateArray().Single(v => v.GetProperty("field").GetString() == "water_level_m");
        Assert.Equal("水位", level.GetProperty("label").GetString());
        Assert.Equal(gauge.GetProperty("latest").GetProperty("water_level_m").GetDouble().ToString(CultureInfo.InvariantCulture) + " m", level.GetProperty("value").GetString());
        Assert.Contains("1 错误", level.GetProperty("quality").GetString(), StringComparison.Ordinal); // the spike of the fixture, in the period
        JsonElement sparks = station.GetProperty("sparks");
        Assert.True(sparks.GetProperty("water_level_m").GetProperty("points").GetInt32() > 100, sparks.ToString());
        Assert.Equal(1, sparks.GetProperty("water_level_m").GetProperty("bad").GetInt32());
        Assert.True(sparks.GetProperty("battery_v").GetProperty("points").GetInt32() > 0, sparks.ToString());
        Assert.True(sparks.GetProperty("rssi_dbm").GetProperty("points").GetInt32() > 0, sparks.ToString());

        // Filters: each shows exactly the alerts in force of that audience, watershed, or severity and above.
        var (_, active) = await GetAsync("/api/v1/alerts/active");
        var (_, stations) = await GetAsync("/api/v1/stations");
        Dictionary<string, string?> watershed = stations.EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("watershed").GetString());
        JsonElement filters = (await node.NextAsync("filters", TimeSpan.FromSeconds(60))).GetProperty("filters");
        string[] Shown(string filter) => [.. filters.GetProperty(filter).EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal)];
        string[] Expected(Func<JsonElement, bool> keep) => [.. active.EnumerateArray().Where(keep).Select(a => a.GetProperty("alert_id").GetString()!).Order(StringComparer.Ordinal)];
        string[] severities = ["info", "blue", "yellow", "orange", "red"];
        foreach (string audience in new[] { "emergency", "ecology", "maintenance" })
        {
            Assert.Equal(Expected(a => a.GetProperty("audience").GetString() == audience), Shown("audience=" + audience));
        }

        foreach (string shed in new[] { "yongding", "qingshui" })
        {
            Assert.Equal(Expected(a => watershed[a.GetProperty("station_id").GetString()!] == shed), Shown("watershed=" + shed));
        }

        foreach (string least in new[] { "orange", "red" })
        {
            Assert.Equal(Expected(a => Array.IndexOf(severities, a.GetProperty("severity").GetString()) >= Array.IndexOf(severities, least)), Shown("severity=" + least));
        }

        Assert.Equal(Expected(_ => true), Shown("all"));
        Assert.Contains(id, Shown("audience=emergency"));
        Assert.DoesNotContain(id, Shown("audience=ecology"));
        Assert.True(Shown("all").Length > Shown("audience=emergency").Length, "every alert in force is an emergency one: the audience filter is not shown to filter anything");

        // The alert from its link: its page, Beijing time, its timeline, no duty-room deliveries.
        JsonElement page = await node.NextAsync("link", TimeSpan.FromSeconds(60));
        Assert.Equal(id, page.GetProperty("id").GetString());
        Assert.False(page.GetProperty("hidden").GetBoolean());
        Assert.Equal("烟火识别", page.GetProperty("rule").GetString());
        Assert.Contains("北京时间", page.GetProperty("raisedLabel").GetString(), StringComparison.Ordinal);
        Assert.Equal(Beijing(alert.GetProperty("raised_at").GetDateTimeOffset()), page.GetProperty("raised").GetString());
        Assert.Matches(@"^(\d+天)?(\d+小时)?\d+分钟", page.GetProperty("duration").GetString()!);
        Assert.StartsWith("红色", page.GetProperty("peak").GetString(), StringComparison.Ordinal);
        Assert.Contains("时间线（北京时间）", page.GetProperty("timelineLabel").GetString(), StringComparison.Ordinal);
        Assert.Equal(["raised"], page.GetProperty("timeline").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("none", page.GetProperty("deliveries").GetString());
        Assert.True(page.GetProperty("keyInput").GetBoolean());

        // The reader key is refused, and the page says a responder key is needed.
        JsonElement refused = await node.NextAsync("refused", TimeSpan.FromSeconds(60));
        Assert.Contains("responder", refused.GetProperty("error").GetString(), StringComparison.Ordinal);

        // With the responder key typed once: acknowledged by its holder, in the timeline; kept for this tab only.
        JsonElement acked = await node.NextAsync("ack", TimeSpan.FromSeconds(60));
        Assert.Contains("responder-test", acked.GetProperty("acknowledged").GetString(), StringComparison.Ordinal);
        Assert.Equal(["raised", "acknowledged"], acked.GetProperty("timeline").EnumerateArray().Select(e => e.GetString()));
        Assert.False(acked.GetProperty("ackButton").GetBoolean());
        Assert.True(acked.GetProperty("kept").GetBoolean());
        Assert.Equal(ReaderKey, acked.GetProperty("stored").GetString()); // the responder key is not kept in the browser's storage
        var (_, after) = await GetAsync("/api/v1/alerts/active");
        Assert.Equal("responder-test", after.EnumerateArray().Single(a => a.GetProperty("alert_id").GetString() == id).GetProperty("acknowledged_by").GetString());

        // English, with the page's language button.
        JsonElement english = await node.NextAsync("english", TimeSpan.FromSeconds(30));
        Assert.Equal("raised (Beijing time)", english.GetProperty("raisedLabel").GetString());
        Assert.Equal("Timeline (Beijing time)", english.GetProperty("timelineLabel").GetString());
        Assert.Equal(["raised", "acknowledged"], english.GetProperty("steps").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["audience", "watershed", "severity"], english.GetProperty("filterLabels").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Smoke or flame detected", english.GetProperty("rule").GetString());

        // 400 px: the station page by its address and the alert page, nothing sticking out, the sparklines drawn.
        JsonElement narrow = await node.NextAsync("narrow", TimeSpan.FromSeconds(90));
        foreach (string part in new[] { "station", "alert" })
        {
            JsonElement p = narrow.GetProperty(part);
            Assert.True(p.GetProperty("scrollWidth").GetInt32() <= 400, p.ToString());
            Assert.Empty(p.GetProperty("outside").EnumerateArray());
        }

        Assert.True(narrow.GetProperty("station").GetProperty("sparks").GetProperty("water_level_m").GetProperty("height").GetDouble() > 10);
        Assert.Equal(["raised", "acknowledged"], narrow.GetProperty("alert").GetProperty("timeline").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty((await node.NextAsync("done", TimeSpan.FromSeconds(30))).GetProperty("errors").EnumerateArray());
        TestContext.Current.AddAttachment("alert page after acknowledging", screenshot);
        TestContext.Current.AddAttachment("station page at 400 px", screenshot.Replace(".png", "-station-400.png", StringComparison.Ordinal));
    }

    /// <summary>Issue 14: one alert's timeline, by its id, without a period (the id names when it was raised).</summary>
    [Fact]
    public async Task AlertHistory_ByAlertId_IsThatAlertsTimeline()
    {
        var (status, all) = await GetAsync("/api/v1/alerts/history?from=2024-10-01T00:00:00Z&to=2025-09-30T00:00:00Z");
        Assert.Equal(HttpStatusCode.OK, status);
        string? id = all.EnumerateArray().Select(r => r.GetProperty("alert_id").GetString()).FirstOrDefault();
        Assert.NotNull(id); // the leopard days raise alerts

        var (_, one) = await GetAsync($"/api/v1/alerts/history?alert={Uri.EscapeDataString(id)}");

        Assert.Equal(all.EnumerateArray().Count(r => r.GetProperty("alert_id").GetString() == id), one.GetArrayLength());
        Assert.All(one.EnumerateArray(), r => Assert.Equal(id, r.GetProperty("alert_id").GetString()));
        var (bad, problem) = await GetAsync("/api/v1/alerts/history?alert=x'%20OR%20'1'='1");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Equal("alert", problem.GetProperty("parameter").GetString());
    }

    private static string Beijing(DateTimeOffset t) => t.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy/M/d HH:mm:ss", CultureInfo.InvariantCulture);
}
