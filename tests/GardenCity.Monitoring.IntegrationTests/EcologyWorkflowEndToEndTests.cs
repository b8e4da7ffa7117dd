using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using MQTTnet;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// A real Mosquitto, one <c>gardencity run --roles ingest,alerting,api</c> process with the shipped rules (replay clock)
/// and influxd, fed over MQTT with a hand-made June 2025 set (docs/ecology.md): invasive species at Baihua Mountain and
/// Lingshan on 06-01 and at Xiaolongmen on 06-10; leopards on 06-05..06-07 for the individuals; three leopards on 06-10
/// for the dashboard's review queue.
/// </summary>
public sealed class EcologyWorkflowFixture(ServersFixture servers) : IAsyncLifetime
{
    public const string ReaderKey = "gck_flow-reader-key-0001", ReviewerKey = "gck_flow-reviewer-key-0003";
    public const string Leopard = "Panthera pardus japonensis", Slider = "Trachemys scripta elegans", Bullfrog = "Lithobates catesbeianus";
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    /// <summary>What the cameras send, in time order: camera, Beijing time, species (null: an online status report), confidence.</summary>
    public static readonly (string Station, DateTimeOffset Time, string? Species, double Confidence)[] Messages =
    [
        ("bhs-ct-05", At(1, 21, 10), Slider, 0.55), // raises Baihua Mountain's incident of 06-01
        ("bhs-ct-05", At(1, 21, 20), Slider, 0.60), // the same species and camera: counted, not notified
        ("bhs-ct-06", At(1, 22, 0), Bullfrog, 0.70), // a new species and camera: updated
        ("ls-ct-02", At(1, 23, 0), Bullfrog, 0.80), // Lingshan's own incident
        ("bhs-ct-08", At(2, 8, 0), null, 0), // the next day: both incidents of 06-01 end at midnight
        ("bhs-ct-01", At(5, 21, 0), Leopard, 0.95), // BHS-L01
        ("bhs-ct-01", At(5, 23, 0), Leopard, 0.90), // BHS-L01
        ("bhs-ct-02", At(6, 1, 0), Leopard, 0.88), // BHS-L02
        ("bhs-ct-03", At(6, 2, 30), Leopard, 0.91), // BHS-L01: 3.5 h after bhs-ct-01, the shortest move
        ("bhs-ct-04", At(6, 4, 0), Leopard, 0.60), // rejected: never counts
        ("ls-ct-01", At(7, 20, 0), Leopard, 0.92), // BHS-L01 at Lingshan
        ("bhs-ct-05", At(10, 1, 0), Leopard, 0.97), // the review queue of 06-10
        ("bhs-ct-06", At(10, 2, 0), Leopard, 0.71),
        ("bhs-ct-07", At(10, 3, 0), Leopard, 0.83),
        ("xlm-ct-01", At(10, 23, 30), Slider, 0.90), // still in force at the end
    ];

    private GardenCityRun? _run;
    private GardenCityProcess? _process;
    private MosquittoServer? _mosquitto;

    public HttpClient Http { get; private set; } = new();

    public int MosquittoPort => _mosquitto!.Port;

    public string Output => _process?.Output ?? string.Empty;

    public static DateTimeOffset At(int day, int hour, int minute) => new(2025, 6, day, hour, minute, 0, Beijing);

    public async ValueTask InitializeAsync()
    {
        _mosquitto = new MosquittoServer();
        await _mosquitto.StartAsync(CancellationToken.None);
        _run = GardenCityRun.Create(servers, "flow").WithMosquitto(_mosquitto.Port).With("GardenCity:Ecology:SensitiveSpecies:0", "Panthera pardus");
        (string Key, string Role)[] keys = [(ReaderKey, "Reader"), (ReviewerKey, "Reviewer")];
        for (int i = 0; i < keys.Length; i++)
        {
            _run.With($"GardenCity:Api:Keys:{i}:Name", keys[i].Role.ToLowerInvariant() + "-test").With($"GardenCity:Api:Keys:{i}:Role", keys[i].Role)
                .With($"GardenCity:Api:Keys:{i}:KeyHash", ApiKeys.Hash(keys[i].Key));
        }

        _process = await _run.StartAsync();
        Http = _run.ApiClient();
        await using TestPublisher publisher = await TestPublisher.ConnectAsync(_mosquitto.Port, "flow-cameras");
        var seq = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in Messages)
        {
            seq[m.Station] = seq.GetValueOrDefault(m.Station) + 1;
            string ts = m.Time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            string json = m.Species is null
                ? JsonSerializer.Serialize(new { ts, seq = seq[m.Station], online = true, battery_v = 12.4, rssi_dbm = -90 })
                : JsonSerializer.Serialize(new
                {
                    ts,
                    seq = seq[m.Station],
                    event_id = $"{m.Station}-{m.Time:MMddHHmm}",
                    image_uri = $"s3://camera-traps/{m.Station}/{m.Time:MMddHHmm}.jpg",
                    detections = new[] { new { species = m.Species, count = 1, confidence = m.Confidence } },
                });
            await publisher.PublishAsync($"gc/v1/camera-trap/{m.Station}/{(m.Species is null ? "status" : "event")}", json);
        }

        int triggers = Messages.Count(m => m.Species is not null);
        await InfluxServer.WaitUntilAsync(async () => await CountAsync("SELECT count(\"count\") FROM \"camera_trap\"") >= triggers,
            TimeSpan.FromSeconds(60), () => "the detections were not stored:\n" + Output, CancellationToken.None);
    }

    public async Task<long> CountAsync(string q)
    {
        using var http = new HttpClient();
        string json = await http.GetStringAsync(new Uri($"{servers.Influx.Url}/query?db={_run!.Database}&q={Uri.EscapeDataString(q)}"));
        JsonElement results = JsonDocument.Parse(json).RootElement.GetProperty("results")[0];
        return results.TryGetProperty("series", out JsonElement s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                await _process.TerminateAsync();
            }
            finally
            {
                _process.Dispose();
            }
        }

        Http.Dispose();
        _run?.Dispose();
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }
    }
}

/// <summary>Issue 16, the ecologists' workflow end to end: invasive-species alerts, individuals and movement, the dashboard's review queue.</summary>
public sealed class EcologyWorkflowEndToEndTests(EcologyWorkflowFixture fixture) : IClassFixture<EcologyWorkflowFixture>
{
    private const string ReaderKey = EcologyWorkflowFixture.ReaderKey, ReviewerKey = EcologyWorkflowFixture.ReviewerKey, Leopard = EcologyWorkflowFixture.Leopard;
    private const string Period = "from=2025-06-01T00:00:00%2B08:00&to=2025-06-12T00:00:00%2B08:00";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// One incident per site and Beijing day: Baihua Mountain's 06-01 is raised by the first slider, not notified again
    /// for the second photo, updated by the bullfrog at another camera and ended at midnight with the day's summary;
    /// Lingshan has its own; Xiaolongmen's 06-10 is still in force — in the API (the camera's place generalised for a
    /// reader, exact for a reviewer) and retained on its MQTT topic for the ecology audience.
    /// </summary>
    [Fact]
    public async Task InvasiveSpecies_OneAlertPerSiteAndDay_UpdatedByANewSpecies_EndedWithTheDay_InForceRetained()
    {
        JsonElement[] history = [];
        await InfluxServer.WaitUntilAsync(async () =>
        {
            history = [.. (await GetJsonAsync($"/api/v1/alerts/history?{Period}&rule=invasive-species", ReaderKey)).Body.EnumerateArray()];
            return history.Length >= 6;
        }, TimeSpan.FromSeconds(60), () => $"the invasive-species history has {history.Length} changes:\n{fixture.Output}", Ct);

        string Key(JsonElement r) => $"{r.GetProperty("alert_id").GetString()} {r.GetProperty("transition").GetString()}";
        Assert.Equal(
            [
                "invasive-species.bhs-ct-05.20250601T131000Z raised", "invasive-species.bhs-ct-05.20250601T131000Z updated", "invasive-species.bhs-ct-05.20250601T131000Z resolved",
                "invasive-species.ls-ct-02.20250601T150000Z raised", "invasive-species.ls-ct-02.20250601T150000Z resolved", "invasive-species.xlm-ct-01.20250610T153000Z raised",
            ],
            history.OrderBy(r => r.GetProperty("alert_id").GetString(), StringComparer.Ordinal).ThenBy(r => r.GetProperty("revision").GetDouble()).Select(Key));
        JsonElement ended = history.Single(r => Key(r) == "invasive-species.bhs-ct-05.20250601T131000Z resolved");
        Assert.Equal("外来入侵物种当日结束：百花山 2025-06-01 共 3 次拍到 红耳彩龟、美洲牛蛙（相机 百花山相机05 沟谷、百花山相机06 油松林，21:10–22:00）。", ended.GetProperty("message_zh").GetString());
        JsonElement updated = history.Single(r => Key(r) == "invasive-species.bhs-ct-05.20250601T131000Z updated");
        Assert.StartsWith("更新：百花山 2025-06-01 相机拍到外来入侵物种：红耳彩龟、美洲牛蛙", updated.GetProperty("message_zh").GetString(), StringComparison.Ordinal);

        var (_, forReader) = await GetJsonAsync("/api/v1/alerts/active", ReaderKey);
        var (_, forReviewer) = await GetJsonAsync("/api/v1/alerts/active", ReviewerKey);
        JsonElement shown = forReader.EnumerateArray().Single(a => a.GetProperty("rule_id").GetString() == "invasive-species");
        JsonElement exact = forReviewer.EnumerateArray().Single(a => a.GetProperty("rule_id").GetString() == "invasive-species");
        Assert.Equal(("invasive-species.xlm-ct-01.20250610T153000Z", "ecology", "yellow", "xiaolongmen"), (exact.GetProperty("alert_id").GetString(), exact.GetProperty("audience").GetString(), exact.GetProperty("severity").GetString(), exact.GetProperty("site").GetString()));
        Assert.Equal([EcologyWorkflowFixture.Slider], exact.GetProperty("species").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal((1, EcologyWorkflowFixture.At(10, 23, 30)), (exact.GetProperty("detections").GetInt32(), exact.GetProperty("last_detection_at").GetDateTimeOffset()));
        (double lat, double lon) = CameraPlace("xlm-ct-01");
        Assert.Equal((lat, lon), (exact.GetProperty("lat").GetDouble(), exact.GetProperty("lon").GetDouble()));
        Assert.NotEqual((lat, lon), (shown.GetProperty("lat").GetDouble(), shown.GetProperty("lon").GetDouble()));

        JsonElement retained = await ApiCalls.RetainedAsync(fixture.MosquittoPort, "gc/v1/alerts/ecology/invasive-species/xlm-ct-01", Ct);
        Assert.Equal(("raised", "invasive-species.xlm-ct-01.20250610T153000Z"), (retained.GetProperty("transition").GetString(), retained.GetProperty("alert_id").GetString()));
        Assert.Contains("小龙门林场 2025-06-10 相机拍到外来入侵物种：红耳彩龟", retained.GetProperty("message_zh").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Reviewers name individuals; per individual: first and last seen, the cameras and sites in time order and the
    /// shortest time between two different cameras with the pair; a rejected detection never counts, even named. A
    /// reader gets no exact camera place from either endpoint (the reviewer does: the check can fail).
    /// </summary>
    [Fact]
    public async Task Individuals_FirstLastSeen_CamerasInOrder_ShortestMove_ReaderSeesNoExactPlace()
    {
        (string Station, int Day, int Hour, int Minute, string Decision, string Individual)[] reviews =
        [
            ("bhs-ct-01", 5, 21, 0, "confirm", "BHS-L01"), ("bhs-ct-01", 5, 23, 0, "confirm", "BHS-L01"), ("bhs-ct-02", 6, 1, 0, "confirm", "BHS-L02"),
            ("bhs-ct-03", 6, 2, 30, "confirm", "BHS-L01"), ("bhs-ct-04", 6, 4, 0, "reject", ""), ("ls-ct-01", 7, 20, 0, "confirm", "BHS-L01"),
        ];
        foreach (var r in reviews)
        {
            string time = EcologyWorkflowFixture.At(r.Day, r.Hour, r.Minute).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            string individual = r.Individual.Length > 0 ? $",\"individual_id\":\"{r.Individual}\"" : string.Empty; // a rejected detection has none (the API refuses one)
            var (status, body) = await PostAsync("/api/v1/reviews", $"{{\"station\":\"{r.Station}\",\"time\":\"{time}\",\"species\":\"{Leopard}\",\"decision\":\"{r.Decision}\"{individual}}}", ReviewerKey);
            Assert.True(status == HttpStatusCode.OK, body.ToString());
        }

        const string Week = "from=2025-06-01T00:00:00%2B08:00&to=2025-06-09T00:00:00%2B08:00";
        var (listStatus, list) = await GetJsonAsync($"/api/v1/individuals?{Week}", ReaderKey);
        string listText = (await GetTextAsync($"/api/v1/individuals?{Week}", ReaderKey)) + await GetTextAsync($"/api/v1/individuals/BHS-L01?{Week}", ReaderKey);
        var (_, detail) = await GetJsonAsync($"/api/v1/individuals/BHS-L01?{Week}", ReaderKey);
        string reviewerText = await GetTextAsync($"/api/v1/individuals/BHS-L01?{Week}", ReviewerKey);

        Assert.Equal(HttpStatusCode.OK, listStatus);
        JsonElement[] individuals = [.. list.GetProperty("individuals").EnumerateArray()];
        Assert.Equal(["BHS-L01", "BHS-L02"], individuals.Select(i => i.GetProperty("individual_id").GetString()));
        JsonElement l01 = individuals[0];
        Assert.Equal((Leopard, 4), (l01.GetProperty("species").GetString(), l01.GetProperty("sightings").GetInt32()));
        Assert.Equal((EcologyWorkflowFixture.At(5, 21, 0), EcologyWorkflowFixture.At(7, 20, 0)), (l01.GetProperty("first_seen").GetDateTimeOffset(), l01.GetProperty("last_seen").GetDateTimeOffset()));
        Assert.Equal(["bhs-ct-01", "bhs-ct-03", "ls-ct-01"], l01.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["baihua-mountain", "lingshan"], l01.GetProperty("sites").EnumerateArray().Select(c => c.GetString()));
        JsonElement move = l01.GetProperty("shortest_move");
        Assert.Equal((12_600, "bhs-ct-01", EcologyWorkflowFixture.At(5, 23, 0), "bhs-ct-03"),
            (move.GetProperty("seconds").GetInt64(), move.GetProperty("from").GetProperty("station").GetString(), move.GetProperty("from").GetProperty("time").GetDateTimeOffset(), move.GetProperty("to").GetProperty("station").GetString()));
        Assert.True(!individuals[1].TryGetProperty("shortest_move", out JsonElement none) || none.ValueKind == JsonValueKind.Null); // one camera only

        Assert.Equal(["bhs-ct-01", "bhs-ct-01", "bhs-ct-03", "ls-ct-01"], detail.GetProperty("sightings").EnumerateArray().Select(s => s.GetProperty("station").GetString()));
        Assert.All(detail.GetProperty("sightings").EnumerateArray(), s => Assert.Equal("reviewer-test", s.GetProperty("reviewed_by").GetString()));
        foreach (string station in new[] { "bhs-ct-01", "bhs-ct-03", "ls-ct-01" })
        {
            string coordinate = CameraPlace(station).Lat.ToString(CultureInfo.InvariantCulture); // four decimals, none of them a trailing 0
            Assert.DoesNotContain(coordinate, listText, StringComparison.Ordinal);
            Assert.Contains(coordinate, reviewerText, StringComparison.Ordinal);
        }

        var (_, deer) = await GetJsonAsync($"/api/v1/individuals?{Week}&species=Capreolus%20pygargus", ReaderKey);
        Assert.Equal(0, deer.GetProperty("individuals").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await GetJsonAsync($"/api/v1/individuals/BHS-L99?{Week}", ReaderKey)).Status);
        var (tooLong, problem) = await GetJsonAsync($"/api/v1/individuals/{new string('x', 65)}?{Week}", ReaderKey);
        Assert.Equal((HttpStatusCode.BadRequest, "id"), (tooLong, problem.GetProperty("parameter").GetString()));
    }

    /// <summary>
    /// The review queue in headless Chromium (browser/review-check.mjs), as a reviewer uses it, at desktop width and
    /// 400 px: the page's reader key is refused and told why; the reviewer key typed once is kept for the tab; the queue
    /// is the API's, most confident first; confirm (with an individual), correct (species, count) and reject (with a
    /// comment) are recorded with the reviewer's name; the confirmed individual appears on the timeline.
    /// </summary>
    [Fact]
    public async Task Dashboard_ReviewQueue_AsAReviewerUsesIt_AtDesktopAnd400px_ReaderRefused()
    {
        const string From = "2025-06-10T00:00:00+08:00", To = "2025-06-11T00:00:00+08:00";
        string day = $"from={Uri.EscapeDataString(From)}&to={Uri.EscapeDataString(To)}";
        var (_, api) = await GetJsonAsync($"/api/v1/reviews/queue?{day}", ReviewerKey);
        string[] expected = [.. api.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("station").GetString()!)];
        Assert.Equal(["bhs-ct-05", "bhs-ct-07", "bhs-ct-06"], expected);

        string shots = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(shots);
        string browser = Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "browser");
        using Repo.NodeProcess node = Repo.StartNode(browser, ["review-check.mjs", fixture.Http.BaseAddress!.ToString(), ReaderKey, ReviewerKey, From, To, Path.Combine(shots, "dashboard-review.png"), "60000"]);

        JsonElement refused = await node.NextAsync("refused", TimeSpan.FromSeconds(120));
        Assert.Contains("需要审核员（reviewer）密钥", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("敏感物种的确切位置只对审核员开放", refused.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, refused.GetProperty("items").GetInt32());

        JsonElement queue = await node.NextAsync("queue", TimeSpan.FromSeconds(70));
        JsonElement[] items = [.. queue.GetProperty("items").EnumerateArray()];
        Assert.Equal(expected, items.Select(i => i.GetProperty("station").GetString()));
        Assert.Equal([0.97, 0.83, 0.71], items.Select(i => i.GetProperty("confidence").GetDouble()));
        Assert.Contains("华北豹", items[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("97%", items[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("待核查 3 条", queue.GetProperty("waiting").GetString(), StringComparison.Ordinal);
        Assert.Equal((ReviewerKey, false, true), (queue.GetProperty("session").GetString(), queue.GetProperty("keyField").GetBoolean(), queue.GetProperty("forget").GetBoolean()));
        Assert.DoesNotContain(queue.GetProperty("local").EnumerateArray(), v => v.GetString() == ReviewerKey); // kept for the tab only

        JsonElement narrow = await node.NextAsync("narrow", TimeSpan.FromSeconds(130));
        Assert.Equal(3, narrow.GetProperty("items").GetInt32());
        Assert.True(narrow.GetProperty("scrollWidth").GetInt32() <= narrow.GetProperty("width").GetInt32(), narrow.ToString());
        Assert.Equal(0, narrow.GetProperty("outside").GetArrayLength());

        JsonElement decided = await node.NextAsync("decided", TimeSpan.FromSeconds(200));
        Assert.Contains("已确认", decided.GetProperty("confirmed").GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Contains("BHS-L09", decided.GetProperty("confirmed").GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Contains("已更正", decided.GetProperty("corrected").GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Contains("已驳回", decided.GetProperty("rejected").GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, decided.GetProperty("left").GetInt32());

        var (_, reviews) = await GetJsonAsync($"/api/v1/reviews?{day}", ReviewerKey);
        var byStation = reviews.EnumerateArray().ToDictionary(r => r.GetProperty("station").GetString()!, StringComparer.Ordinal);
        Assert.Equal(("confirmed", "BHS-L09", "reviewer-test"), (byStation["bhs-ct-05"].GetProperty("decision").GetString(), byStation["bhs-ct-05"].GetProperty("individual_id").GetString(), byStation["bhs-ct-05"].GetProperty("reviewed_by").GetString()));
        Assert.Equal(("corrected", "Prionailurus bengalensis", 2), (byStation["bhs-ct-07"].GetProperty("decision").GetString(), byStation["bhs-ct-07"].GetProperty("species").GetString(), byStation["bhs-ct-07"].GetProperty("count").GetInt32()));
        Assert.Equal(("rejected", "树枝晃动 / a branch moving"), (byStation["bhs-ct-06"].GetProperty("decision").GetString(), byStation["bhs-ct-06"].GetProperty("comment").GetString()));

        JsonElement timeline = await node.NextAsync("timeline", TimeSpan.FromSeconds(70));
        JsonElement l09 = timeline.GetProperty("individuals").EnumerateArray().Single(i => i.GetProperty("id").GetString() == "BHS-L09");
        Assert.Equal(["bhs-ct-05"], l09.GetProperty("cameras").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("华北豹", l09.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains("只在一台相机出现", l09.GetProperty("fastest").GetString(), StringComparison.Ordinal);
        Assert.Empty((await node.NextAsync("done", TimeSpan.FromSeconds(70))).GetProperty("errors").EnumerateArray());
    }

    /// <summary>A camera trap's registered coordinates (deploy/stations.yaml).</summary>
    private static (double Lat, double Lon) CameraPlace(string id)
    {
        string yaml = File.ReadAllText(Path.Combine(Repo.Root, "deploy", "stations.yaml"));
        string block = yaml.Split("- id: ").Single(b => b.StartsWith(id + "\n", StringComparison.Ordinal) || b.StartsWith(id + "\r", StringComparison.Ordinal));
        double Value(string key) => double.Parse(block.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        return (Value("lat"), Value("lon"));
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(string path, string key) => ApiCalls.GetJsonAsync(fixture.Http, path, key, Ct);

    private Task<string> GetTextAsync(string path, string key) => ApiCalls.GetTextAsync(fixture.Http, path, key, Ct);

    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json, string key) => ApiCalls.PostJsonAsync(fixture.Http, path, json, key, Ct);
}
