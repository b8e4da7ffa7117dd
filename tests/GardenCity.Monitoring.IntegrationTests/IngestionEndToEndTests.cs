using System.Globalization;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using MQTTnet;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>Station → real broker → ingestion worker → real influxd, queried back with InfluxQL.</summary>
public sealed class IngestionEndToEndTests(ServersFixture servers)
{
    private const long T0 = 1690769700_000_000_000; // 2023-07-31T02:15:00Z in nanoseconds

    [Fact]
    public async Task Ingest_AllFourKindsThroughMosquitto_StoresMeasurementTagsFieldsAndTimestamps()
    {
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers);
        await using TestPublisher station = await TestPublisher.ConnectAsync(servers.Mosquitto.Port);

        await station.PublishAsync("gc/v1/weather/zt-wx-01/telemetry", """{"ts":"2023-07-31T10:15:00+08:00","seq":7,"values":{"air_temp_c":22.4,"rh_pct":98,"wind_speed_ms":3.2,"wind_dir_deg":135,"rain_mm":41.5,"pressure_hpa":963.1}}""");
        await station.PublishAsync("gc/v1/water-level/yd-wl-03/telemetry", """{"ts":"2023-07-31T02:15:00Z","seq":18342,"values":{"water_level_m":3.42,"flow_m3s":812.5,"rain_mm":12.5}}""");
        await station.PublishAsync("gc/v1/fire/mfs-fire-02/telemetry", """{"ts":"2023-07-31T02:15:00Z","seq":91,"values":{"air_temp_c":21.0,"rh_pct":97,"wind_speed_ms":2.1,"co_ppm":0.4,"smoke_obscuration_pct_m":0.01}}""");
        await station.PublishAsync("gc/v1/fire/mfs-fire-02/event", """{"ts":"2023-07-31T02:15:00Z","seq":92,"event_id":"mfs-fire-02-000092","detection":"smoke","confidence":0.81,"bearing_deg":212}""");
        await station.PublishAsync("gc/v1/camera-trap/bhs-ct-07/event", """{"ts":"2023-07-31T10:15:00+08:00","seq":553,"event_id":"bhs-ct-07-000553","image_uri":"s3://camera-traps/bhs-ct-07/000553.jpg","detections":[{"species":"Panthera pardus japonensis","count":1,"confidence":0.94},{"species":"Capreolus pygargus","count":2,"confidence":0.88}]}""");
        await station.PublishAsync("gc/v1/camera-trap/bhs-ct-07/status", """{"ts":"2023-07-31T02:15:00Z","online":true,"battery_v":12.4,"rssi_dbm":-97,"firmware":"2.3.1"}""");

        await ingestion.WaitForCountAsync(PointMapper.StationStatus, "online", 1);
        await ingestion.WaitForCountAsync(PointMapper.CameraTrap, "count", 2);

        InfluxSeries weather = Assert.Single(await ingestion.QueryAsync("SELECT * FROM weather GROUP BY *"));
        Assert.Equal(new Dictionary<string, string> { ["kind"] = "weather", ["site"] = "zhaitang-reservoir", ["station"] = "zt-wx-01", ["watershed"] = "qingshui" }, weather.Tags);
        Assert.Equal(T0, weather.Get(0, "time").GetInt64());
        Assert.Equal(41.5, weather.Get(0, "rain_mm").GetDouble());
        Assert.Equal(963.1, weather.Get(0, "pressure_hpa").GetDouble());
        Assert.Equal(98, weather.Get(0, "rh_pct").GetDouble());
        Assert.Equal(7, weather.Get(0, "seq").GetInt64());

        InfluxSeries gauge = Assert.Single(await ingestion.QueryAsync("SELECT * FROM water_level GROUP BY *"));
        Assert.Equal("yongding", gauge.Tags["watershed"]);
        Assert.Equal("yongding-gorge", gauge.Tags["site"]);
        Assert.Equal(T0, gauge.Get(0, "time").GetInt64());
        Assert.Equal(3.42, gauge.Get(0, "water_level_m").GetDouble());
        Assert.Equal(812.5, gauge.Get(0, "flow_m3s").GetDouble());

        InfluxSeries fire = Assert.Single(await ingestion.QueryAsync("SELECT * FROM fire GROUP BY *"));
        Assert.Equal("mfs-fire-02", fire.Tags["station"]);
        Assert.Equal(0.4, fire.Get(0, "co_ppm").GetDouble());

        InfluxSeries smoke = Assert.Single(await ingestion.QueryAsync("SELECT * FROM fire_event GROUP BY *"));
        Assert.Equal("smoke", smoke.Tags["detection"]);
        Assert.Equal(212, smoke.Get(0, "bearing_deg").GetDouble());
        Assert.Equal("mfs-fire-02-000092", smoke.Get(0, "event_id").GetString());

        IReadOnlyList<InfluxSeries> species = await ingestion.QueryAsync("SELECT * FROM camera_trap GROUP BY species");
        Assert.Equal(["Capreolus pygargus", "Panthera pardus japonensis"], species.Select(s => s.Tags["species"]).Order());
        InfluxSeries leopard = species.Single(s => s.Tags["species"] == "Panthera pardus japonensis");
        Assert.Equal(1, leopard.Get(0, "count").GetInt64());
        Assert.Equal(0.94, leopard.Get(0, "confidence").GetDouble());
        Assert.Equal(T0, leopard.Get(0, "time").GetInt64());
        InfluxSeries trigger = Assert.Single(await ingestion.QueryAsync("SELECT * FROM camera_trap_trigger GROUP BY *"));
        Assert.Equal("buffer", trigger.Tags["zone"]);
        Assert.Equal(2, trigger.Get(0, "detections").GetInt64());
        Assert.Equal("s3://camera-traps/bhs-ct-07/000553.jpg", trigger.Get(0, "image_uri").GetString());

        InfluxSeries status = Assert.Single(await ingestion.QueryAsync("SELECT * FROM station_status GROUP BY *"));
        Assert.True(status.Get(0, "online").GetBoolean());
        Assert.Equal(12.4, status.Get(0, "battery_v").GetDouble());
        Assert.Equal(-97, status.Get(0, "rssi_dbm").GetDouble());
        Assert.Equal("2.3.1", status.Get(0, "firmware").GetString());
        Assert.Empty(ingestion.DeadLetters());
    }

    [Fact]
    public async Task Ingest_ThroughEmbeddedBroker_StoresReadings()
    {
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, embeddedBroker: true);
        foreach ((string id, string topic, string json) in new[]
        {
            ("qs-wl-01", "gc/v1/water-level/qs-wl-01/telemetry", """{"ts":"2023-07-31T02:15:00Z","seq":1,"values":{"water_level_m":2.61}}"""),
            ("qs-wx-01", "gc/v1/weather/qs-wx-01/telemetry", """{"ts":"2023-07-31T02:15:00Z","seq":1,"values":{"rain_mm":88.2}}"""),
            ("bhs-ct-02", "gc/v1/camera-trap/bhs-ct-02/event", """{"ts":"2023-07-31T02:15:00Z","seq":1,"event_id":"bhs-ct-02-1","detections":[]}"""),
            ("bhs-fire-01", "gc/v1/fire/bhs-fire-01/telemetry", """{"ts":"2023-07-31T02:15:00Z","seq":1,"values":{"co_ppm":0.2}}"""),
        })
        {
            // The embedded broker authenticates stations against the registry: each publishes as itself.
            await using TestPublisher station = await TestPublisher.ConnectAsync(ingestion.BrokerPort, id, id, "gc-dev-" + id);
            await station.PublishAsync(topic, json);
        }

        await ingestion.WaitForCountAsync(PointMapper.Fire, "co_ppm", 1);
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", 1);
        await ingestion.WaitForCountAsync(PointMapper.Weather, "rain_mm", 1);
        await ingestion.WaitForCountAsync(PointMapper.CameraTrapTrigger, "detections", 1);
        InfluxSeries gauge = Assert.Single(await ingestion.QueryAsync("SELECT water_level_m FROM water_level WHERE station = 'qs-wl-01'"));
        Assert.Equal(2.61, gauge.Get(0, "water_level_m").GetDouble());
        Assert.Equal(T0, gauge.Get(0, "time").GetInt64());
        Assert.Equal(0, await ingestion.CountAsync(PointMapper.CameraTrap, "count"));
    }

    [Fact]
    public async Task Ingest_Backlog1000Samples_StoredWholeInOrder()
    {
        // 1,000 samples are about 75 KB: above the contract's default 64 KiB, so this deployment raises the limit.
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, settings: new Dictionary<string, string?> { ["GardenCity:Wire:MaxPayloadBytes"] = "262144" });
        await using TestPublisher station = await TestPublisher.ConnectAsync(servers.Mosquitto.Port);
        var start = new DateTimeOffset(2023, 7, 29, 0, 0, 0, TimeSpan.Zero);
        var samples = Enumerable.Range(0, 1000).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"{{\"ts\":\"{start.AddMinutes(5 * i):yyyy-MM-ddTHH:mm:ssZ}\",\"seq\":{5000 + i},\"values\":{{\"water_level_m\":{1 + (i * 0.004):0.###}}}}}"));
        string backlog = "{\"samples\":[" + string.Join(',', samples) + "]}";

        await station.PublishAsync("gc/v1/water-level/yd-wl-02/telemetry", backlog);

        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", 1000);
        InfluxSeries series = Assert.Single(await ingestion.QueryAsync("SELECT water_level_m, seq FROM water_level WHERE station = 'yd-wl-02' ORDER BY time ASC"));
        Assert.Equal(1000, series.Values.Count);
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(start.AddMinutes(5 * i).ToUnixTimeMilliseconds() * 1_000_000, series.Get(i, "time").GetInt64());
            Assert.Equal(5000 + i, series.Get(i, "seq").GetInt64());
            Assert.Equal(Math.Round(1 + (i * 0.004), 3), series.Get(i, "water_level_m").GetDouble(), 9);
        }

        Assert.Empty(ingestion.DeadLetters());
    }

    [Fact]
    public async Task Ingest_GoodAndBadSamples_StoresGoodAndDeadLettersBadWithReasons()
    {
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers);
        var deadLetterTopics = new List<string>();
        await using TestPublisher watcher = await TestPublisher.ConnectAsync(servers.Mosquitto.Port);
        watcher.Client.ApplicationMessageReceivedAsync += e =>
        {
            lock (deadLetterTopics)
            {
                deadLetterTopics.Add(e.ApplicationMessage.Topic + " " + Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            }

            return Task.CompletedTask;
        };
        await watcher.Client.SubscribeAsync("gc/v1/dead-letter/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, TestContext.Current.CancellationToken);
        await using TestPublisher station = await TestPublisher.ConnectAsync(servers.Mosquitto.Port);

        await station.PublishAsync("gc/v1/weather/yc-wx-01/telemetry", """
            {"samples":[
              {"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"rain_mm":35.5}},
              {"ts":"2023-07-31T02:05:00Z","seq":2,"values":{"rain_mm":-4}},
              {"ts":"2023-07-31T02:10:00Z","seq":3,"values":{"rain_mm":41.0}},
              {"ts":"2023-07-31T02:15:00","seq":4,"values":{"rain_mm":12.0}},
              {"ts":"2023-07-31T02:20:00Z","values":{"rain_mm":9.0}},
              {"ts":"2023-07-31T02:25:00Z","seq":6,"values":{"rain_mm":"heavy"}},
              {"ts":"2023-07-31T02:30:00Z","seq":7,"values":{"rain_mm":28.25}}
            ]}
            """);
        await station.PublishAsync("gc/v1/weather/not-a-station/telemetry", """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"rain_mm":1}}""");
        await station.PublishAsync("gc/v1/weather/yc-wx-01/telemetry", "{oops");

        await ingestion.WaitForCountAsync(PointMapper.Weather, "rain_mm", 3);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(ingestion.DeadLetters().Count >= 6), TimeSpan.FromSeconds(30), () => $"{ingestion.DeadLetters().Count} dead letters", TestContext.Current.CancellationToken);

        InfluxSeries stored = Assert.Single(await ingestion.QueryAsync("SELECT rain_mm, seq FROM weather WHERE station = 'yc-wx-01'"));
        Assert.Equal([1L, 3L, 7L], stored.Values.Select((_, i) => stored.Get(i, "seq").GetInt64()));
        Assert.Equal([35.5, 41.0, 28.25], stored.Values.Select((_, i) => stored.Get(i, "rain_mm").GetDouble()));

        var letters = ingestion.DeadLetters().Select(l => (Code: l.GetProperty("reason_code").GetString(), Index: l.GetProperty("sample_index").ValueKind == JsonValueKind.Null ? -1 : l.GetProperty("sample_index").GetInt32(), Letter: l)).ToList();
        Assert.Equal(
            [("out-of-range", 1), ("ts-without-zone", 3), ("missing-seq", 4), ("not-a-number", 5), ("unknown-station", -1), ("malformed-json", -1)],
            letters.Select(l => (l.Code!, l.Index)).ToList());
        var outOfRange = letters.Single(l => l.Code == "out-of-range").Letter;
        Assert.Equal("yc-wx-01", outOfRange.GetProperty("station_id").GetString());
        Assert.Contains("\"rain_mm\":-4", outOfRange.GetProperty("payload").GetString(), StringComparison.Ordinal);
        Assert.Contains("rain_mm", outOfRange.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("{oops", letters.Single(l => l.Code == "malformed-json").Letter.GetProperty("payload").GetString());

        await InfluxServer.WaitUntilAsync(() => Task.FromResult(deadLetterTopics.Count >= 6), TimeSpan.FromSeconds(30), () => $"{deadLetterTopics.Count} dead letters on MQTT", TestContext.Current.CancellationToken);
        lock (deadLetterTopics)
        {
            Assert.Equal(5, deadLetterTopics.Count(t => t.StartsWith("gc/v1/dead-letter/weather/yc-wx-01 ", StringComparison.Ordinal)));
            Assert.Single(deadLetterTopics, t => t.StartsWith("gc/v1/dead-letter/weather/not-a-station ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Ingest_SameReadingTwice_LeavesOnePoint()
    {
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers);
        await using TestPublisher station = await TestPublisher.ConnectAsync(servers.Mosquitto.Port);
        const string Reading = """{"ts":"2023-07-31T02:15:00Z","seq":18342,"values":{"water_level_m":4.87}}""";

        await station.PublishAsync("gc/v1/water-level/yd-wl-01/telemetry", Reading);
        await station.PublishAsync("gc/v1/water-level/yd-wl-01/telemetry", Reading);
        await station.PublishAsync("gc/v1/water-level/yd-wl-01/telemetry", """{"ts":"2023-07-31T02:20:00Z","seq":18343,"values":{"water_level_m":4.91}}""");
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", 2);

        // Also through a backlog resent after an outage: the same two samples again.
        await station.PublishAsync("gc/v1/water-level/yd-wl-01/telemetry", """{"samples":[{"ts":"2023-07-31T02:15:00Z","seq":18342,"values":{"water_level_m":4.87}},{"ts":"2023-07-31T02:20:00Z","seq":18343,"values":{"water_level_m":4.91}},{"ts":"2023-07-31T02:25:00Z","seq":18344,"values":{"water_level_m":4.95}}]}""");
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", 3);

        Assert.Equal(3, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m"));
        Assert.Equal(1, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m", $"WHERE time = {InfluxQl.TimeLiteral(new DateTimeOffset(2023, 7, 31, 2, 15, 0, TimeSpan.Zero))}"));
    }
}
