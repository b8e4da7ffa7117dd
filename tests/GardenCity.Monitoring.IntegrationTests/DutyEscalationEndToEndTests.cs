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

    private Dictionary<string, string> Settings(string dir, int broker, int api, ChannelReceiver sms, ChannelReceiver ding) => new()
    {
        ["GardenCity:Roles"] = "ingest,alerting,api",
        ["GardenCity:Api:Url"] = $"http://127.0.0.1:{api}",
        ["GardenCity:Api:AnonymousRole"] = "Reader",
        ["GardenCity:Api:Keys:0:Name"] = "wang-duty",
        ["GardenCity:Api:Keys:0:Role"] = "Responder",
        ["GardenCity:Api:Keys:0:KeyHash"] = GardenCity.Monitoring.Api.Auth.ApiKeys.Hash(ResponderKey),
        ["GardenCity:Broker:Port"] = broker.ToString(CultureInfo.InvariantCulture),
        ["GardenCity:Influx:Url"] = servers.Influx.Url,
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

    private static async Task<string> PrepareAsync(string escalation, CancellationToken ct)
    {
        string dir = Directory.CreateTempSubdirectory("gc-escalation-").FullName;
        string rules = Directory.CreateDirectory(Path.Combine(dir, "rules")).FullName;
        await File.WriteAllTextAsync(Path.Combine(rules, "rain.yaml"), AlertingLifecycleTests.Rule(3), ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "escalation.yaml"), escalation, ct);
        return dir;
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
        string dir = await PrepareAsync(Policy("2s", "2s", "5s"), ct);
        using var sms = new ChannelReceiver("{\"code\":0}");
        using var ding = new ChannelReceiver();
        int broker = ServerProcess.FreePort(), api = ServerProcess.FreePort();
        try
        {
            using GardenCityProcess process = await GardenCityProcess.StartAsync(Settings(dir, broker, api, sms, ding), ready: "Alerting connected to MQTT broker");
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

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
            string alertId = (await GetAsync(http, "/api/v1/alerts/active", ct))[0].GetProperty("alert_id").GetString()!;
            JsonElement escalation = await GetAsync(http, $"/api/v1/alerts/{alertId}/escalation", ct);
            Assert.Equal(("running", 3, 4), (escalation.GetProperty("state").GetString(), escalation.GetProperty("current_tier").GetInt32(), escalation.GetProperty("next_tier").GetInt32()));
            DateTimeOffset tier4Due = escalation.GetProperty("next_tier_due_at").GetDateTimeOffset();

            using var ack = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/alerts/{alertId}/ack", UriKind.Relative)) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", ResponderKey) } };
            using HttpResponseMessage acked = await http.SendAsync(ack, ct);
            Assert.Equal(HttpStatusCode.OK, acked.StatusCode);
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
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task Sigkill_InTheMiddleOfAnEscalation_SkipsNoTierAndSendsNoneTwice()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string dir = await PrepareAsync(Policy("2s", "8s", "1h"), ct);
        using var sms = new ChannelReceiver("{\"code\":0}");
        using var ding = new ChannelReceiver();
        int broker = ServerProcess.FreePort(), api = ServerProcess.FreePort();
        Dictionary<string, string> settings = Settings(dir, broker, api, sms, ding);
        try
        {
            string alertId;
            DateTimeOffset tier3Due;
            using (GardenCityProcess first = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker"))
            {
                await RaiseAsync(broker);
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
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

            using GardenCityProcess second = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker");
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(ding.Accepted.Count == 1), TimeSpan.FromSeconds(60), () => second.Output, ct);
            using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") })
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
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task Run_BrokenEscalationFile_ExitsTwoNamingFileLineAndField()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string dir = await PrepareAsync(Policy("2s", "soon", "1h"), ct);
        using var sms = new ChannelReceiver("{\"code\":0}");
        using var ding = new ChannelReceiver();
        try
        {
            var arguments = new List<string> { Repo.GardenCityDll, "run", "--roles", "alerting", "--set", "GardenCity:Mqtt:Host=127.0.0.1" };
            foreach ((string key, string value) in Settings(dir, ServerProcess.FreePort(), ServerProcess.FreePort(), sms, ding).Where(s => s.Key.StartsWith("GardenCity:Duty:", StringComparison.Ordinal) || s.Key.StartsWith("GardenCity:Alerting:", StringComparison.Ordinal)))
            {
                arguments.AddRange(["--set", $"{key}={value}"]);
            }

            var (code, stdout, stderr) = await Repo.RunAsync("dotnet", arguments);

            Assert.True(code == 2, stdout + stderr);
            Assert.Contains($"escalation.yaml:7:30: field 'policies[0](red).tiers[1].after': 'soon' is not a duration", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }
}
