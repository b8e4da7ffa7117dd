using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Silences and the audit trail (issue 13) in a real <c>gardencity run --roles ingest,alerting,api</c> over real sockets:
/// a silence holds back a red alert's DingTalk message to a loopback robot and releases it when ended early; the audit
/// API and its CSV export give every step with who and when; the dashboard in headless Chromium, as a duty officer.
/// </summary>
public sealed class DutySilencesEndToEndTests(ServersFixture servers)
{
    private const string Station = "bhs-wx-01";
    private const string ReaderKey = "gck_duty-reader-key-0001", ResponderKey = "gck_duty-responder-key-0002", AdminKey = "gck_duty-admin-key-0003";

    [Fact]
    public async Task Silence_HoldsBackThenReleasesTheDutyMessage_AndTheAuditTrailSaysWhoAndWhen()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        DateTimeOffset started = DateTimeOffset.UtcNow;
        await using Run run = await Run.StartAsync(servers);
        HttpClient http = run.Http;

        // A responder may not silence what could cover emergency red alerts; a body without a reason names the field.
        HttpResponseMessage forbidden = await PostSilenceAsync(http, ResponderKey, new { matchers = new { station = Station }, reason = "检修", duration = "1h" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        Assert.Contains("admin", (await forbidden.Content.ReadAsStringAsync(ct)), StringComparison.Ordinal);
        HttpResponseMessage invalid = await PostSilenceAsync(http, AdminKey, new { matchers = new { station = Station }, duration = "1h" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("reason", JsonDocument.Parse(await invalid.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("parameter").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await PostSilenceAsync(http, ReaderKey, new { matchers = new { station = Station }, reason = "x", duration = "1h" })).StatusCode);

        // The admin silences the station for an hour, with a reason.
        HttpResponseMessage created = await PostSilenceAsync(http, AdminKey, new { matchers = new { station = Station }, reason = "雨量计检修 / gauge maintenance", duration = "1h" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        JsonElement silence = JsonDocument.Parse(await created.Content.ReadAsStringAsync(ct)).RootElement.Clone();
        string silenceId = silence.GetProperty("id").GetString()!;
        Assert.Equal(("active", "admin-test"), (silence.GetProperty("state").GetString(), silence.GetProperty("created_by").GetString()));
        JsonElement listed = await GetJsonAsync(http, "/api/v1/silences", ReaderKey, ct);
        Assert.Equal(silenceId, Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());

        // A red alert raised under the silence: recorded and shown (silenced_by), the robot not called.
        await run.PublishRainAsync(5, 1);
        string alertId = string.Empty;
        await InfluxServer.WaitUntilAsync(async () =>
        {
            JsonElement held = await GetJsonAsync(http, "/api/v1/audit?kind=silence.held", ReaderKey, ct);
            alertId = held.GetArrayLength() == 1 ? held[0].GetProperty("alert_id").GetString()! : string.Empty;
            return alertId.Length > 0;
        }, TimeSpan.FromSeconds(30), () => "no silence.held entry\n" + run.Output, ct);
        JsonElement active = Assert.Single((await GetJsonAsync(http, "/api/v1/alerts/active", ReaderKey, ct)).EnumerateArray());
        Assert.Equal((alertId, "admin-test", silenceId), (active.GetProperty("alert_id").GetString(), active.GetProperty("silenced_by").GetString(), active.GetProperty("silence_id").GetString()));
        Assert.Empty(run.Ding.Requests);

        // Ended early by a responder: the alert is still active, so the message goes out now.
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/silences/{silenceId}"))
        {
            delete.Headers.Add("X-Api-Key", ResponderKey);
            HttpResponseMessage ended = await http.SendAsync(delete, ct);
            Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
            JsonElement e = JsonDocument.Parse(await ended.Content.ReadAsStringAsync(ct)).RootElement;
            Assert.Equal(("ended", "responder-test"), (e.GetProperty("state").GetString(), e.GetProperty("ended_by").GetString()));
        }

        await InfluxServer.WaitUntilAsync(() => Task.FromResult(run.Ding.Accepted.Count == 1), TimeSpan.FromSeconds(30), () => "the held message was not sent\n" + run.Output, ct);
        using (JsonDocument body = JsonDocument.Parse(run.Ding.Accepted[0].Body))
        {
            Assert.Equal("【红色强降雨】百花山气象站", body.RootElement.GetProperty("markdown").GetProperty("title").GetString());
        }

        Assert.False((await GetJsonAsync(http, "/api/v1/alerts/active", ReaderKey, ct))[0].TryGetProperty("silenced_by", out _));

        // The delivery's outcome is in the audit trail (recorded once the robot answered).
        JsonElement[] trail = [];
        await InfluxServer.WaitUntilAsync(async () =>
        {
            trail = [.. (await GetJsonAsync(http, $"/api/v1/audit?alert={alertId}", ReaderKey, ct)).EnumerateArray().Select(e => e.Clone())];
            return trail.Any(e => e.GetProperty("kind").GetString() == "notification.sent");
        }, TimeSpan.FromSeconds(30), () => "no notification.sent entry: " + string.Join("\n", trail.Select(e => e.ToString())), ct);
        // Acknowledged by the responder.
        using (var ack = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack"))
        {
            ack.Headers.Add("X-Api-Key", ResponderKey);
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(ack, ct)).StatusCode);
        }

        // The audit trail of the alert, with who and when.
        trail = [.. (await GetJsonAsync(http, $"/api/v1/audit?alert={alertId}", ReaderKey, ct)).EnumerateArray().Select(e => e.Clone())];
        DateTimeOffset finished = DateTimeOffset.UtcNow;
        string[] kinds = [.. trail.Select(e => e.GetProperty("kind").GetString()!)];
        Assert.Equal(["alert.acknowledged", "notification.sent", "silence.released", "silence.held", "alert.raised"], kinds);
        Assert.Equal(["responder-test", "system", "system", "system", "system"], trail.Select(e => e.GetProperty("who").GetString()));
        Assert.All(trail, e => Assert.InRange(e.GetProperty("at").GetDateTimeOffset(), started, finished));
        Assert.Equal("ding-district/@group", trail[1].GetProperty("target").GetString());
        Assert.Equal(trail[0].GetProperty("at").GetDateTimeOffset().ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), trail[0].GetProperty("at_local").GetString()); // Beijing time
        Assert.Contains(silenceId, trail[3].GetProperty("target").GetString(), StringComparison.Ordinal);

        JsonElement silences = await GetJsonAsync(http, "/api/v1/audit?kind=silence.&who=admin-test", ReaderKey, ct);
        Assert.Equal(("silence.created", silenceId), (Assert.Single(silences.EnumerateArray()).GetProperty("kind").GetString(), silences[0].GetProperty("target").GetString()));
        Assert.Single((await GetJsonAsync(http, "/api/v1/audit?kind=silence.deleted&who=responder-test", ReaderKey, ct)).EnumerateArray());
        HttpResponseMessage badKind = await GetAsync(http, "/api/v1/audit?limit=0", ReaderKey, ct);
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);

        // The same as CSV, as a file.
        HttpResponseMessage csv = await GetAsync(http, $"/api/v1/export/audit.csv?alert={alertId}", ReaderKey, ct);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", csv.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Matches(@"^gardencity-audit-\d{8}-\d{8}\.csv$", csv.Content.Headers.ContentDisposition?.FileName?.Trim('"') ?? string.Empty);
        string[] lines = (await csv.Content.ReadAsStringAsync(ct)).TrimEnd('\n').Split('\n');
        Assert.Equal("time_utc,time_local,kind,who,alert_id,target,detail", lines[0]);
        Assert.Equal(kinds, lines.Skip(1).Select(l => l.Split(',')[2]));
        Assert.StartsWith("alert.acknowledged,responder-test," + alertId, string.Join(',', lines[1].Split(',').Skip(2)), StringComparison.Ordinal);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00,", lines[1]);
    }

    /// <summary>
    /// The duty officer's dashboard in headless Chromium: silencing the red alert (refused for the reader and the
    /// responder key, with the reason on screen; done with the admin key typed once for the tab), the silence list, the
    /// alert's audit, the 400 px layout with the form open, ending the silence from the list.
    /// </summary>
    [Fact]
    public async Task Dashboard_SilenceAndAudit_AsADutyOfficerUsesThem_AtDesktopAnd400px()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using Run run = await Run.StartAsync(servers);
        await run.PublishRainAsync(5, 1);
        string alertId = string.Empty;
        await InfluxServer.WaitUntilAsync(async () =>
        {
            JsonElement active = await GetJsonAsync(run.Http, "/api/v1/alerts/active", ReaderKey, ct);
            alertId = active.GetArrayLength() == 1 ? active[0].GetProperty("alert_id").GetString()! : string.Empty;
            return alertId.Length > 0 && run.Ding.Accepted.Count == 1;
        }, TimeSpan.FromSeconds(30), () => "no alert\n" + run.Output, ct);

        string shots = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(shots);
        string screenshot = Path.Combine(shots, "duty.png");
        string browser = Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "browser");
        using Repo.NodeProcess node = Repo.StartNode(browser, ["duty-check.mjs", run.Http.BaseAddress + "?key=" + ReaderKey + "&from=2024-07-31T00:00:00%2B08:00&to=2024-08-01T12:00:00%2B08:00", screenshot, "60000", alertId, ResponderKey, AdminKey]);

        JsonElement ready = await node.NextAsync("ready", TimeSpan.FromSeconds(90));
        Assert.Empty(ready.GetProperty("errors").EnumerateArray());
        Assert.Equal(0, ready.GetProperty("silences").GetInt32());
        Assert.Equal("无静默", ready.GetProperty("empty").GetString());
        Assert.Equal(["确认", "关闭…", "静默…", "审计"], ready.GetProperty("buttons").EnumerateArray().Select(b => b.GetString()));

        JsonElement silenced = await node.NextAsync("silenced", TimeSpan.FromSeconds(60));
        Assert.Contains("responder", silenced.GetProperty("asked").GetString(), StringComparison.Ordinal);
        Assert.Contains("管理员", silenced.GetProperty("refused").GetString(), StringComparison.Ordinal);
        Assert.Equal("已静默", silenced.GetProperty("badge").GetString());
        Assert.Contains("静默至", silenced.GetProperty("meta").GetString(), StringComparison.Ordinal);
        Assert.Contains("admin-test", silenced.GetProperty("meta").GetString(), StringComparison.Ordinal);
        JsonElement listed = Assert.Single(silenced.GetProperty("silences").EnumerateArray());
        Assert.Contains("生效中", listed.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("rule=heavy-rain station=bhs-wx-01", listed.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("雨量计检修", listed.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(AdminKey, silenced.GetProperty("session").GetString());
        Assert.DoesNotContain(AdminKey, silenced.GetProperty("local").EnumerateArray().Select(v => v.GetString()));
        Assert.True(silenced.GetProperty("formGone").GetBoolean());
        JsonElement created = Assert.Single((await GetJsonAsync(run.Http, "/api/v1/silences", ReaderKey, ct)).EnumerateArray());
        Assert.Equal(("admin-test", "heavy-rain"), (created.GetProperty("created_by").GetString(), created.GetProperty("matchers").GetProperty("rule").GetString()));
        Assert.Equal(TimeSpan.FromHours(4), created.GetProperty("ends_at").GetDateTimeOffset() - created.GetProperty("starts_at").GetDateTimeOffset());

        JsonElement audit = await node.NextAsync("audit", TimeSpan.FromSeconds(60));
        string[] kinds = [.. audit.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()!)];
        Assert.Equal(["notification.sent", "alert.raised"], kinds);
        Assert.Contains("ding-district/@group", audit.GetProperty("entries")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("已通知", audit.GetProperty("entries")[0].GetProperty("text").GetString(), StringComparison.Ordinal);

        JsonElement narrow = await node.NextAsync("narrow", TimeSpan.FromSeconds(60));
        Assert.True(narrow.GetProperty("scrollWidth").GetInt32() <= 400, narrow.ToString());
        Assert.Empty(narrow.GetProperty("outside").EnumerateArray());

        JsonElement ended = await node.NextAsync("ended", TimeSpan.FromSeconds(60));
        Assert.False(ended.GetProperty("silenced").GetBoolean());
        Assert.Contains("已提前结束", Assert.Single(ended.GetProperty("silences").EnumerateArray()).GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Empty((await node.NextAsync("done", TimeSpan.FromSeconds(30))).GetProperty("errors").EnumerateArray());
        Assert.Single((await GetJsonAsync(run.Http, "/api/v1/audit?kind=silence.deleted&who=admin-test", ReaderKey, ct)).EnumerateArray());
        TestContext.Current.AddAttachment("duty dashboard", screenshot);
        TestContext.Current.AddAttachment("duty dashboard at 400 px", screenshot.Replace(".png", "-400.png", StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> PostSilenceAsync(HttpClient http, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/silences") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Api-Key", key);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string key, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key);
        return await http.SendAsync(request, ct);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path, string key, CancellationToken ct)
    {
        HttpResponseMessage response = await GetAsync(http, path, key, ct);
        string text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>One process with a DingTalk robot on loopback routed every red emergency alert, and three API keys.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly string _dir;
        private readonly GardenCityProcess _process;

        private Run(string dir, GardenCityProcess process, ChannelReceiver ding, int broker, int api)
        {
            (_dir, _process, Ding, Broker) = (dir, process, ding, broker);
            Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}/") };
        }

        public ChannelReceiver Ding { get; }

        public HttpClient Http { get; }

        public int Broker { get; }

        public string Output => _process.Output;

        public static async Task<Run> StartAsync(ServersFixture servers)
        {
            string dir = Directory.CreateTempSubdirectory("gc-silence-").FullName;
            string rules = Directory.CreateDirectory(Path.Combine(dir, "rules")).FullName;
            await File.WriteAllTextAsync(Path.Combine(rules, "rain.yaml"), AlertingLifecycleTests.Rule(3));
            var ding = new ChannelReceiver();
            int broker = ServerProcess.FreePort(), api = ServerProcess.FreePort();
            var settings = new Dictionary<string, string>
            {
                ["GardenCity:Roles"] = "ingest,alerting,api",
                ["GardenCity:Api:Url"] = $"http://127.0.0.1:{api}",
                ["GardenCity:Broker:Port"] = broker.ToString(CultureInfo.InvariantCulture),
                ["GardenCity:Health:Url"] = $"http://127.0.0.1:{ServerProcess.FreePort()}",
                ["GardenCity:Influx:Url"] = servers.Influx.Url,
                ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
                ["GardenCity:Influx:Database"] = "s" + Guid.NewGuid().ToString("N")[..12],
                ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dlq"),
                ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
                ["GardenCity:Alerting:RulesDirectory"] = rules,
                ["GardenCity:Alerting:StateDirectory"] = Path.Combine(dir, "alerting"),
                ["GardenCity:Alerting:AbsenceClock"] = "Watermark",
                ["GardenCity:Duty:Enabled"] = "true",
                ["GardenCity:Duty:Channels:0:Name"] = "ding-district",
                ["GardenCity:Duty:Channels:0:Kind"] = "DingTalk",
                ["GardenCity:Duty:Channels:0:Url"] = ding.Url + "robot/send?access_token=t",
                ["GardenCity:Duty:Routes:0:Audiences:0"] = "Emergency",
                ["GardenCity:Duty:Routes:0:MinSeverity"] = "red",
                ["GardenCity:Duty:Routes:0:Channels:0"] = "ding-district",
            };
            string[] keys = [ReaderKey, ResponderKey, AdminKey], roles = ["Reader", "Responder", "Admin"];
            for (int i = 0; i < keys.Length; i++)
            {
                settings[$"GardenCity:Api:Keys:{i}:Name"] = roles[i].ToLowerInvariant() + "-test";
                settings[$"GardenCity:Api:Keys:{i}:Role"] = roles[i];
                settings[$"GardenCity:Api:Keys:{i}:KeyHash"] = ApiKeys.Hash(keys[i]);
            }

            GardenCityProcess process = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker", healthUrl: false);
            return new Run(dir, process, ding, broker, api);
        }

        public async Task PublishRainAsync(double mm, int seq)
        {
            await using TestPublisher station = await TestPublisher.ConnectAsync(Broker, Station, Station, "gc-dev-" + Station);
            await station.PublishAsync($"gc/v1/weather/{Station}/telemetry", JsonSerializer.Serialize(new { ts = "2024-08-01T00:00:00Z", seq, values = new { rain_mm = mm } }));
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _process.TerminateAsync();
            }
            finally
            {
                _process.Dispose();
                Ding.Dispose();
                Http.Dispose();
                ServerProcess.DeleteDirectory(_dir);
            }
        }
    }
}
