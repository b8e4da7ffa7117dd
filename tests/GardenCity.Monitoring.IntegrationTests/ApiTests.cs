using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// One real <c>gardencity run --roles ingest,alerting,api</c> process (embedded broker) over a fresh database filled by
/// the real simulator (two days of the leopard scenario), plus a small hand-made data set; the API over HTTP and the
/// dashboard in headless Chromium.
/// </summary>
public sealed class ApiFixture(ServersFixture servers) : IAsyncLifetime
{
    public const string ReaderKey = "gck_reader-test-key-0001", ResponderKey = "gck_responder-test-key-0002", AdminKey = "gck_admin-test-key-0003";

    /// <summary>A service account of the embedded broker that watches the alert topics, as a duty-room display would.</summary>
    public const string WatcherUser = "duty-display", WatcherPassword = "gc-test-duty-display";
    private string _dir = string.Empty;
    private GardenCityProcess? _process;

    public HttpClient Http { get; private set; } = new();

    public int Broker { get; private set; }

    public string Database { get; private set; } = string.Empty;

    public string InfluxUrl => servers.Influx.Url;

    /// <summary>What the process logged so far (standard output and error).</summary>
    public string Output => _process?.Output ?? string.Empty;

    public async ValueTask InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("gc-api-").FullName;
        Broker = ServerProcess.FreePort();
        int api = ServerProcess.FreePort();
        Database = "q" + Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Roles"] = "ingest,alerting,api",
            ["GardenCity:Broker:Port"] = Broker.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Health:Url"] = $"http://127.0.0.1:{ServerProcess.FreePort()}",
            ["GardenCity:Api:Url"] = $"http://127.0.0.1:{api}",
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = Database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(_dir, "dlq"),
            ["GardenCity:Spool:Directory"] = Path.Combine(_dir, "spool"),
            ["GardenCity:Alerting:StateDirectory"] = Path.Combine(_dir, "alerting"),
            ["GardenCity:Alerting:AbsenceClock"] = "Watermark",
            ["GardenCity:Broker:ServiceAccounts:0:Username"] = WatcherUser,
            ["GardenCity:Broker:ServiceAccounts:0:PasswordHash"] = Core.Stations.PasswordHasher.Hash(WatcherPassword, 10_000),
        };
        string[] keys = [ReaderKey, ResponderKey, AdminKey];
        string[] roles = ["Reader", "Responder", "Admin"];
        for (int i = 0; i < keys.Length; i++)
        {
            settings[$"GardenCity:Api:Keys:{i}:Name"] = roles[i].ToLowerInvariant() + "-test";
            settings[$"GardenCity:Api:Keys:{i}:Role"] = roles[i];
            settings[$"GardenCity:Api:Keys:{i}:KeyHash"] = ApiKeys.Hash(keys[i]);
        }

        _process = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker", healthUrl: false);
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
        await PublishGaugeSpikeAsync();
        string report = Path.Combine(_dir, "report.json");
        var (code, stdout, stderr) = await Repo.RunAsync("dotnet",
            [Repo.SimulatorDll, "--scenario", "leopard", "--duration", "2.00:00:00", "--speed", "0", "--seed", "3", "--port", Broker.ToString(CultureInfo.InvariantCulture), "--report", report],
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(code == 0, stdout + stderr);
        long expected = JsonDocument.Parse(await File.ReadAllTextAsync(report)).RootElement.GetProperty("expected_points").GetProperty("camera_trap_trigger").GetInt64();
        await InfluxServer.WaitUntilAsync(async () => await CountAsync("SELECT count(\"detections\") FROM \"camera_trap_trigger\"") >= expected,
            TimeSpan.FromSeconds(60), () => "simulated data not stored", CancellationToken.None);
        await WriteHandMadeDataAsync();
        await PublishSpacedEventIdsAsync();
        await WaitForAlertingToCatchUpAsync();
    }

    /// <summary>
    /// The readings are stored before the alerting worker has evaluated them all (it reads the same messages on its own
    /// subscription): the tests that read the alerting watermark wait until it has reached the replay's last hour
    /// (the simulator's two days end at 2024-10-02T16:00Z).
    /// </summary>
    private async Task WaitForAlertingToCatchUpAsync()
    {
        var lastHour = new DateTimeOffset(2024, 10, 2, 15, 0, 0, TimeSpan.Zero);
        DateTimeOffset? now = null;
        await InfluxServer.WaitUntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/clock", UriKind.Relative));
                request.Headers.Add("X-Api-Key", ReaderKey);
                using HttpResponseMessage response = await Http.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    return false;
                }

                using JsonDocument clock = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                now = clock.RootElement.GetProperty("now").GetDateTimeOffset();
                return now >= lastHour;
            },
            TimeSpan.FromSeconds(90), () => $"the alerting watermark did not reach {lastHour:O} (last seen {now:O})", CancellationToken.None);
    }

    /// <summary>What <see cref="PublishSpacedEventIdsAsync"/> sends: station, local time, event id, image URI, marten count.</summary>
    public static readonly (string Station, DateTimeOffset Time, string EventId, string? ImageUri, int Martens)[] SpacedEvents =
    [
        ("ls-ct-01", new(2024, 10, 1, 21, 0, 0, TimeSpan.FromHours(8)), "IMG 0001", null, 1),
        ("ls-ct-01", new(2024, 10, 1, 21, 10, 0, TimeSpan.FromHours(8)), "IMG 0002", "/sdcard/DCIM/IMG 0002.JPG", 1), // dependent (10 min)
        ("ls-ct-01", new(2024, 10, 2, 3, 0, 0, TimeSpan.FromHours(8)), "IMG 0003, night \"B\"", "s3://camera-traps/ls-ct-01/IMG 0003.JPG", 2),
        ("ls-ct-01", new(2024, 10, 2, 4, 0, 0, TimeSpan.FromHours(8)), "IMG 0004..bak", null, 0), // blank
        ("ls-ct-02", new(2024, 10, 1, 22, 0, 0, TimeSpan.FromHours(8)), "IMG 0001", null, 1), // the same id at another camera
    ];

    // Issue 12, quality flags: the Zhaitang dam gauge (base stage about 12.75 m) jumps 2.25 m for one sample and comes
    // back, between the simulator's five-minute readings of the same evening; sent before the simulator runs, so the
    // three arrive in order and the jump is re-flagged bad (a spike) on its own point.
    private async Task PublishGaugeSpikeAsync()
    {
        await using TestPublisher gauge = await TestPublisher.ConnectAsync(Broker, "zt-wl-01", "zt-wl-01", "gc-dev-zt-wl-01");
        (string Time, double Level)[] readings = [("2024-10-01T12:02:30Z", 12.75), ("2024-10-01T12:07:30Z", 15.0), ("2024-10-01T12:12:30Z", 12.76)];
        for (int i = 0; i < readings.Length; i++)
        {
            await gauge.PublishAsync("gc/v1/water-level/zt-wl-01/telemetry", JsonSerializer.Serialize(new { ts = readings[i].Time, seq = 800_000 + i, values = new { water_level_m = readings[i].Level } }));
        }

        await InfluxServer.WaitUntilAsync(async () => await CountAsync("SELECT count(\"water_level_m\") FROM \"water_level\" WHERE \"station\" = 'zt-wl-01' AND \"quality\" = 'bad'") == 1,
            TimeSpan.FromSeconds(60), () => "the spike was not flagged bad", CancellationToken.None);
    }

    // Issue 12 finding 4: event ids with spaces (and a comma, quotes, dots) as a camera's own file counter writes them,
    // published over MQTT by the stations themselves into the leopard scenario's days (Lingshan, whose cameras the
    // scenario runs too), with a species the simulator never produces, Martes flavigula (yellow-throated marten).
    private async Task PublishSpacedEventIdsAsync()
    {
        foreach (var group in SpacedEvents.GroupBy(e => e.Station))
        {
            await using TestPublisher station = await TestPublisher.ConnectAsync(Broker, group.Key, group.Key, "gc-dev-" + group.Key);
            int seq = 900_000;
            foreach (var e in group)
            {
                var payload = new Dictionary<string, object>
                {
                    ["ts"] = e.Time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                    ["seq"] = ++seq,
                    ["event_id"] = e.EventId,
                    ["detections"] = e.Martens == 0 ? Array.Empty<object>() : [new { species = "Martes flavigula", count = e.Martens, confidence = 0.87 }],
                };
                if (e.ImageUri is not null)
                {
                    payload["image_uri"] = e.ImageUri;
                }

                await station.PublishAsync($"gc/v1/camera-trap/{group.Key}/event", JsonSerializer.Serialize(payload));
            }
        }

        await InfluxServer.WaitUntilAsync(async () => await CountAsync("SELECT count(\"detections\") FROM \"camera_trap_trigger\" WHERE \"event_id\" =~ /^IMG /") >= SpacedEvents.Length,
            TimeSpan.FromSeconds(30), () => "the events with spaces in their ids were not stored (dead-lettered?)", CancellationToken.None);
        await InfluxServer.WaitUntilAsync(async () => await CountAsync("SELECT count(\"count\") FROM \"camera_trap\" WHERE \"species\" = 'Martes flavigula'") >= SpacedEvents.Count(e => e.Martens > 0),
            TimeSpan.FromSeconds(30), () => "the detections of the events with spaces in their ids were not stored", CancellationToken.None);
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

    // ls-ct-02 (Lingshan): a species the simulator never produces, Naemorhedus griseus (long-tailed goral), in October
    // 2024 (the leopard scenario starts 2024-10-01; its own ls-ct-02 data is left out of this range by a later month).
    // Detections (Beijing time): 11-02 21:00, 21:20 (dependent), 21:40 (independent: 40 min after 21:00), 11-03 05:10.
    // Working: online status on 11-01, 11-02, 11-03 and 11-05; the 11-04 only a Last Will (offline): not a trap-night.
    // Hand-computed over 11-01..11-06: 3 independent detections / 4 trap-nights → RAI 75; by hour: 21h ×2, 5h ×1.
    private async Task WriteHandMadeDataAsync()
    {
        static long Ns(int day, int hour, int minute) => (new DateTimeOffset(2024, 11, day, hour, minute, 0, TimeSpan.FromHours(8)).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        var lines = new StringBuilder();
        const string Tags = "station=ls-ct-02,site=lingshan,kind=camera-trap";
        foreach ((int d, int h, int m) in new[] { (2, 21, 0), (2, 21, 20), (2, 21, 40), (3, 5, 10) })
        {
            lines.Append(CultureInfo.InvariantCulture, $"camera_trap,{Tags},species=Naemorhedus\\ griseus count=1i,confidence=0.91,event_id=\"hm-{d}-{h}-{m}\" {Ns(d, h, m)}\n");
            lines.Append(CultureInfo.InvariantCulture, $"camera_trap_trigger,{Tags} detections=1i,event_id=\"hm-{d}-{h}-{m}\",image_uri=\"s3://x/hm-{d}-{h}-{m}.jpg\" {Ns(d, h, m)}\n");
        }

        foreach (int d in new[] { 1, 2, 3, 5 })
        {
            lines.Append(CultureInfo.InvariantCulture, $"station_status,{Tags} online=true,battery_v=12.4 {Ns(d, 12, 0)}\n");
        }

        lines.Append(CultureInfo.InvariantCulture, $"station_status,{Tags} online=false {Ns(4, 12, 0)}\n");
        using HttpResponseMessage write = await new HttpClient().PostAsync(new Uri($"{servers.Influx.Url}/write?db={Database}"), new StringContent(lines.ToString()), CancellationToken.None);
        Assert.True(write.IsSuccessStatusCode, await write.Content.ReadAsStringAsync());
    }

    public async Task<long> CountAsync(string q)
    {
        using var http = new HttpClient();
        string json = await http.GetStringAsync(new Uri($"{servers.Influx.Url}/query?db={Database}&q={Uri.EscapeDataString(q)}"));
        JsonElement results = JsonDocument.Parse(json).RootElement.GetProperty("results")[0];
        return results.TryGetProperty("series", out JsonElement s) ? s[0].GetProperty("values")[0][1].GetInt64() : 0;
    }
}

public sealed partial class ApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string ReaderKey = ApiFixture.ReaderKey, ResponderKey = ApiFixture.ResponderKey, AdminKey = ApiFixture.AdminKey;

    private HttpClient Http => fixture.Http;

    private int BrokerPort => fixture.Broker;

    private Task<long> CountAsync(string q) => fixture.CountAsync(q);

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, string? key = ReaderKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using HttpResponseMessage response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private const string October = "from=2024-10-01T00:00:00%2B08:00&to=2024-10-03T00:00:00%2B08:00";
    private const string November = "from=2024-11-01T00:00:00%2B08:00&to=2024-11-06T00:00:00%2B08:00";

    [Fact]
    public async Task Stations_ListEveryStationWithItsStateAndLatestReading()
    {
        var (status, body) = await GetAsync("/api/v1/stations");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(34, body.GetArrayLength());
        JsonElement gauge = body.EnumerateArray().Single(s => s.GetProperty("id").GetString() == "qs-wl-01");
        Assert.Equal(2.0, gauge.GetProperty("warning_level_m").GetDouble());
        Assert.True(gauge.GetProperty("latest").GetProperty("water_level_m").GetDouble() > 0);
        Assert.Equal(new DateTimeOffset(2024, 10, 2, 16, 0, 0, TimeSpan.Zero), gauge.GetProperty("last_seen").GetDateTimeOffset(), TimeSpan.FromMinutes(31));
        Assert.True(gauge.GetProperty("online").GetBoolean()); // last seen in 2024: a replay, judged by the watermark (below)
        Assert.True(gauge.GetProperty("battery_v").GetDouble() > 10);
        var (one, station) = await GetAsync("/api/v1/stations/qs-wl-01");
        Assert.Equal((HttpStatusCode.OK, "qingshui-river"), (one, station.GetProperty("site").GetString()));
    }

    /// <summary>
    /// Issue 14: during a replay (AbsenceClock=Watermark, as run-local and this fixture run) the stations are not all
    /// offline: online state is judged against the alerting engine's watermark (the replay's October 2024), by the
    /// same setting as alerting. Before, every station was offline (judged against the wall clock, years later).
    /// </summary>
    [Fact]
    public async Task Stations_DuringAReplay_AreOnlineByTheAlertingWatermarkNotTheWallClock()
    {
        var (status, clock) = await GetAsync("/api/v1/clock");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("watermark", "alerting-watermark"), (clock.GetProperty("policy").GetString(), clock.GetProperty("basis").GetString()));
        DateTimeOffset now = clock.GetProperty("now").GetDateTimeOffset();
        Assert.Equal(new DateTimeOffset(2024, 10, 2, 16, 0, 0, TimeSpan.Zero), now, TimeSpan.FromHours(1)); // the end of the replayed two days
        Assert.True(clock.GetProperty("wall_clock").GetDateTimeOffset() > now.AddYears(1));
        var (_, stations) = await GetAsync("/api/v1/stations");
        JsonElement[] all = [.. stations.EnumerateArray()];
        Assert.Equal(clock.GetProperty("online").GetInt32(), all.Count(s => s.GetProperty("online").GetBoolean()));
        foreach (JsonElement s in all.Where(s => s.GetProperty("kind").GetString() is "weather" or "water-level" or "fire"))
        {
            Assert.True(s.GetProperty("online").GetBoolean(), s.GetProperty("id").GetString() + " offline during the replay, last seen " + s.GetProperty("last_seen"));
        }

        var (_, map) = await GetAsync("/api/v1/map");
        Assert.Equal(JsonValueKind.Null, map.GetProperty("tile_url").ValueKind); // no tile server by default: the offline view
    }

    [Fact]
    public async Task Series_DownsampledWithinMaxPoints_AndExplicitWindowAggregates()
    {
        var (status, auto) = await GetAsync($"/api/v1/stations/qs-wl-01/series?field=water_level_m&{October}");
        var (_, hourly) = await GetAsync($"/api/v1/stations/bhs-wx-01/series?field=rain_mm&agg=sum&window=1h&{October}");
        var (_, raw) = await GetAsync($"/api/v1/stations/bhs-wx-01/series?field=rain_mm&agg=sum&window=5m&{October}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(300, auto.GetProperty("window_s").GetInt64()); // 2 days / 2000 points = 86 s → 5-minute windows
        Assert.InRange(auto.GetProperty("points").GetArrayLength(), 500, 576);
        Assert.Equal(48, hourly.GetProperty("points").GetArrayLength());
        double SumOf(JsonElement e) => e.GetProperty("points").EnumerateArray().Sum(p => p[1].GetDouble());
        Assert.Equal(SumOf(raw), SumOf(hourly), 6); // the hourly sums add up to the 5-minute sums
        var (tooMany, problem) = await GetAsync($"/api/v1/stations/bhs-wx-01/series?field=rain_mm&window=1m&from=2024-01-01T00:00:00Z&to=2024-12-01T00:00:00Z");
        Assert.Equal((HttpStatusCode.BadRequest, "window"), (tooMany, problem.GetProperty("parameter").GetString()));
    }

    [Fact]
    public async Task Species_DetectionsRaiAndActivity_MatchTheHandComputedDataSet()
    {
        var (_, list) = await GetAsync($"/api/v1/species?{November}&site=lingshan");
        var (_, daily) = await GetAsync($"/api/v1/species/Naemorhedus%20griseus/detections?{November}");
        var (_, weekly) = await GetAsync($"/api/v1/species/Naemorhedus%20griseus/detections?interval=week&station=ls-ct-02&{November}");
        var (_, rai) = await GetAsync($"/api/v1/species/Naemorhedus%20griseus/rai?{November}&site=lingshan");
        var (_, rai0) = await GetAsync($"/api/v1/species/Naemorhedus%20griseus/rai?{November}&site=lingshan&independence=0m".Replace("0m", "1s", StringComparison.Ordinal));
        var (_, activity) = await GetAsync($"/api/v1/species/Naemorhedus%20griseus/activity?{November}");

        JsonElement goral = list.EnumerateArray().Single(s => s.GetProperty("species").GetString() == "Naemorhedus griseus");
        Assert.Equal((4, 4), (goral.GetProperty("detections").GetInt32(), goral.GetProperty("individuals").GetInt32()));
        Assert.Equal(["2024-11-01:0", "2024-11-02:3", "2024-11-03:1", "2024-11-04:0", "2024-11-05:0"],
            daily.GetProperty("counts").EnumerateArray().Select(c => $"{c.GetProperty("start").GetString()}:{c.GetProperty("detections").GetInt32()}"));
        Assert.Equal(["2024-10-28:4", "2024-11-04:0"], weekly.GetProperty("counts").EnumerateArray().Select(c => $"{c.GetProperty("start").GetString()}:{c.GetProperty("detections").GetInt32()}"));
        JsonElement station = rai.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("station").GetString() == "ls-ct-02");
        Assert.Equal((3, 4, 75.0), (station.GetProperty("independent_detections").GetInt32(), station.GetProperty("trap_nights").GetInt32(), station.GetProperty("rai").GetDouble()));
        Assert.Equal(4, rai0.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("station").GetString() == "ls-ct-02").GetProperty("independent_detections").GetInt32());
        int[] hours = activity.GetProperty("hours").EnumerateArray().Select(h => h.GetInt32()).ToArray();
        Assert.Equal((3, 2, 1), (hours.Sum(), hours[21], hours[5]));
    }

    [Fact]
    public async Task Species_FromTheSimulator_AreListedWithTheirSites()
    {
        var (_, list) = await GetAsync($"/api/v1/species?{October}");

        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("species").GetString() == "Capreolus pygargus" && s.GetProperty("detections").GetInt32() > 0);
        Assert.All(list.EnumerateArray(), s => Assert.Equal(s.GetProperty("detections").GetInt64(), s.GetProperty("sites").EnumerateArray().Sum(x => x.GetProperty("detections").GetInt64())));
    }

    [Fact]
    public async Task Export_CsvAndCamtrapDp_CarryEveryDetectionWithConsistentTables()
    {
        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/export/detections.csv?{November}", UriKind.Relative)) { Headers = { { "X-Api-Key", ReaderKey } } };
        string csv = await (await Http.SendAsync(csvRequest, TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var zipRequest = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/export/camtrap-dp.zip?{October}", UriKind.Relative)) { Headers = { { "X-Api-Key", ReaderKey } } };
        using HttpResponseMessage zipResponse = await Http.SendAsync(zipRequest, TestContext.Current.CancellationToken);
        using var zip = new ZipArchive(await zipResponse.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));

        Assert.Equal(5, csv.Trim().Split('\n').Length); // header + the 4 hand-made detections
        Assert.Contains("ls-ct-02,lingshan,", csv, StringComparison.Ordinal);
        CamtrapDpCheck.Validate(zip);
        var (_, species) = await GetAsync($"/api/v1/species?{October}");
        long detections = species.EnumerateArray().Sum(s => s.GetProperty("detections").GetInt64());
        // Unverified detections of sensitive species (the leopard; docs/ecology.md) are "unclassified" observations, not counted.
        Assert.Equal(detections, Table(zip, "observations.csv").Count(r => r["observationType"] is not ("blank" or "unclassified")));
    }

    /// <summary>
    /// The Camtrap DP export of the simulator's leopard scenario (with the spaced event ids published into it) and of
    /// the hand-made November set, each checked against the official Camtrap DP 1.0.2 profile and table schemas.
    /// </summary>
    [Theory]
    [InlineData(October)]
    [InlineData(November)]
    public async Task CamtrapDp_Export_PassesTheOfficialSchemas(string period)
    {
        using ZipArchive zip = await ExportAsync(period);

        IReadOnlyList<string> errors = CamtrapDpSchema.Validate(zip);

        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.NotEmpty(Table(zip, "observations.csv"));
    }

    /// <summary>
    /// Issue 12 finding 5: <c>temporal.end</c> is the last day, not the exclusive end of the period (the exports
    /// printed 2024-10-03 and 2024-11-06). The profile's definition: the first and the last day of the deployments.
    /// </summary>
    [Theory]
    [InlineData(October, "2024-10-01", "2024-10-02")]
    [InlineData(November, "2024-11-01", "2024-11-05")]
    public async Task CamtrapDp_Temporal_IsTheFirstAndLastDayNotTheExclusiveEnd(string period, string start, string end)
    {
        using ZipArchive zip = await ExportAsync(period);
        using var reader = new StreamReader(zip.GetEntry("datapackage.json")!.Open());
        JsonElement temporal = JsonDocument.Parse(await reader.ReadToEndAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("temporal");

        Assert.Equal((start, end), (temporal.GetProperty("start").GetString(), temporal.GetProperty("end").GetString()));
    }

    /// <summary>
    /// Issue 12 finding 4: event ids with spaces, a comma, quotes and dots, published over MQTT, go through InfluxDB into
    /// the RAI and the Camtrap DP export unchanged; two cameras with the same id stay two media; a station's local
    /// image path (not a path the media schema allows) is kept in mediaComments.
    /// </summary>
    [Fact]
    public async Task SpacedEventIds_RoundTripIntoTheRaiAndTheCamtrapDpExport()
    {
        var (status, rai) = await GetAsync($"/api/v1/species/Martes%20flavigula/rai?{October}&site=lingshan");
        var (_, everyRecord) = await GetAsync($"/api/v1/species/Martes%20flavigula/rai?{October}&site=lingshan&independence=1s");
        using ZipArchive zip = await ExportAsync(October);
        var media = Table(zip, "media.csv");
        var observations = Table(zip, "observations.csv");

        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement Station(JsonElement r, string id) => r.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("station").GetString() == id);
        foreach ((string station, int independent, int records) in new[] { ("ls-ct-01", 2, 3), ("ls-ct-02", 1, 1) })
        {
            JsonElement s = Station(rai, station);
            int nights = s.GetProperty("trap_nights").GetInt32();
            Assert.Equal(independent, s.GetProperty("independent_detections").GetInt32());
            Assert.Equal(records, Station(everyRecord, station).GetProperty("independent_detections").GetInt32());
            Assert.InRange(nights, 1, 2);
            Assert.Equal(100.0 * independent / nights, s.GetProperty("rai").GetDouble(), 6);
        }

        foreach (var e in ApiFixture.SpacedEvents)
        {
            var m = media.Single(r => r["deploymentID"].StartsWith(e.Station + "_", StringComparison.Ordinal) && r["timestamp"] == e.Time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            var o = observations.Where(r => r["mediaID"] == m["mediaID"]).ToList();
            Assert.All(o, r => Assert.Equal(e.EventId, r["eventID"]));
            Assert.Equal(e.Martens == 0 ? ["blank"] : ["animal"], o.Select(r => r["observationType"]));
            Assert.Equal(e.Martens == 0 ? "" : e.Martens.ToString(CultureInfo.InvariantCulture), o[0]["count"]);
            if (e.ImageUri is "/sdcard/DCIM/IMG 0002.JPG")
            {
                Assert.Equal(("media/ls-ct-01/IMG%200002.jpg", "IMG 0002.jpg", "image_uri as sent: /sdcard/DCIM/IMG 0002.JPG"), (m["filePath"], m["fileName"], m["mediaComments"]));
            }
            else if (e.ImageUri is not null)
            {
                Assert.Equal((e.ImageUri, "IMG 0003.JPG"), (m["filePath"], m["fileName"]));
            }
            else
            {
                Assert.Equal(e.EventId + ".jpg", m["fileName"]);
            }
        }

        Assert.Equal("media/ls-ct-01/IMG%200004%2E%2Ebak.jpg", media.Single(r => r["fileName"] == "IMG 0004..bak.jpg")["filePath"]);
        Assert.Equal(2, observations.Count(r => r["eventID"] == "IMG 0001")); // two cameras, one id: two media, two observations
        Assert.Equal(media.Count, media.Select(r => r["mediaID"]).Distinct().Count());
    }

    private async Task<ZipArchive> ExportAsync(string period)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/export/camtrap-dp.zip?{period}", UriKind.Relative)) { Headers = { { "X-Api-Key", ReaderKey } } };
        using HttpResponseMessage response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var copy = new MemoryStream();
        await response.Content.CopyToAsync(copy, TestContext.Current.CancellationToken);
        copy.Position = 0;
        return new ZipArchive(copy);
    }

    /// <summary>A CSV entry of the zip as rows by column name (RFC 4180, quoted cells with commas and quotes).</summary>
    private static List<Dictionary<string, string>> Table(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        List<string[]> records = CamtrapDpSchema.ParseCsv(reader.ReadToEnd());
        return [.. records.Skip(1).Select(r => records[0].Zip(r).ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal))];
    }

    [Fact]
    public async Task Alerts_HistoryActiveAcknowledgeAndLiveStream_WithRoleChecks()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using var stream = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/alerts/stream", UriKind.Relative)) { Headers = { { "X-Api-Key", ReaderKey } } };
        using HttpResponseMessage live = await Http.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead, ct);
        using var reader = new StreamReader(await live.Content.ReadAsStreamAsync(ct));
        Assert.Equal(": connected", await reader.ReadLineAsync(ct));

        // A flood at qs-wl-01, published by the station itself: raised, seen on the stream, acknowledged.
        await using (TestPublisher gauge = await TestPublisher.ConnectAsync(BrokerPort, "qs-wl-01", "qs-wl-01", "gc-dev-qs-wl-01"))
        {
            await gauge.PublishAsync("gc/v1/water-level/qs-wl-01/telemetry", """{"ts":"2024-10-02T16:10:00Z","seq":999999,"values":{"water_level_m":3.4}}""");
        }

        string? data = null;
        while (data is null || !data.Contains("flood-level", StringComparison.Ordinal))
        {
            string line = await reader.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), ct) ?? throw new InvalidOperationException("stream ended");
            data = line.StartsWith("data: ", StringComparison.Ordinal) ? line[6..] : data;
        }

        JsonElement n = JsonDocument.Parse(data).RootElement;
        string id = n.GetProperty("alert_id").GetString()!;
        Assert.Equal(("raised", "red"), (n.GetProperty("transition").GetString(), n.GetProperty("severity").GetString()));
        var (_, active) = await GetAsync("/api/v1/alerts/active");
        Assert.Contains(active.EnumerateArray(), a => a.GetProperty("alert_id").GetString() == id);

        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync($"/api/v1/alerts/{id}/ack", ReaderKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync($"/api/v1/alerts/{id}/ack", null));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync($"/api/v1/alerts/{id}/ack", "gck_wrong"));
        Assert.Equal(HttpStatusCode.OK, await PostAsync($"/api/v1/alerts/{id}/ack", ResponderKey));
        Assert.Equal(HttpStatusCode.NotFound, await PostAsync("/api/v1/alerts/flood-level.nope.20240101T000000Z/ack", AdminKey));
        var (_, after) = await GetAsync("/api/v1/alerts/active");
        Assert.Equal("responder-test", after.EnumerateArray().Single(a => a.GetProperty("alert_id").GetString() == id).GetProperty("acknowledged_by").GetString());

        // The MQTT channel of the same process, through its own embedded broker: the alert is retained on its topic.
        // Regression: the alert publisher was built before the embedded broker had started, took port 0 and retried the
        // first alert for ever, so no alert ever reached MQTT in one process with the embedded broker.
        JsonElement retained = await ApiCalls.RetainedAsync(BrokerPort, "gc/v1/alerts/emergency/flood-level/qs-wl-01", ct, (ApiFixture.WatcherUser, ApiFixture.WatcherPassword));
        Assert.Equal(id, retained.GetProperty("alert_id").GetString());

        await InfluxServer.WaitUntilAsync(async () => (await GetAsync("/api/v1/alerts/history?from=2024-10-01T00:00:00Z&to=2025-09-30T00:00:00Z&station=qs-wl-01&rule=flood-level")).Body.GetArrayLength() >= 2,
            TimeSpan.FromSeconds(20), () => "history not written", ct);
        var (_, history) = await GetAsync("/api/v1/alerts/history?from=2024-10-01T00:00:00Z&to=2025-09-30T00:00:00Z&station=qs-wl-01&rule=flood-level");
        Assert.Equal(["acknowledged", "raised"], history.EnumerateArray().Select(h => h.GetProperty("transition").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains(history.EnumerateArray(), h => h.GetProperty("acknowledged_by").ValueKind == JsonValueKind.String && h.GetProperty("acknowledged_by").GetString() == "responder-test");
    }

    [Fact]
    public async Task Keys_AreRequiredAndCheckedOnEveryEndpoint()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/api/v1/stations", key: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync("/api/v1/stations", key: "gck_not-a-key")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/v1/stations", key: AdminKey)).Status);
        foreach (string alerts in new[] { "/api/v1/alerts/active", "/api/v1/alerts/cap.atom" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(alerts, key: null)).Status);
        }

        var (status, body) = await GetAsync("/api/openapi/v1.json", key: null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("paths").TryGetProperty("/api/v1/species/{species}/rai", out _));
    }

    [Theory]
    [InlineData("/api/v1/stations/qs-wl-01/series", "field")]
    [InlineData("/api/v1/stations/qs-wl-01/series?field=water_level_m%22%20FROM%20water_level%3B%20DROP%20DATABASE%20x", "field")]
    [InlineData("/api/v1/stations/qs-wl-01/series?field=water_level_m&agg=count", "agg")]
    [InlineData("/api/v1/stations/qs-wl-01/series?field=water_level_m&quality=best", "quality")]
    [InlineData("/api/v1/stations/qs-wl-01/series?field=water_level_m&window=1%20week", "window")]
    [InlineData("/api/v1/stations/qs-wl-01/series?field=water_level_m&from=2024-10-01", "from")]
    [InlineData("/api/v1/stations/qs-wl-01/series?field=water_level_m&from=2000-01-01T00:00:00Z&to=2024-01-01T00:00:00Z", "to")]
    [InlineData("/api/v1/species/Panthera%27%3B%20DROP%20DATABASE%20x%3B--/rai?from=2024-10-01T00:00:00Z&to=2024-10-03T00:00:00Z", "species")]
    [InlineData("/api/v1/species?site=%2F..%2F..%2Fetc", "site")]
    [InlineData("/api/v1/species/Sus%20scrofa/detections?interval=fortnight", "interval")]
    [InlineData("/api/v1/species/Sus%20scrofa/rai?independence=-5m", "independence")]
    [InlineData("/api/v1/alerts/history?severity=purple", "severity")]
    [InlineData("/api/v1/alerts/history?rule=x%27%20OR%201%3D1", "rule")]
    [InlineData("/api/v1/alerts/history?limit=100000", "limit")]
    public async Task HostileOrWrongParameters_Give400NamingTheParameter_AndTheDatabaseIsUntouched(string path, string parameter)
    {
        var (status, body) = await GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(parameter, body.GetProperty("parameter").GetString());
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.True(await CountAsync("SELECT count(\"water_level_m\") FROM \"water_level\"") > 0);
    }

    /// <summary>Issue 14: an unknown station in the path is a 404 problem, not a 400 about a parameter.</summary>
    [Theory]
    [InlineData("/api/v1/stations/no-such-station")]
    [InlineData("/api/v1/stations/no-such-station/series?field=water_level_m")]
    [InlineData("/api/v1/stations/qs-wl-01%27%20OR%20%271%27=%271/series?field=water_level_m")]
    public async Task UnknownStationInPath_Gives404Problem(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)) { Headers = { { "X-Api-Key", ReaderKey } } };
        using HttpResponseMessage response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, body.GetProperty("status").GetInt32());
        Assert.StartsWith("No station '", body.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.True(await CountAsync("SELECT count(\"water_level_m\") FROM \"water_level\"") > 0);
    }

    /// <summary>Issue 14: a species never detected has an RAI of 0 (the cameras worked, nothing was seen), not a 400.</summary>
    [Fact]
    public async Task Species_NeverDetected_RaiZeroAndEveryCountZero()
    {
        var (raiStatus, rai) = await GetAsync($"/api/v1/species/Homo%20erectus/rai?{November}&site=lingshan");
        var (dailyStatus, daily) = await GetAsync($"/api/v1/species/Homo%20erectus/detections?{November}");
        var (activityStatus, activity) = await GetAsync($"/api/v1/species/Homo%20erectus/activity?{November}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (raiStatus, dailyStatus, activityStatus));
        Assert.Equal((0, 0.0), (rai.GetProperty("independent_detections").GetInt32(), rai.GetProperty("rai").GetDouble()));
        JsonElement goralCamera = rai.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("station").GetString() == "ls-ct-02");
        Assert.Equal((0, 4, 0.0), (goralCamera.GetProperty("independent_detections").GetInt32(), goralCamera.GetProperty("trap_nights").GetInt32(), goralCamera.GetProperty("rai").GetDouble()));
        Assert.All(daily.GetProperty("counts").EnumerateArray(), c => Assert.Equal(0, c.GetProperty("detections").GetInt32()));
        Assert.Equal(5, daily.GetProperty("counts").GetArrayLength());
        Assert.Equal(0, activity.GetProperty("hours").EnumerateArray().Sum(h => h.GetInt32()));
    }

    [Fact]
    public async Task ExportCsv_HasContentDispositionWithAFileNameOfThePeriod()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/export/detections.csv?{November}", UriKind.Relative)) { Headers = { { "X-Api-Key", ReaderKey } } };
        using HttpResponseMessage response = await Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("gardencity-detections-20241101-20241106.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    /// <summary>Issue 14: means came out as 100.60000000000002; values are rounded to the decimals the sensor reports.</summary>
    [Theory]
    [InlineData("qs-wl-01", "water_level_m", 2)]
    [InlineData("bhs-wx-01", "air_temp_c", 1)]
    [InlineData("bhs-wx-01", "rh_pct", 1)]
    [InlineData("qs-wl-01", "battery_v", 2)]
    public async Task Series_Means_RoundedToTheSensorsPrecision(string station, string field, int decimals)
    {
        var (status, series) = await GetAsync($"/api/v1/stations/{station}/series?field={field}&window=1h&{October}");
        var (_, stations) = await GetAsync("/api/v1/stations");

        Assert.Equal(HttpStatusCode.OK, status);
        double[] values = series.GetProperty("points").EnumerateArray().Select(p => p[1].GetDouble()).ToArray();
        Assert.True(values.Length > 10);
        Assert.All(values, v => Assert.Equal(Math.Round(v, decimals), v));
        JsonElement latest = stations.EnumerateArray().Single(s => s.GetProperty("id").GetString() == station);
        double last = field == "battery_v" ? latest.GetProperty("battery_v").GetDouble() : latest.GetProperty("latest").GetProperty(field).GetDouble();
        Assert.Equal(Math.Round(last, decimals), last);
    }

    [Fact]
    public async Task Json_ChineseUnescaped()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/stations/qs-wl-01", UriKind.Relative)) { Headers = { { "X-Api-Key", ReaderKey } } };
        using HttpResponseMessage response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains("清水河", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
    }

    /// <summary>Issue 14: a log line per request at Information buried everything else; the default is Warning.</summary>
    [Fact]
    public async Task RequestLogging_DefaultIsWarning_NoLinePerRequest()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/api/v1/stations/qs-wl-01")).Status);
        await Task.Delay(500, TestContext.Current.CancellationToken);

        Assert.DoesNotContain("Request starting", fixture.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Request finished", fixture.Output, StringComparison.Ordinal);
        Assert.Contains("Alerting connected to MQTT broker", fixture.Output, StringComparison.Ordinal); // the log is read
    }

    /// <summary>
    /// The dashboard as a person uses it (issue 14), in headless Chromium: alerts, charts with axis titles and integer
    /// count axes, the Leaflet map with every station coloured and a legend (no tiles: none configured), the
    /// watersheds upstream to downstream, species by their common names without <c>human</c>, Chinese drawn with a
    /// real font, a favicon; a new alert without reload; the 400 px layout with nothing cut off; the 72 h preset; closing
    /// the alert with a reason (refused for a reader key, done with the responder key typed in); English legends.
    /// </summary>
    [Fact]
    public async Task Dashboard_InHeadlessChromium_AsAPersonUsesIt_AtDesktopAnd400px()
    {
        string shots = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(shots);
        string screenshot = Path.Combine(shots, "dashboard.png");
        string browser = Path.Combine(Repo.Root, "tests", "GardenCity.Monitoring.IntegrationTests", "browser");
        using Repo.NodeProcess node = Repo.StartNode(browser, ["dashboard-check.mjs", Http.BaseAddress + "?key=" + ReaderKey + "&from=2024-10-01T00:00:00%2B08:00&to=2024-10-03T00:00:00%2B08:00", screenshot, "60000", ResponderKey]);
        JsonElement ready = await node.NextAsync("ready", TimeSpan.FromSeconds(90));
        Assert.Empty(ready.GetProperty("errors").EnumerateArray());
        Assert.Equal("门头沟生态与应急监测", ready.GetProperty("title").GetString());
        Assert.True(ready.GetProperty("chinese").GetBoolean(), "Chinese is drawn as boxes: no CJK font (tests/run-tests.sh installs fonts-noto-cjk)");
        Assert.Equal(200, ready.GetProperty("favicon").GetInt32());
        JsonElement charts = ready.GetProperty("charts");
        Assert.True(charts.GetProperty("level").GetInt32() > 100, charts.ToString());
        Assert.Equal(24, charts.GetProperty("activity").GetInt32());
        Assert.Equal(34, ready.GetProperty("markers").GetInt32()); // every station on the map
        Assert.Equal(0, ready.GetProperty("tiles").GetInt32()); // no tile server configured: nothing loaded from outside
        Assert.Contains("红色预警", ready.GetProperty("legend").GetString(), StringComparison.Ordinal);
        Assert.Contains("离线", ready.GetProperty("legend").GetString(), StringComparison.Ordinal);
        Assert.Contains("北京时间", ready.GetProperty("rangeLegend").GetString(), StringComparison.Ordinal);
        Assert.Contains("北京时间", ready.GetProperty("clock").GetString(), StringComparison.Ordinal);
        // Upstream to downstream along each river (by elevation), coloured by level.
        JsonElement rivers = ready.GetProperty("rivers");
        Assert.Equal(["qs-wl-01", "qs-wl-02", "zt-wl-01"], rivers.GetProperty("qingshui").EnumerateArray().Select(g => g.GetString()!.Split(':')[0]));
        Assert.Equal(["jh-wl-01", "yd-wl-01", "yd-wl-02", "zms-wl-01", "hhg-wl-01", "yd-wl-03"], rivers.GetProperty("yongding").EnumerateArray().Select(g => g.GetString()!.Split(':')[0]));
        Assert.All(rivers.EnumerateObject().SelectMany(r => r.Value.EnumerateArray()), g => Assert.Matches(":level-(normal|warning|guaranteed)$", g.GetString()!));
        string[] species = [.. ready.GetProperty("species").EnumerateArray().Select(o => o.GetString()!)];
        Assert.Contains(species, o => o.StartsWith("狍 · Capreolus pygargus (", StringComparison.Ordinal));
        Assert.DoesNotContain(species, o => o.Contains("human", StringComparison.Ordinal));
        JsonElement axes = ready.GetProperty("axes");
        Assert.Equal("水位（米）", axes.GetProperty("level").GetProperty("y").GetProperty("title").GetString());
        Assert.Equal("时间（北京时间）", axes.GetProperty("level").GetProperty("x").GetProperty("title").GetString());
        Assert.Equal(0, axes.GetProperty("activity").GetProperty("y").GetProperty("precision").GetInt32()); // counts: whole numbers
        Assert.Equal(0, axes.GetProperty("detections").GetProperty("y").GetProperty("precision").GetInt32());

        // Issue 12: the spike at zt-wl-01 (PublishGaugeSpikeAsync) is drawn apart from the good values.
        JsonElement quality = await node.NextAsync("quality", TimeSpan.FromSeconds(60));
        Assert.Equal(1, quality.GetProperty("bad").GetInt32());
        Assert.Equal(0, quality.GetProperty("doubtful").GetInt32());
        Assert.Equal(quality.GetProperty("points").GetInt32() - 1, quality.GetProperty("plain").GetInt32());

        // A new alert while the page is open: a flame at a fire station.
        await using (TestPublisher fire = await TestPublisher.ConnectAsync(BrokerPort, "mfs-fire-02", "mfs-fire-02", "gc-dev-mfs-fire-02"))
        {
            await fire.PublishAsync("gc/v1/fire/mfs-fire-02/event", """{"ts":"2024-10-02T16:20:00Z","seq":999999,"event_id":"ui-flame-1","detection":"flame","confidence":0.95}""");
        }

        JsonElement alert = await node.NextAsync("alert", TimeSpan.FromSeconds(60));
        string id = alert.GetProperty("id").GetString()!;
        Assert.StartsWith("fire-detection.mfs-fire-02.", id, StringComparison.Ordinal);
        Assert.Equal("red", alert.GetProperty("severity").GetString());
        Assert.Equal(1, alert.GetProperty("navigations").GetInt32()); // no reload

        // 400 px: nothing sticks out to the right and no alert text is cut off.
        JsonElement narrow = await node.NextAsync("narrow", TimeSpan.FromSeconds(60));
        Assert.True(narrow.GetProperty("alerts").GetInt32() >= 1, narrow.ToString());
        Assert.True(narrow.GetProperty("scrollWidth").GetInt32() <= 400, narrow.ToString());
        Assert.Empty(narrow.GetProperty("outside").EnumerateArray());
        Assert.Empty(narrow.GetProperty("cut").EnumerateArray());

        // The 72 h preset: 72 hours up to the API's now, which in this replay is the watermark (October 2024).
        JsonElement preset = await node.NextAsync("preset", TimeSpan.FromSeconds(60));
        DateTimeOffset from = DateTimeOffset.Parse(preset.GetProperty("from").GetString() + ":00+08:00", CultureInfo.InvariantCulture);
        DateTimeOffset to = DateTimeOffset.Parse(preset.GetProperty("to").GetString() + ":00+08:00", CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromHours(72), to - from);
        Assert.Equal(preset.GetProperty("clock").GetProperty("now").GetDateTimeOffset(), to, TimeSpan.FromMinutes(1));
        Assert.Equal(2024, to.Year);
        Assert.True(preset.GetProperty("level").GetInt32() > 100, preset.ToString());

        // Closing by hand with a reason: refused with the reader key (and said so), done with the responder key.
        JsonElement closed = await node.NextAsync("close", TimeSpan.FromSeconds(200)); // three waits of the page, each bounded by the script's own 60 s: a stuck one is reported by node with its selector
        Assert.Contains("responder", closed.GetProperty("refused").GetString(), StringComparison.Ordinal);
        Assert.True(closed.GetProperty("gone").GetBoolean());
        var (_, active) = await GetAsync("/api/v1/alerts/active");
        Assert.DoesNotContain(active.EnumerateArray(), a => a.GetProperty("alert_id").GetString() == id);
        await InfluxServer.WaitUntilAsync(async () => (await GetAsync("/api/v1/alerts/history?from=2024-10-01T00:00:00Z&to=2025-09-30T00:00:00Z&station=mfs-fire-02&transition=closed")).Body.GetArrayLength() >= 1,
            TimeSpan.FromSeconds(20), () => "the close was not recorded", TestContext.Current.CancellationToken);
        var (_, history) = await GetAsync("/api/v1/alerts/history?from=2024-10-01T00:00:00Z&to=2025-09-30T00:00:00Z&station=mfs-fire-02&transition=closed");
        string record = history.EnumerateArray().First().GetRawText();
        Assert.Contains("\"responder-test\"", record, StringComparison.Ordinal);
        Assert.Contains("Test: false alarm, checked on site / 现场核实为误报", record, StringComparison.Ordinal);

        JsonElement english = await node.NextAsync("english", TimeSpan.FromSeconds(30));
        Assert.Equal("Mentougou ecological and emergency monitoring", english.GetProperty("title").GetString());
        Assert.Equal(["water level (m)", "warning level", "guaranteed level"], english.GetProperty("legends").GetProperty("level").EnumerateArray().Select(l => l.GetString()));
        Assert.Contains(english.GetProperty("species").EnumerateArray(), o => o.GetString()!.StartsWith("Siberian roe deer · Capreolus pygargus (", StringComparison.Ordinal));
        Assert.Empty((await node.NextAsync("done", TimeSpan.FromSeconds(30))).GetProperty("errors").EnumerateArray());
        Assert.True(new FileInfo(screenshot).Length > 10_000);
        TestContext.Current.AddAttachment("dashboard screenshot", screenshot);
        TestContext.Current.AddAttachment("dashboard screenshot at 400 px", screenshot.Replace(".png", "-400.png", StringComparison.Ordinal));
    }

    private async Task<HttpStatusCode> PostAsync(string path, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        using HttpResponseMessage response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
