using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// One real <c>gardencity run --roles ingest,alerting,api</c> process (embedded broker, real influxd) fed over MQTT by
/// the camera traps themselves with a small hand-made set (docs/ecology.md): three North China leopard detections
/// (sensitive, held for review), a roe deer, and people at night in the core zone, at Baihua Mountain in March 2025.
/// </summary>
public sealed class EcologyFixture(ServersFixture servers) : IAsyncLifetime
{
    public const string ReaderKey = "gck_eco-reader-key-0001", ResponderKey = "gck_eco-responder-key-0002", ReviewerKey = "gck_eco-reviewer-key-0003", AdminKey = "gck_eco-admin-key-0004";
    public const string Leopard = "Panthera pardus japonensis", LeopardCat = "Prionailurus bengalensis", RoeDeer = "Capreolus pygargus";
    public const string Period = "from=2025-03-09T00:00:00%2B08:00&to=2025-03-12T00:00:00%2B08:00";
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);
    private string _dir = string.Empty;
    private GardenCityProcess? _process;

    /// <summary>The detections published: camera, time (Beijing), species, count, confidence.</summary>
    public static readonly (string Station, DateTimeOffset Time, string Species, int Count, double Confidence)[] Detections =
    [
        ("bhs-ct-01", new(2025, 3, 10, 21, 0, 0, Beijing), Leopard, 1, 0.95), // confirmed, individual BHS-L01
        ("bhs-ct-02", new(2025, 3, 10, 3, 0, 0, Beijing), Leopard, 1, 0.85), // rejected
        ("bhs-ct-03", new(2025, 3, 11, 1, 0, 0, Beijing), Leopard, 1, 0.90), // corrected: two leopard cats
        ("bhs-ct-01", new(2025, 3, 10, 20, 0, 0, Beijing), RoeDeer, 1, 0.90), // not sensitive: counts as the machine says
        ("bhs-ct-01", new(2025, 3, 10, 22, 0, 0, Beijing), "human", 1, 0.90), // people in the core zone at night: an ecology alert with coordinates
    ];

    public HttpClient Http { get; private set; } = new();

    public string Database { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("gc-eco-").FullName;
        int broker = ServerProcess.FreePort(), api = ServerProcess.FreePort();
        Database = "e" + Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Roles"] = "ingest,alerting,api",
            ["GardenCity:Broker:Port"] = broker.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Health:Url"] = $"http://127.0.0.1:{ServerProcess.FreePort()}",
            ["GardenCity:Api:Url"] = $"http://127.0.0.1:{api}",
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = Database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(_dir, "dlq"),
            ["GardenCity:Spool:Directory"] = Path.Combine(_dir, "spool"),
            ["GardenCity:Alerting:StateDirectory"] = Path.Combine(_dir, "alerting"),
            ["GardenCity:Alerting:AbsenceClock"] = "Watermark",
            ["GardenCity:Ecology:SensitiveSpecies:0"] = "Panthera pardus",
            ["GardenCity:Ecology:GridKm"] = "10",
        };
        (string Key, string Role)[] keys = [(ReaderKey, "Reader"), (ResponderKey, "Responder"), (ReviewerKey, "Reviewer"), (AdminKey, "Admin")];
        for (int i = 0; i < keys.Length; i++)
        {
            settings[$"GardenCity:Api:Keys:{i}:Name"] = keys[i].Role.ToLowerInvariant() + "-test";
            settings[$"GardenCity:Api:Keys:{i}:Role"] = keys[i].Role;
            settings[$"GardenCity:Api:Keys:{i}:KeyHash"] = ApiKeys.Hash(keys[i].Key);
        }

        _process = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker", healthUrl: false);
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
        foreach (string camera in new[] { "bhs-ct-01", "bhs-ct-02", "bhs-ct-03" })
        {
            await using TestPublisher station = await TestPublisher.ConnectAsync(broker, camera, camera, "gc-dev-" + camera);
            int seq = 0;
            var messages = new List<(DateTimeOffset Time, string Topic, string Json)>();
            // bhs-ct-01 sends nothing after its last detection, so that its alerts (leopard: 6 h, people: 2 h) stay in force.
            foreach (int day in camera == "bhs-ct-01" ? new[] { 9, 10 } : [9, 10, 11])
            {
                var t = new DateTimeOffset(2025, 3, day, 12, 0, 0, Beijing);
                messages.Add((t, "status", JsonSerializer.Serialize(new { ts = Iso(t), online = true, battery_v = 12.4, rssi_dbm = -90 })));
            }

            foreach (var d in Detections.Where(d => d.Station == camera))
            {
                messages.Add((d.Time, "event", JsonSerializer.Serialize(new
                {
                    ts = Iso(d.Time),
                    event_id = $"{camera}-{d.Time:MMddHHmm}",
                    image_uri = $"s3://camera-traps/{camera}/{d.Time:MMddHHmm}.jpg",
                    detections = new[] { new { species = d.Species, count = d.Count, confidence = d.Confidence } },
                })));
            }

            foreach (var m in messages.OrderBy(m => m.Time))
            {
                string json = m.Json.Insert(1, $"\"seq\":{++seq},");
                await station.PublishAsync($"gc/v1/camera-trap/{camera}/{m.Topic}", json);
            }
        }

        await InfluxServer.WaitUntilAsync(async () => await CountAsync("SELECT count(\"count\") FROM \"camera_trap\"") >= Detections.Length,
            TimeSpan.FromSeconds(60), () => "the detections were not stored", CancellationToken.None);
        await InfluxServer.WaitUntilAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/alerts/active", UriKind.Relative)) { Headers = { { "X-Api-Key", AdminKey } } };
            using HttpResponseMessage response = await Http.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            return text.Contains("\"species-leopard\"", StringComparison.Ordinal) && text.Contains("\"people-core-zone-night\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), () => "the leopard and people alerts were not raised", CancellationToken.None);
    }

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public async Task<long> CountAsync(string q, string? retentionPolicy = null)
    {
        using var http = new HttpClient();
        string json = await http.GetStringAsync(new Uri($"{servers.Influx.Url}/query?db={Database}{(retentionPolicy is null ? string.Empty : "&rp=" + retentionPolicy)}&q={Uri.EscapeDataString(q)}"));
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
        ServerProcess.DeleteDirectory(_dir);
    }
}

/// <summary>Verification of sensitive detections and protected locations (issue 16; docs/ecology.md), through the real API.</summary>
public sealed class EcologyTests(EcologyFixture fixture) : IClassFixture<EcologyFixture>
{
    private const string ReaderKey = EcologyFixture.ReaderKey, ReviewerKey = EcologyFixture.ReviewerKey, ResponderKey = EcologyFixture.ResponderKey;
    private const string Period = EcologyFixture.Period, Leopard = EcologyFixture.Leopard;

    /// <summary>The exact coordinates of every camera trap of the registry, as text (four decimals, as registered).</summary>
    private static readonly string[] ExactCoordinates = ReadCameraCoordinates();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A leopard detection stays unverified (out of every published count, an unnamed <c>unclassified</c> observation
    /// in Camtrap DP) until a reviewer confirms it, and then counts; a rejected one never counts; a corrected one counts
    /// as the reviewer's species and count. Only the reviewer role may review; who and when are stored in InfluxDB.
    /// </summary>
    [Fact]
    public async Task Leopard_IsHeldUntilAReviewerConfirms_RejectedNeverCounts_CorrectedCountsAsCorrected()
    {
        var (_, before) = await GetJsonAsync($"/api/v1/species?{Period}", ReaderKey);
        Assert.DoesNotContain(before.EnumerateArray(), s => s.GetProperty("species").GetString() == Leopard);
        Assert.Contains(before.EnumerateArray(), s => s.GetProperty("species").GetString() == EcologyFixture.RoeDeer && s.GetProperty("detections").GetInt32() == 1);
        using (ZipArchive zip = await ZipAsync(ReaderKey))
        {
            Assert.Empty(CamtrapDpSchema.Validate(zip));
            var observations = Table(zip, "observations.csv");
            Assert.Equal(3, observations.Count(o => o["observationType"] == "unclassified" && o["scientificName"] == "" && o["count"] == ""));
            Assert.DoesNotContain(observations, o => o["scientificName"].StartsWith("Panthera", StringComparison.Ordinal));
        }

        var (readerQueue, _) = await GetJsonAsync($"/api/v1/reviews/queue?{Period}", ReaderKey);
        var (responderQueue, _) = await GetJsonAsync($"/api/v1/reviews/queue?{Period}", ResponderKey);
        var (status, queue) = await GetJsonAsync($"/api/v1/reviews/queue?{Period}", ReviewerKey);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.OK), (readerQueue, responderQueue, status));
        JsonElement[] items = [.. queue.GetProperty("items").EnumerateArray()];
        Assert.Equal([0.95, 0.90, 0.85], items.Select(i => i.GetProperty("confidence").GetDouble()));
        Assert.Equal(["bhs-ct-01", "bhs-ct-03", "bhs-ct-02"], items.Select(i => i.GetProperty("station").GetString()));
        Assert.Equal(39.8412, items[0].GetProperty("lat").GetDouble()); // the reviewer sees the exact place
        Assert.Equal("s3://camera-traps/bhs-ct-01/03102100.jpg", items[0].GetProperty("image_uri").GetString());

        string Body(JsonElement item, string decision, string extra = "") =>
            $"{{\"station\":\"{item.GetProperty("station").GetString()}\",\"time\":\"{item.GetProperty("time").GetString()}\",\"species\":\"{Leopard}\",\"decision\":\"{decision}\"{extra}}}";
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/api/v1/reviews", Body(items[0], "confirm"), ReaderKey)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/api/v1/reviews", Body(items[0], "confirm"), ResponderKey)).Status);
        var (bad, problem) = await PostAsync("/api/v1/reviews", Body(items[0], "maybe"), ReviewerKey);
        Assert.Equal((HttpStatusCode.BadRequest, "decision"), (bad, problem.GetProperty("parameter").GetString()));
        var (badCount, countProblem) = await PostAsync("/api/v1/reviews", Body(items[2], "correct", ",\"count\":0"), ReviewerKey);
        Assert.Equal((HttpStatusCode.BadRequest, "count"), (badCount, countProblem.GetProperty("parameter").GetString()));
        var (missing, _) = await PostAsync("/api/v1/reviews", $"{{\"station\":\"bhs-ct-01\",\"time\":\"2025-03-10T21:00:01+08:00\",\"species\":\"{Leopard}\",\"decision\":\"confirm\"}}", ReviewerKey);
        Assert.Equal(HttpStatusCode.NotFound, missing);

        var (confirmed, review) = await PostAsync("/api/v1/reviews", Body(items[0], "confirm", ",\"individual_id\":\"BHS-L01\""), ReviewerKey);
        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.Equal(("confirmed", "reviewer-test", "BHS-L01"), (review.GetProperty("decision").GetString(), review.GetProperty("reviewed_by").GetString(), review.GetProperty("individual_id").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/v1/reviews", Body(items[2], "reject", ",\"comment\":\"a branch moving\""), ReviewerKey)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/v1/reviews", Body(items[1], "correct", $",\"corrected_species\":\"{EcologyFixture.LeopardCat}\",\"count\":2"), ReviewerKey)).Status);

        // Durable: three points in InfluxDB, with who and when.
        Assert.Equal(3, await fixture.CountAsync("SELECT count(\"decision\") FROM \"camera_trap_review\"", "forever")); // kept for ever (docs/retention.md)
        var (_, reviews) = await GetJsonAsync($"/api/v1/reviews?{Period}", ReviewerKey);
        Assert.Equal(["rejected", "confirmed", "corrected"], reviews.EnumerateArray().Select(r => r.GetProperty("decision").GetString()));
        Assert.All(reviews.EnumerateArray(), r => Assert.Equal("reviewer-test", r.GetProperty("reviewed_by").GetString()));

        var (_, after) = await GetJsonAsync($"/api/v1/species?{Period}", ReaderKey);
        JsonElement Species(string name) => after.EnumerateArray().Single(s => s.GetProperty("species").GetString() == name);
        Assert.Equal((1, 1), (Species(Leopard).GetProperty("detections").GetInt32(), Species(Leopard).GetProperty("individuals").GetInt32()));
        Assert.Equal((1, 2), (Species(EcologyFixture.LeopardCat).GetProperty("detections").GetInt32(), Species(EcologyFixture.LeopardCat).GetProperty("individuals").GetInt32()));
        var (_, daily) = await GetJsonAsync($"/api/v1/species/{Uri.EscapeDataString(Leopard)}/detections?{Period}", ReaderKey);
        Assert.Equal(["2025-03-09:0", "2025-03-10:1", "2025-03-11:0"], daily.GetProperty("counts").EnumerateArray().Select(c => $"{c.GetProperty("start").GetString()}:{c.GetProperty("detections").GetInt32()}"));
        var (_, rai) = await GetJsonAsync($"/api/v1/species/{Uri.EscapeDataString(Leopard)}/rai?{Period}&site=baihua-mountain", ReaderKey);
        Assert.Equal(1, rai.GetProperty("independent_detections").GetInt32());
        Assert.Equal(0, rai.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("station").GetString() == "bhs-ct-02").GetProperty("independent_detections").GetInt32());
        var (_, catRai) = await GetJsonAsync($"/api/v1/species/{Uri.EscapeDataString(EcologyFixture.LeopardCat)}/rai?{Period}&site=baihua-mountain", ReaderKey);
        Assert.Equal(1, catRai.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("station").GetString() == "bhs-ct-03").GetProperty("independent_detections").GetInt32());
        var (_, activity) = await GetJsonAsync($"/api/v1/species/{Uri.EscapeDataString(Leopard)}/activity?{Period}", ReaderKey);
        int[] hours = [.. activity.GetProperty("hours").EnumerateArray().Select(h => h.GetInt32())];
        Assert.Equal((1, 1), (hours.Sum(), hours[21]));
        var (queueStatus, emptied) = await GetJsonAsync($"/api/v1/reviews/queue?{Period}", ReviewerKey);
        Assert.Equal((HttpStatusCode.OK, 0), (queueStatus, emptied.GetProperty("waiting").GetInt32()));

        string csv = await GetTextAsync($"/api/v1/export/detections.csv?{Period}", ReaderKey);
        string[] rows = csv.Trim().Split('\n');
        Assert.EndsWith("coordinate_uncertainty_m,classification,classified_by,classified_at", rows[0], StringComparison.Ordinal);
        Assert.Single(rows, r => r.Contains(Leopard, StringComparison.Ordinal) && r.Contains(",human,reviewer-test,", StringComparison.Ordinal));
        Assert.Single(rows, r => r.Contains(",bhs-ct-03,", StringComparison.Ordinal) && r.Contains($",{EcologyFixture.LeopardCat},2,", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains(",bhs-ct-02,", StringComparison.Ordinal)); // the rejected one
        Assert.Single(rows, r => r.Contains(EcologyFixture.RoeDeer, StringComparison.Ordinal) && r.EndsWith(",machine,,", StringComparison.Ordinal));

        using (ZipArchive zip = await ZipAsync(ReviewerKey))
        {
            IReadOnlyList<string> errors = CamtrapDpSchema.Validate(zip);
            Assert.True(errors.Count == 0, string.Join("\n", errors));
            var observations = Table(zip, "observations.csv");
            var leopard = observations.Single(o => o["scientificName"] == Leopard);
            Assert.Equal(("human", "reviewer-test", "BHS-L01", "", "1"), (leopard["classificationMethod"], leopard["classifiedBy"], leopard["individualID"], leopard["classificationProbability"], leopard["count"]));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", leopard["classificationTimestamp"]);
            var cat = observations.Single(o => o["scientificName"] == EcologyFixture.LeopardCat);
            Assert.Equal(("human", "2"), (cat["classificationMethod"], cat["count"]));
            var rejected = observations.Single(o => o["deploymentID"].StartsWith("bhs-ct-02_", StringComparison.Ordinal));
            Assert.Equal(("blank", "human", "reviewer-test"), (rejected["observationType"], rejected["classificationMethod"], rejected["classifiedBy"]));
            var deer = observations.Single(o => o["scientificName"] == EcologyFixture.RoeDeer);
            Assert.Equal(("machine", "0.9"), (deer["classificationMethod"], deer["classificationProbability"]));
            Assert.DoesNotContain(observations, o => o["observationType"] == "unclassified");
            using var package = new StreamReader(zip.GetEntry("datapackage.json")!.Open());
            Assert.True(JsonDocument.Parse(await package.ReadToEndAsync(Ct)).RootElement.GetProperty("project").GetProperty("individualAnimals").GetBoolean());
        }
    }

    /// <summary>
    /// No response to a reader key holds the exact coordinates of a camera trap — every camera trap, since a camera
    /// that moved on the map would itself say where the leopard was. The endpoints are enumerated from the API's own
    /// route table (its OpenAPI document), so a new endpoint is checked as soon as it exists; a parameter the test does
    /// not know fails the test until a value is added here. Exports are unzipped; the alert stream is read for a while.
    /// The same sweep with the reviewer key finds the exact coordinates (so the check can fail).
    /// </summary>
    [Fact]
    public async Task Reader_NeverSeesAnExactCameraLocation_OnAnyEndpointOrExport()
    {
        var (_, openApi) = await GetJsonAsync("/api/openapi/v1.json", ReaderKey);
        var (_, active) = await GetJsonAsync("/api/v1/alerts/active", ReviewerKey);
        string alertId = active.EnumerateArray().First().GetProperty("alert_id").GetString()!;
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["from"] = "2025-03-09T00:00:00+08:00",
            ["to"] = "2025-03-12T00:00:00+08:00",
            ["station"] = "bhs-ct-01",
            ["site"] = "baihua-mountain",
            ["species"] = Leopard,
            ["field"] = "battery_v",
            ["interval"] = "day",
            ["independence"] = "30m",
            ["agg"] = "mean",
            ["window"] = "1h",
            ["quality"] = "all",
            ["limit"] = "100",
            ["lang"] = "zh",
            ["rule"] = "species-leopard",
            ["severity"] = "red",
            ["audience"] = "ecology",
            ["transition"] = "raised",
            ["file"] = "none.xml",
            ["occasion"] = "1d",
            ["min_days"] = "1",
            ["alert"] = alertId,
            ["kind"] = "alert.",
            ["who"] = "system",
        };
        var pathIds = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["/api/v1/stations/{id}"] = ["bhs-ct-01", "bhs-ct-02", "bhs-ct-03", "ls-ct-01"],
            ["/api/v1/stations/{id}/series"] = ["bhs-ct-01"],
            ["/api/v1/stations/{id}/fire-weather"] = ["bhs-wx-01", "bhs-ct-01"], // a camera trap: a 400 that must not say where it is
            ["/api/v1/alerts/{id}/deliveries"] = [alertId],
            ["/api/v1/alerts/{id}/ack"] = [alertId],
            ["/api/v1/alerts/{id}/close"] = [alertId],
            ["/api/v1/alerts/{id}/escalation"] = [alertId],
            ["/api/v1/silences/{id}"] = ["no-such-silence"],
            ["/api/v1/individuals/{id}"] = ["BHS-L01"],
            ["/api/v1/geohazard/units/{id}"] = ["heihe-gully-df"],
        };

        var seenByReader = new StringBuilder();
        var seenByReviewer = new StringBuilder();
        var checkedPaths = new List<string>();
        foreach (JsonProperty path in openApi.GetProperty("paths").EnumerateObject())
        {
            foreach (JsonProperty operation in path.Value.EnumerateObject())
            {
                var query = new List<string>();
                string template = path.Name;
                foreach (JsonElement p in operation.Value.TryGetProperty("parameters", out JsonElement ps) ? ps.EnumerateArray() : Enumerable.Empty<JsonElement>())
                {
                    string name = p.GetProperty("name").GetString()!, where = p.GetProperty("in").GetString()!;
                    if (where == "path" && name == "id")
                    {
                        Assert.True(pathIds.ContainsKey(template), $"no ids for {template}: add them to the test");
                        continue;
                    }

                    Assert.True(values.TryGetValue(name, out string? value), $"no value for parameter '{name}' of {operation.Name.ToUpperInvariant()} {template}: add one to the test");
                    if (where == "path")
                    {
                        template = template.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
                    }
                    else if (!(name == "window" && template.EndsWith("/series", StringComparison.Ordinal))) // the automatic window is the one a person gets
                    {
                        query.Add($"{name}={Uri.EscapeDataString(value)}");
                    }
                }

                foreach (string id in pathIds.GetValueOrDefault(path.Name) ?? [string.Empty])
                {
                    string url = template.Replace("{id}", id, StringComparison.Ordinal) + (query.Count > 0 ? "?" + string.Join("&", query) : string.Empty);
                    HttpMethod method = HttpMethod.Parse(operation.Name);
                    string body = method == HttpMethod.Post ? "{\"reason\":\"sweep\",\"station\":\"bhs-ct-01\",\"time\":\"2025-03-10T21:00:00+08:00\",\"species\":\"" + Leopard + "\",\"decision\":\"confirm\"}" : string.Empty;
                    seenByReader.Append(url).Append('\n').Append(await ReadEverythingAsync(method, url, body, ReaderKey));
                    if (method == HttpMethod.Get)
                    {
                        seenByReviewer.Append(await ReadEverythingAsync(method, url, body, ReviewerKey));
                    }

                    checkedPaths.Add($"{method} {url}");
                }
            }
        }

        Assert.Contains(checkedPaths, p => p.StartsWith("GET /api/v1/export/camtrap-dp.zip", StringComparison.Ordinal));
        Assert.Contains(checkedPaths, p => p.StartsWith("GET /api/v1/alerts/stream", StringComparison.Ordinal));
        Assert.True(checkedPaths.Count >= 20, string.Join("\n", checkedPaths));
        string reader = seenByReader.ToString();
        Assert.All(ExactCoordinates, c => Assert.DoesNotContain(c, reader, StringComparison.Ordinal));
        Assert.Contains("39.8412", seenByReviewer.ToString(), StringComparison.Ordinal); // the control: exact for the reviewer
    }

    /// <summary>
    /// The leopard's ecology alert went out at once, marked as needing verification and without coordinates; an ecology
    /// alert of the same camera (people at night) shows the reviewer the exact place and a reader the generalised one.
    /// </summary>
    [Fact]
    public async Task Alerts_LeopardGoesOutAtOnceUnverified_CameraCoordinatesGeneralisedForAReader()
    {
        var (_, forReviewer) = await GetJsonAsync("/api/v1/alerts/active", ReviewerKey);
        var (_, forReader) = await GetJsonAsync("/api/v1/alerts/active", ReaderKey);

        JsonElement leopard = forReviewer.EnumerateArray().First(a => a.GetProperty("rule_id").GetString() == "species-leopard");
        Assert.True(leopard.GetProperty("requires_verification").GetBoolean());
        Assert.False(leopard.TryGetProperty("lat", out _));
        JsonElement exact = forReviewer.EnumerateArray().Single(a => a.GetProperty("rule_id").GetString() == "people-core-zone-night");
        JsonElement shown = forReader.EnumerateArray().Single(a => a.GetProperty("rule_id").GetString() == "people-core-zone-night");
        Assert.Equal((39.8412, 115.5712), (exact.GetProperty("lat").GetDouble(), exact.GetProperty("lon").GetDouble()));
        double moved = Distance(39.8412, 115.5712, shown.GetProperty("lat").GetDouble(), shown.GetProperty("lon").GetDouble());
        Assert.InRange(moved, 1, 10_000 * Math.Sqrt(2) / 2 + 100); // in the 10 km cell, not on the camera
    }

    /// <summary>
    /// The detection history of the roe deer over 03-09..03-12 in occasions of two days, as R's unmarked reads it:
    /// bhs-ct-01 saw it on 03-10 and sent nothing after (NA), bhs-ct-02 stopped after 03-11 (mid-occasion: still 0),
    /// the cameras that never reported are NA; naive occupancy 1 of 3 working cameras.
    /// </summary>
    [Fact]
    public async Task DetectionHistory_AndNaiveOccupancy_OfTheRoeDeer()
    {
        const string Window = "from=2025-03-09T00:00:00%2B08:00&to=2025-03-13T00:00:00%2B08:00&site=baihua-mountain";
        string csv = await GetTextAsync($"/api/v1/export/detection-history.csv?species=Capreolus%20pygargus&occasion=2d&{Window}", ReaderKey);
        var (_, occupancy) = await GetJsonAsync($"/api/v1/occupancy?{Window}", ReaderKey);
        var (bad, problem) = await GetJsonAsync($"/api/v1/export/detection-history.csv?species=Capreolus%20pygargus&occasion=36h&{Window}", ReaderKey);

        Assert.Equal("site,y.1,y.2\nbhs-ct-01,1,NA\nbhs-ct-02,0,0\nbhs-ct-03,0,0\nbhs-ct-04,NA,NA\nbhs-ct-05,NA,NA\nbhs-ct-06,NA,NA\nbhs-ct-07,NA,NA\nbhs-ct-08,NA,NA\n", csv);
        JsonElement site = occupancy.GetProperty("sites").EnumerateArray().Single();
        Assert.Equal((8, 3), (site.GetProperty("camera_traps").GetInt32(), site.GetProperty("cameras_working").GetInt32()));
        Assert.Equal(site.GetProperty("species").GetArrayLength(), site.GetProperty("richness").GetInt32());
        JsonElement deer = site.GetProperty("species").EnumerateArray().Single(s => s.GetProperty("species").GetString() == EcologyFixture.RoeDeer);
        Assert.Equal((1, 1.0 / 3), (deer.GetProperty("cameras_detecting").GetInt32(), deer.GetProperty("naive_occupancy").GetDouble()));
        Assert.DoesNotContain(site.GetProperty("species").EnumerateArray(), s => s.GetProperty("species").GetString() == "human");
        Assert.Equal((HttpStatusCode.BadRequest, "occasion"), (bad, problem.GetProperty("parameter").GetString()));
    }

    private static double Distance(double lat1, double lon1, double lat2, double lon2)
    {
        double r = Math.PI / 180, dLat = (lat2 - lat1) * r, dLon = (lon2 - lon1) * r;
        double a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2)) + (Math.Cos(lat1 * r) * Math.Cos(lat2 * r) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 6_371_000 * 2 * Math.Asin(Math.Sqrt(a));
    }

    /// <summary>A response as text: zip entries unpacked, an event stream read for three seconds.</summary>
    private async Task<string> ReadEverythingAsync(HttpMethod method, string url, string body, string key)
    {
        using var request = new HttpRequestMessage(method, new Uri(url, UriKind.Relative));
        request.Headers.Add("X-Api-Key", key);
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using HttpResponseMessage response = await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        string type = response.Content.Headers.ContentType?.MediaType ?? string.Empty;
        if (type == "text/event-stream")
        {
            cts.CancelAfter(TimeSpan.FromSeconds(3));
            var text = new StringBuilder();
            try
            {
                using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
                while (await stream.ReadLineAsync(cts.Token) is { } line)
                {
                    text.Append(line).Append('\n');
                }
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                // read for three seconds
            }

            return text.ToString();
        }

        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cts.Token);
        if (type == "application/zip")
        {
            using var zip = new ZipArchive(new MemoryStream(bytes));
            return string.Concat(zip.Entries.Select(e => { using var r = new StreamReader(e.Open()); return e.FullName + "\n" + r.ReadToEnd(); }));
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static string[] ReadCameraCoordinates()
    {
        string yaml = File.ReadAllText(Path.Combine(Repo.Root, "deploy", "stations.yaml"));
        var coordinates = new List<string>();
        foreach (string block in yaml.Split("- id: ").Where(b => b.Contains("camera-trap", StringComparison.Ordinal)))
        {
            foreach (string line in block.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("lat:", StringComparison.Ordinal) || l.StartsWith("lon:", StringComparison.Ordinal)))
            {
                coordinates.Add(line[4..].Trim());
            }
        }

        Assert.Contains("39.8412", coordinates);
        Assert.All(coordinates, c => Assert.Matches(@"^\d+\.\d{4}$", c)); // four decimals, never a generalised value's three
        return [.. coordinates];
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(string path, string key) => ApiCalls.GetJsonAsync(fixture.Http, path, key, Ct);

    private Task<string> GetTextAsync(string path, string key) => ApiCalls.GetTextAsync(fixture.Http, path, key, Ct);

    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json, string key) => ApiCalls.PostJsonAsync(fixture.Http, path, json, key, Ct);

    private async Task<ZipArchive> ZipAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/export/camtrap-dp.zip?{Period}", UriKind.Relative));
        request.Headers.Add("X-Api-Key", key);
        using HttpResponseMessage response = await fixture.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var copy = new MemoryStream();
        await response.Content.CopyToAsync(copy, Ct);
        copy.Position = 0;
        return new ZipArchive(copy);
    }

    private static List<Dictionary<string, string>> Table(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        List<string[]> records = CamtrapDpSchema.ParseCsv(reader.ReadToEnd());
        return [.. records.Skip(1).Select(r => records[0].Zip(r).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal))];
    }
}
