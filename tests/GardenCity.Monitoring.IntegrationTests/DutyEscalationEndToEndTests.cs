using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Escalation inside <c>gardencity run</c>, over real sockets: an unacknowledged red alert goes from the routes (a
/// station ranger by SMS) to tier 2 (the town duty officer by SMS) and tier 3 (the district's DingTalk group with an
/// @-mention), an acknowledgement through the API stops tier 4; a SIGKILL in the middle of an escalation skips no tier
/// and sends none twice; a broken escalation file stops the start with exit code 2 naming file:line:column and field.
/// </summary>
public sealed class DutyEscalationEndToEndTests(ServersFixture servers)
{
    private const string Station = "bhs-wx-01";
    private const string ResponderKey = "gck_test-responder-wang";

    private static string Policy(string tier2After, string tier3After, string tier4After) => $$"""
        policies:
          - id: red
            audiences: [emergency]
            min_severity: red
            tiers:
              - { name: 镇值班员, after: {{tier2After}}, channels: [sms], recipients: [town] }
              - { name: 区应急局, after: {{tier3After}}, channels: [ding-district], recipients: [leader] }
              - { name: 区领导, after: {{tier4After}}, channels: [sms], recipients: [director] }
        """;

    private static Dictionary<string, string> Settings(ServersFixture servers, string dir, int broker, int api, ChannelReceiver sms, ChannelReceiver ding) => new()
    {
        ["GardenCity:Roles"] = "ingest,alerting,api",
        ["GardenCity:Api:Url"] = $"http://127.0.0.1:{api}",
        ["GardenCity:Api:AnonymousRole"] = "Reader",
        ["GardenCity:Api:Keys:0:Name"] = "wang-duty",
        ["GardenCity:Api:Keys:0:Role"] = "Responder",
        ["GardenCity:Api:Keys:0:KeyHash"] = GardenCity.Monitoring.Api.Auth.ApiKeys.Hash(ResponderKey),
        ["GardenCity:Broker:Port"] = broker.ToString(CultureInfo.InvariantCulture),
        ["GardenCity:Influx:Url"] = servers.Influx.Url,
        ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
        ["GardenCity:Influx:Database"] = "e" + Path.GetFileName(dir).Replace("-", string.Empty, StringComparison.Ordinal)[^12..],
        ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dlq"),
        ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
        ["GardenCity:Alerting:RulesDirectory"] = Path.Combine(dir, "rules"),
        ["GardenCity:Alerting:StateDirectory"] = Path.Combine(dir, "alerting"),
        ["GardenCity:Alerting:AbsenceClock"] = "Watermark",
        ["GardenCity:Duty:Enabled"] = "true",
        ["GardenCity:Duty:EscalationFile"] = Path.Combine(dir, "escalation.yaml"),
        ["GardenCity:Duty:Channels:0:Name"] = "ding-district",
        ["GardenCity:Duty:Channels:0:Kind"] = "DingTalk",
        ["GardenCity:Duty:Channels:0:Url"] = ding.Url + "robot/send?access_token=t",
        ["GardenCity:Duty:Channels:1:Name"] = "sms",
        ["GardenCity:Duty:Channels:1:Kind"] = "Sms",
        ["GardenCity:Duty:Channels:1:Sms:Url"] = sms.Url + "send?to={mobile}",
        ["GardenCity:Duty:Recipients:0:Name"] = "ranger",
        ["GardenCity:Duty:Recipients:0:Mobile"] = "13800000001",
        ["GardenCity:Duty:Recipients:1:Name"] = "town",
        ["GardenCity:Duty:Recipients:1:Mobile"] = "13800000002",
        ["GardenCity:Duty:Recipients:2:Name"] = "leader",
        ["GardenCity:Duty:Recipients:2:Mobile"] = "13800000003",
        ["GardenCity:Duty:Recipients:3:Name"] = "director",
        ["GardenCity:Duty:Recipients:3:Mobile"] = "13800000004",
        ["GardenCity:Duty:Routes:0:Audiences:0"] = "Emergency",
        ["GardenCity:Duty:Routes:0:MinSeverity"] = "red",
        ["GardenCity:Duty:Routes:0:Channels:0"] = "sms",
        ["GardenCity:Duty:Routes:0:Recipients:0"] = "ranger",
    };

    /// <summary>
    /// What every test here starts from: a folder with the rain rule (and any other rule files) and the escalation
    /// file, an SMS gateway and a DingTalk robot on loopback, free ports for the broker and the API, and the settings.
    /// </summary>
    private sealed class Setup : IDisposable
    {
        private Setup(string dir, Dictionary<string, string> settings, ChannelReceiver sms, ChannelReceiver ding, int broker, int api) =>
            (Dir, Settings, Sms, Ding, Broker, Api) = (dir, settings, sms, ding, broker, api);

        public string Dir { get; }

        public Dictionary<string, string> Settings { get; }

        public ChannelReceiver Sms { get; }

        public ChannelReceiver Ding { get; }

        public int Broker { get; }

        public int Api { get; }

        public static async Task<Setup> CreateAsync(ServersFixture servers, string escalation, CancellationToken ct, params (string File, string Yaml)[] rules)
        {
            string dir = Directory.CreateTempSubdirectory("gc-escalation-").FullName;
            string folder = Directory.CreateDirectory(Path.Combine(dir, "rules")).FullName;
            await File.WriteAllTextAsync(Path.Combine(folder, "rain.yaml"), AlertingLifecycleTests.Rule(3), ct);
            foreach ((string file, string yaml) in rules)
            {
                await File.WriteAllTextAsync(Path.Combine(folder, file), yaml, ct);
            }

            await File.WriteAllTextAsync(Path.Combine(dir, "escalation.yaml"), escalation, ct);
            var sms = new ChannelReceiver("{\"code\":0}");
            var ding = new ChannelReceiver();
            int broker = ServerProcess.FreePort(), api = ServerProcess.FreePort();
            return new Setup(dir, Settings(servers, dir, broker, api, sms, ding), sms, ding, broker, api);
        }

        public Task<GardenCityProcess> StartAsync() => GardenCityProcess.StartAsync(Settings, ready: "Alerting connected to MQTT broker");

        public HttpClient Http() => new() { BaseAddress = new Uri($"http://127.0.0.1:{Api}") };

        public void Dispose()
        {
            Sms.Dispose();
            Ding.Dispose();
            ServerProcess.DeleteDirectory(Dir);
        }
    }

    private static async Task RaiseAsync(int broker)
    {
        await using TestPublisher station = await TestPublisher.ConnectAsync(broker, Station, Station, "gc-dev-" + Station);
        await station.PublishAsync($"gc/v1/weather/{Station}/telemetry", """{"ts":"2024-08-01T00:00:00Z","seq":1,"values":{"rain_mm":5}}""");
    }

    private static string[] SmsTo(ChannelReceiver sms) => sms.Accepted.Select(r => r.RawUrl.Split("to=")[1]).ToArray();

    private static async Task<JsonElement> GetAsync(HttpClient http, string path, CancellationToken ct) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri(path, UriKind.Relative), ct)).RootElement.Clone();

    [Fact]
    public async Task UnacknowledgedRedAlert_EscalatesThroughTwoTiers_AndAnAcknowledgementStopsTheThird()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using Setup setup = await Setup.CreateAsync(servers, Policy("2s", "2s", "5s"), ct);
        (ChannelReceiver sms, ChannelReceiver ding, int broker) = (setup.Sms, setup.Ding, setup.Broker);
        using GardenCityProcess process = await setup.StartAsync();
        Assert.Contains("Escalation policies loaded from", process.Output, StringComparison.Ordinal);
        await RaiseAsync(broker);

        // Tier 1 (the route: the ranger), tier 2 (the town duty officer) 2 s later, tier 3 (the district group) 2 s after that.
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(ding.Accepted.Count == 1), TimeSpan.FromSeconds(60), () => process.Output, ct);
        Assert.Equal(["13800000001", "13800000002"], SmsTo(sms));
        using (JsonDocument text = JsonDocument.Parse(sms.Accepted[1].Body))
        {
            Assert.StartsWith("【红色强降雨·第2级通知】百花山气象站", text.RootElement.GetProperty("content").GetString(), StringComparison.Ordinal);
        }

        using (JsonDocument body = JsonDocument.Parse(ding.Accepted[0].Body))
        {
            Assert.Contains("【升级通知·第 3 级·区应急局】", body.RootElement.GetProperty("markdown").GetProperty("text").GetString(), StringComparison.Ordinal);
            Assert.Equal(["13800000003"], body.RootElement.GetProperty("at").GetProperty("atMobiles").EnumerateArray().Select(e => e.GetString()));
        }

        using HttpClient http = setup.Http();
        string alertId = (await GetAsync(http, "/api/v1/alerts/active", ct))[0].GetProperty("alert_id").GetString()!;
        JsonElement escalation = await GetAsync(http, $"/api/v1/alerts/{alertId}/escalation", ct);
        Assert.Equal(("running", 3, 4), (escalation.GetProperty("state").GetString(), escalation.GetProperty("current_tier").GetInt32(), escalation.GetProperty("next_tier").GetInt32()));
        DateTimeOffset tier4Due = escalation.GetProperty("next_tier_due_at").GetDateTimeOffset();
        JsonElement running = (await GetAsync(http, "/api/v1/alerts/active", ct))[0].GetProperty("escalation");
        Assert.Equal(("running", 3, 4, "区领导", tier4Due), (running.GetProperty("state").GetString(), running.GetProperty("tier").GetInt32(), running.GetProperty("next_tier").GetInt32(),
            running.GetProperty("next_tier_name").GetString(), running.GetProperty("next_tier_due_at").GetDateTimeOffset()));

        using var ack = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/alerts/{alertId}/ack", UriKind.Relative)) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", ResponderKey) } };
        using HttpResponseMessage acked = await http.SendAsync(ack, ct);
        Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
        using (JsonDocument answer = JsonDocument.Parse(await acked.Content.ReadAsStringAsync(ct)))
        {
            // The answer and the alerts in force carry the escalation's brief: stopped at tier 3, who was told on it, by whom.
            JsonElement brief = answer.RootElement.GetProperty("escalation");
            Assert.Equal(("acknowledged", 3, 4, "区应急局", "wang-duty"), (brief.GetProperty("state").GetString(), brief.GetProperty("tier").GetInt32(), brief.GetProperty("tiers").GetInt32(),
                brief.GetProperty("tier_name").GetString(), brief.GetProperty("stopped_by").GetString()));
            Assert.Equal(["ding-district/@group"], brief.GetProperty("notified").EnumerateArray().Select(e => e.GetString()));
            Assert.False(brief.TryGetProperty("next_tier_due_at", out _));
        }

        JsonElement listed = (await GetAsync(http, "/api/v1/alerts/active", ct))[0].GetProperty("escalation");
        Assert.Equal(("acknowledged", 3, "wang-duty"), (listed.GetProperty("state").GetString(), listed.GetProperty("tier").GetInt32(), listed.GetProperty("stopped_by").GetString()));
        escalation = await GetAsync(http, $"/api/v1/alerts/{alertId}/escalation", ct);
        Assert.Equal(("acknowledged", "wang-duty", 3), (escalation.GetProperty("state").GetString(), escalation.GetProperty("stopped_by").GetString(), escalation.GetProperty("current_tier").GetInt32()));
        Assert.False(escalation.TryGetProperty("next_tier_due_at", out _));

        // Past the time tier 4 was due: the director was never told.
        await Task.Delay(tier4Due - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(3) is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, ct);
        Assert.Equal(["13800000001", "13800000002"], SmsTo(sms));
        Assert.Single(ding.Accepted);

        // Every delivery with its tier, through the delivery API.
        JsonElement deliveries = await GetAsync(http, $"/api/v1/alerts/{alertId}/deliveries", ct);
        Assert.Equal(["1 sms/ranger sent", "2 sms/town sent", "3 ding-district/@group sent"],
            deliveries.EnumerateArray().Select(d => $"{d.GetProperty("tier").GetInt32()} {d.GetProperty("channel").GetString()}/{d.GetProperty("recipient").GetString()} {d.GetProperty("status").GetString()}").Order(StringComparer.Ordinal));
        await process.TerminateAsync();
    }

    [Fact]
    public async Task Sigkill_InTheMiddleOfAnEscalation_SkipsNoTierAndSendsNoneTwice()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using Setup setup = await Setup.CreateAsync(servers, Policy("2s", "8s", "1h"), ct);
        (ChannelReceiver sms, ChannelReceiver ding, int broker) = (setup.Sms, setup.Ding, setup.Broker);
        string alertId;
        DateTimeOffset tier3Due;
        using (GardenCityProcess first = await setup.StartAsync())
        {
            await RaiseAsync(broker);
            using HttpClient http = setup.Http();
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(sms.Accepted.Count == 2), TimeSpan.FromSeconds(60), () => first.Output, ct);
            alertId = (await GetAsync(http, "/api/v1/alerts/active", ct))[0].GetProperty("alert_id").GetString()!;
            await InfluxServer.WaitUntilAsync(async () => (await GetAsync(http, $"/api/v1/alerts/{alertId}/deliveries", ct)).EnumerateArray().Count(d => d.GetProperty("status").GetString() == "sent") == 2,
                TimeSpan.FromSeconds(30), () => first.Output, ct);
            JsonElement escalation = await GetAsync(http, $"/api/v1/alerts/{alertId}/escalation", ct);
            Assert.Equal((2, 3), (escalation.GetProperty("current_tier").GetInt32(), escalation.GetProperty("next_tier").GetInt32()));
            tier3Due = escalation.GetProperty("next_tier_due_at").GetDateTimeOffset();
            await Task.Delay(TimeSpan.FromMilliseconds(300), ct); // the "done" marks of the sent deliveries reach the outbox file
            first.Kill();
        }

        // Down until tier 3 is overdue; nothing may reach the receivers meanwhile.
        await Task.Delay(tier3Due - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) is { Ticks: > 0 } down ? down : TimeSpan.Zero, ct);
        Assert.Empty(ding.Requests);

        using GardenCityProcess second = await setup.StartAsync();
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(ding.Accepted.Count == 1), TimeSpan.FromSeconds(60), () => second.Output, ct);
        using (HttpClient http = setup.Http())
        {
            await InfluxServer.WaitUntilAsync(async () => (await GetAsync(http, $"/api/v1/alerts/{alertId}/deliveries", ct)).EnumerateArray().Count(d => d.GetProperty("status").GetString() == "sent") == 3,
                TimeSpan.FromSeconds(30), () => second.Output, ct);
            JsonElement escalation = await GetAsync(http, $"/api/v1/alerts/{alertId}/escalation", ct);
            Assert.Equal(("running", 3), (escalation.GetProperty("state").GetString(), escalation.GetProperty("current_tier").GetInt32()));
            Assert.Equal(["started", "tier", "tier"], escalation.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));
        }

        await Task.Delay(TimeSpan.FromSeconds(3), ct); // a repeat would come within the delivery round
        Assert.Equal(["13800000001", "13800000002"], SmsTo(sms)); // the ranger (tier 1) and the town officer (tier 2) once each
        Assert.Single(ding.Requests); // tier 3 once, after the restart
        await second.TerminateAsync();
    }

    /// <summary>
    /// The duty officer's dashboard in headless Chromium: the red alert's escalation on the list (tier reached, who was
    /// told, the next tier and when it is due in Beijing time) moving to tier 2 by itself when it falls due, the same on
    /// the alert's page with its steps, the battery alert held back by the red alert (this test's inhibition rule
    /// <c>rain-first</c>: a red rain alert at a station holds back its battery alert) marked with by which alert and why,
    /// English, the acknowledgement on the alert page stopping the escalation with who, and the 400 px layout.
    /// </summary>
    [Fact]
    public async Task Dashboard_EscalationAndInhibition_AsADutyOfficerSeesThem_AtDesktopAnd400px()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using Setup setup = await Setup.CreateAsync(servers, Policy("15s", "1h", "2h"), ct, ("battery.yaml", BatteryRule));
        setup.Settings["GardenCity:Duty:Inhibition:Rules:0:Name"] = "rain-first";
        setup.Settings["GardenCity:Duty:Inhibition:Rules:0:Sources:0"] = "heavy-rain";
        setup.Settings["GardenCity:Duty:Inhibition:Rules:0:Targets:0"] = "battery-low";
        setup.Settings["GardenCity:Duty:Inhibition:SiteOutage:Enabled"] = "false";
        setup.Settings["GardenCity:Duty:Routes:1:Audiences:0"] = "Maintenance";
        setup.Settings["GardenCity:Duty:Routes:1:Channels:0"] = "sms";
        setup.Settings["GardenCity:Duty:Routes:1:Recipients:0"] = "ranger";
        using GardenCityProcess process = await setup.StartAsync();
        using HttpClient http = setup.Http();

        // The red rain alert, then (five minutes later by the station's clock, in its status message) the battery alert while the rain alert is active.
        await PublishAsync(setup.Broker, "telemetry", """{"ts":"2024-08-01T00:00:00Z","seq":1,"values":{"rain_mm":5}}""");
        string redId = string.Empty;
        await InfluxServer.WaitUntilAsync(async () =>
        {
            JsonElement[] active = [.. (await GetAsync(http, "/api/v1/alerts/active", ct)).EnumerateArray()];
            redId = active.FirstOrDefault(a => a.TryGetProperty("escalation", out _)) is { ValueKind: JsonValueKind.Object } found ? found.GetProperty("alert_id").GetString()! : string.Empty;
            return redId.Length > 0;
        }, TimeSpan.FromSeconds(60), () => process.Output, ct);
        await PublishAsync(setup.Broker, "status", """{"ts":"2024-08-01T00:05:00Z","online":true,"battery_v":10.2,"rssi_dbm":-97,"firmware":"2.3.1"}""");
        JsonElement held = default;
        await InfluxServer.WaitUntilAsync(async () =>
        {
            held = (await GetAsync(http, "/api/v1/alerts/active", ct)).EnumerateArray().FirstOrDefault(a => a.GetProperty("rule_id").GetString() == "battery-low");
            return held.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(60), () => process.Output, ct);
        string heldId = held.GetProperty("alert_id").GetString()!;
        JsonElement mark = held.GetProperty("held_back");
        Assert.Equal((redId, "rule", "rain-first", "heavy-rain", "bhs-wx-01", "red"),
            (mark.GetProperty("by").GetString(), mark.GetProperty("kind").GetString(), mark.GetProperty("name").GetString(), mark.GetProperty("by_rule").GetString(), mark.GetProperty("by_station").GetString(), mark.GetProperty("by_severity").GetString()));
        Assert.False(held.TryGetProperty("escalation", out _)); // no policy takes a maintenance alert
        Assert.All((await GetAsync(http, $"/api/v1/alerts/{heldId}/deliveries", ct)).EnumerateArray(), d => Assert.Equal("held_back", d.GetProperty("status").GetString()));

        string shots = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(shots);
        string screenshot = Path.Combine(shots, "escalation.png");
        string browser = Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "browser");
        using Repo.NodeProcess node = Repo.StartNode(browser, ["escalation-check.mjs", http.BaseAddress + "?from=2024-07-31T00:00:00%2B08:00&to=2024-08-01T12:00:00%2B08:00", screenshot, "60000", redId, heldId, ResponderKey]);

        JsonElement first = (await node.NextAsync("first", TimeSpan.FromSeconds(90))).GetProperty("line");
        Assert.True(first.GetProperty("tier").GetString() is "1" or "2", first.ToString());
        if (first.GetProperty("tier").GetString() == "1")
        {
            Assert.Contains("已通知第1级（即时通知）：ranger（sms）", first.GetProperty("text").GetString(), StringComparison.Ordinal);
            Assert.Contains("通知第2级（镇值班员）", first.GetProperty("text").GetString(), StringComparison.Ordinal);
        }

        // Tier 2 reached, tier 3 due: the list says so with the time in Beijing time, the same instant as the API's.
        JsonElement list = await node.NextAsync("list", TimeSpan.FromSeconds(90));
        JsonElement escalation = await GetAsync(http, $"/api/v1/alerts/{redId}/escalation", ct);
        DateTimeOffset tier3Due = escalation.GetProperty("next_tier_due_at").GetDateTimeOffset();
        JsonElement red = list.GetProperty("red");
        Assert.Equal(("running", "2"), (red.GetProperty("state").GetString(), red.GetProperty("tier").GetString()));
        Assert.Equal(tier3Due, red.GetProperty("due").GetDateTimeOffset());
        string redText = red.GetProperty("text").GetString()!;
        Assert.Contains("升级 2/4 · 升级中", redText, StringComparison.Ordinal);
        Assert.Contains("已通知第2级（镇值班员）：town（sms）", redText, StringComparison.Ordinal);
        Assert.Contains("未确认则于北京时间 ", redText, StringComparison.Ordinal);
        Assert.Contains(tier3Due.ToOffset(TimeSpan.FromHours(8)).ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " 通知第3级（区应急局）", redText, StringComparison.Ordinal);
        JsonElement heldMark = list.GetProperty("held");
        Assert.Equal("已抑制", heldMark.GetProperty("badge").GetString());
        Assert.Equal(redId, heldMark.GetProperty("by").GetString());
        Assert.Equal("?alert=" + Uri.EscapeDataString(redId), heldMark.GetProperty("link").GetString());
        Assert.Equal("值班通知暂缓：被 百花山气象站·强降雨（红色） 抑制（抑制规则 rain-first）；该警报结束时仍生效则通知", heldMark.GetProperty("note").GetString());
        Assert.False(heldMark.GetProperty("escalation").GetBoolean());

        // The alert's page: the same line, every step, the deliveries with their tier.
        JsonElement page = await node.NextAsync("page", TimeSpan.FromSeconds(60));
        JsonElement redPage = page.GetProperty("red");
        Assert.Contains("alert=" + redId, redPage.GetProperty("address").GetString(), StringComparison.Ordinal); // the address names the alert (the period stays)
        Assert.Contains("已通知第2级（镇值班员）：town（sms）", redPage.GetProperty("line").GetString(), StringComparison.Ordinal);
        Assert.Equal(["started", "tier"], redPage.GetProperty("steps").EnumerateArray().Select(st => st.GetProperty("kind").GetString()));
        Assert.Contains("通知 第2级（镇值班员） town（sms）", redPage.GetProperty("steps")[1].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("级", redPage.GetProperty("deliveryHead")[0].GetString());
        Assert.Equal(["1 ranger", "2 town"], redPage.GetProperty("deliveries").EnumerateArray().Select(r => $"{r[0].GetString()} {r[2].GetString()}").Order(StringComparer.Ordinal));
        Assert.Contains("百花山气象站·强降雨（红色）", page.GetProperty("held").GetProperty("text").GetString(), StringComparison.Ordinal);

        JsonElement english = await node.NextAsync("english", TimeSpan.FromSeconds(60));
        Assert.Contains("tier 2 (镇值班员) notified: town (sms)", english.GetProperty("red").GetString(), StringComparison.Ordinal);
        Assert.Contains(" Beijing time unless acknowledged", english.GetProperty("red").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("Duty notifications held back by ", english.GetProperty("held").GetString(), StringComparison.Ordinal);
        Assert.Contains("(inhibition rule rain-first)", english.GetProperty("held").GetString(), StringComparison.Ordinal);
        Assert.Equal("held back", english.GetProperty("badge").GetString());

        // Acknowledged on the alert page: the escalation stopped, by whom, on the list and the page.
        // Longer than the script's three bounded waits in this step (60 s each): a slow step then fails in the script,
        // which names the selector it waited for (this wait ran out first once, under a full suite, and named nothing).
        JsonElement ack = await node.NextAsync("ack", TimeSpan.FromSeconds(200));
        Assert.Equal("acknowledged", ack.GetProperty("red").GetProperty("state").GetString());
        Assert.Contains("升级已停止：wang-duty 已确认", ack.GetProperty("red").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("升级已停止：wang-duty 已确认", ack.GetProperty("page").GetString(), StringComparison.Ordinal);
        escalation = await GetAsync(http, $"/api/v1/alerts/{redId}/escalation", ct);
        Assert.Equal(("acknowledged", "wang-duty"), (escalation.GetProperty("state").GetString(), escalation.GetProperty("stopped_by").GetString()));

        JsonElement narrow = await node.NextAsync("narrow", TimeSpan.FromSeconds(60));
        Assert.True(narrow.GetProperty("scrollWidth").GetInt32() <= 400, narrow.ToString());
        Assert.Empty(narrow.GetProperty("outside").EnumerateArray());
        Assert.Equal([true, true], narrow.GetProperty("visible").EnumerateArray().Select(v => v.GetBoolean()));
        Assert.Equal("acknowledged", narrow.GetProperty("red").GetProperty("state").GetString());
        Assert.Equal("已抑制", narrow.GetProperty("held").GetProperty("badge").GetString());
        Assert.Empty((await node.NextAsync("done", TimeSpan.FromSeconds(30))).GetProperty("errors").EnumerateArray());

        // Nobody was told of the battery alert: the ranger's SMS are the rain alert's tier 1, the town officer's its tier 2.
        Assert.Equal(["13800000001", "13800000002"], SmsTo(setup.Sms));
        Assert.DoesNotContain(setup.Sms.Accepted, r => r.Body.Contains("电池", StringComparison.Ordinal));
        TestContext.Current.AddAttachment("escalation dashboard", screenshot);
        TestContext.Current.AddAttachment("escalation dashboard at 400 px", screenshot.Replace(".png", "-400.png", StringComparison.Ordinal));
        await process.TerminateAsync();
    }

    private const string BatteryRule = """
        rules:
          - id: battery-low
            name: { zh: 电池电压低, en: Battery low }
            audience: maintenance
            category: Infra
            watch: { kinds: [weather] }
            cooldown: 1h
            levels:
              - severity: yellow
                when: { threshold: { field: battery_v, at_most: 10.5 } }
            message: { zh: "{station_zh} 电池电压 {value:0.00} V。", en: "{station_en} battery at {value:0.00} V." }
        """;

    private static async Task PublishAsync(int broker, string topic, string payload)
    {
        await using TestPublisher station = await TestPublisher.ConnectAsync(broker, Station, Station, "gc-dev-" + Station);
        await station.PublishAsync($"gc/v1/weather/{Station}/{topic}", payload);
    }

    [Fact]
    public async Task Run_BrokenEscalationFile_ExitsTwoNamingFileLineAndField()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using Setup setup = await Setup.CreateAsync(servers, Policy("2s", "soon", "1h"), ct);
        var arguments = new List<string> { Repo.GardenCityDll, "run", "--roles", "alerting", "--set", "GardenCity:Mqtt:Host=127.0.0.1" };
        foreach ((string key, string value) in setup.Settings.Where(s => s.Key.StartsWith("GardenCity:Duty:", StringComparison.Ordinal) || s.Key.StartsWith("GardenCity:Alerting:", StringComparison.Ordinal)))
        {
            arguments.AddRange(["--set", $"{key}={value}"]);
        }

        var (code, stdout, stderr) = await Repo.RunAsync("dotnet", arguments);

        Assert.True(code == 2, stdout + stderr);
        Assert.Contains($"escalation.yaml:7:30: field 'policies[0](red).tiers[1].after': 'soon' is not a duration", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }
}
