using System.Globalization;
using System.Text;
using GardenCity.Monitoring.Ingestion;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Nothing lost: real processes on loopback, broken on purpose. Each test prints its figures (published, stored,
/// dead-lettered, spooled) to the test output; docs/fault-tolerance.md records a run.
/// </summary>
public sealed class FaultToleranceTests(ServersFixture servers)
{
    /// <summary>Where the figures of the last run go (beside the test binaries), besides the test's diagnostic output.</summary>
    public static readonly string FiguresFile = Path.Combine(AppContext.BaseDirectory, "fault-tolerance-figures.txt");

    private static void Report(string text)
    {
        TestContext.Current.SendDiagnosticMessage(text);
        lock (FiguresFile)
        {
            File.AppendAllText(FiguresFile, $"{DateTime.UtcNow:u} {TestContext.Current.Test?.TestDisplayName}: {text}\n");
        }
    }

    [Fact]
    public async Task IngestionProcess_KilledMidStreamOf100000Readings_EveryReadingStoredExactlyOnceAfterRestart()
    {
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        string database = "kill" + Guid.NewGuid().ToString("N")[..8];
        string dir = Directory.CreateTempSubdirectory("gc-kill-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Mqtt:Host"] = "127.0.0.1",
            ["GardenCity:Mqtt:Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Mqtt:ClientId"] = "ingest-" + database,
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dead-letter"),
            ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
        };
        var query = WaterLevels.Query(servers.Influx, database);
        var load = new LoadPublisher(mosquitto.Port, readingsPerStation: 11_112, samplesPerMessage: 10);
        try
        {
            long atKill;
            using (GardenCityProcess first = await GardenCityProcess.StartAsync(settings))
            {
                Task publishing = load.RunAsync(TestContext.Current.CancellationToken);
                await WaterLevels.WaitForAsync(query, 20_000);
                first.Kill();
                atKill = await WaterLevels.CountAsync(query);
                Report($"SIGKILL after {atKill} readings stored, {load.Published} published");
                using GardenCityProcess second = await GardenCityProcess.StartAsync(settings);
                await publishing;
                await WaterLevels.WaitForAsync(query, load.Total, TimeSpan.FromMinutes(3));
                Assert.Contains("session present: True", second.Output, StringComparison.Ordinal);
            }

            Assert.True(atKill < load.Total, "the kill came in the middle");
            IReadOnlyList<InfluxSeries> perStation = await query.QueryAsync("SELECT count(water_level_m), sum(water_level_m) FROM water_level GROUP BY station", CancellationToken.None);
            Assert.Equal(LoadPublisher.Stations.Order(), perStation.Select(s => s.Tags["station"]).Order());
            Assert.All(perStation, s =>
            {
                Assert.Equal(11_112, s.Get(0, "count").GetInt64());
                Assert.Equal(load.ExpectedSumPerStation, s.Get(0, "sum").GetDouble(), 3);
            });
            Report($"published {load.Total}, stored {await WaterLevels.CountAsync(query)}, lost 0");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task IngestionProcess_StoppedWithSigterm_WritesWhatItHoldsBeforeExiting()
    {
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        string database = "term" + Guid.NewGuid().ToString("N")[..8];
        string dir = Directory.CreateTempSubdirectory("gc-term-").FullName;
        var query = WaterLevels.Query(servers.Influx, database);
        try
        {
            using GardenCityProcess process = await GardenCityProcess.StartAsync(new Dictionary<string, string>
            {
                ["GardenCity:Mqtt:Host"] = "127.0.0.1",
                ["GardenCity:Mqtt:Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
                ["GardenCity:Mqtt:ClientId"] = "ingest-" + database,
                ["GardenCity:Mqtt:BatchSize"] = "50000",
                ["GardenCity:Mqtt:BatchInterval"] = "00:01:00", // nothing is written before the stop
                ["GardenCity:Influx:Url"] = servers.Influx.Url,
                ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
                ["GardenCity:Influx:Database"] = database,
                ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dead-letter"),
                ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
            });
            var load = new LoadPublisher(mosquitto.Port, readingsPerStation: 200, samplesPerMessage: 10);
            await load.RunAsync(TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            Assert.Equal(0, await WaterLevels.CountAsync(query));

            await process.TerminateAsync();

            Assert.Contains("Stopping: writing the 180 messages received and acknowledging them", process.Output, StringComparison.Ordinal);
            Assert.Equal(load.Total, await WaterLevels.CountAsync(query));
            Report($"SIGTERM with {load.Total} readings received and not yet written: all {load.Total} written before exit");
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task AllInOne_ProcessKilledUnderLoad_EveryReadingAStationWasAcknowledgedIsStored()
    {
        int brokerPort = ServerProcess.FreePort();
        string database = "aio" + Guid.NewGuid().ToString("N")[..8];
        string dir = Directory.CreateTempSubdirectory("gc-aio-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Broker:Port"] = brokerPort.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dead-letter"),
            ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
        };
        var query = WaterLevels.Query(servers.Influx, database);
        var load = new LoadPublisher(brokerPort, readingsPerStation: 3_000, samplesPerMessage: 5);
        try
        {
            long acknowledgedAtKill, storedAfterKill;
            using (GardenCityProcess first = await GardenCityProcess.StartAsync(settings, ready: "Embedded MQTT broker listening"))
            {
                Task publishing = load.RunAsync(TestContext.Current.CancellationToken);
                await WaterLevels.WaitForAsync(query, 5_000);
                first.Kill();
                acknowledgedAtKill = load.Published;
                storedAfterKill = await WaterLevels.CountAsync(query);

                // Every reading a station got a PUBACK for was durable before the PUBACK; here nothing was spooled.
                Assert.True(storedAfterKill >= acknowledgedAtKill, $"{acknowledgedAtKill} acknowledged but only {storedAfterKill} stored");
                using GardenCityProcess second = await GardenCityProcess.StartAsync(settings, ready: "Embedded MQTT broker listening");
                await publishing; // the stations resend what was not acknowledged, as store-and-forward firmware does
                await WaterLevels.WaitForAsync(query, load.Total, TimeSpan.FromMinutes(2));
            }

            Assert.Equal(load.Total, await WaterLevels.CountAsync(query));
            Report($"all-in-one process killed with {acknowledgedAtKill} readings acknowledged to stations and {storedAfterKill} stored; after restart {load.Total} of {load.Total} stored, lost 0");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AllInOne_TinySpoolWhileInfluxDown_StationsAreSlowedAndNothingIsLost()
    {
        await using var influx = new InfluxServer();
        await influx.StartAsync(TestContext.Current.CancellationToken);
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, embeddedBroker: true, influx: influx, settings: new Dictionary<string, string?>
        {
            ["GardenCity:Spool:MaxBytes"] = "16384",
            ["GardenCity:Mqtt:BatchSize"] = "20",
        });
        influx.Kill();
        var load = new LoadPublisher(ingestion.BrokerPort, readingsPerStation: 300, samplesPerMessage: 1);
        Task publishing = load.RunAsync(TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        long stalled = load.Published;
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);

        Assert.Equal(stalled, load.Published);
        Assert.InRange(stalled, 1, load.Total - 1);
        Assert.False(publishing.IsCompleted, "the stations are held back, waiting for their PUBACKs");
        FileSpool spool = ingestion.Host.Services.GetRequiredService<FileSpool>();
        long spoolBytes = spool.SizeBytes;
        Assert.InRange(spoolBytes, 1, 16384);

        await influx.StartAsync(TestContext.Current.CancellationToken);
        await publishing;
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", load.Total);
        Assert.Equal(load.Total, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m"));
        Report($"all-in-one, spool limit 16384 B, InfluxDB down: stations held at {stalled} of {load.Total} acknowledged readings (spool {spoolBytes} B); after InfluxDB returned {load.Total} stored, lost 0");
    }

    [Fact]
    public async Task Influx_StoppedSixtySecondsUnderLoad_EveryReadingArrivesThroughTheSpool()
    {
        await using var influx = new InfluxServer();
        await influx.StartAsync(TestContext.Current.CancellationToken);
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, influx: influx);
        FileSpool spool = ingestion.Host.Services.GetRequiredService<FileSpool>();
        var load = new LoadPublisher(servers.Mosquitto.Port, readingsPerStation: 2_000, samplesPerMessage: 1, pausePerMessage: TimeSpan.FromMilliseconds(30));
        Task publishing = load.RunAsync(TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        influx.Kill();
        long maxSpooled = 0;
        DateTime back = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < back)
        {
            maxSpooled = Math.Max(maxSpooled, spool.PendingReadings);
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        long publishedDuringOutage = load.Published;
        await influx.StartAsync(TestContext.Current.CancellationToken);
        await publishing;
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", load.Total);

        Assert.Equal(load.Total, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m"));
        Assert.True(maxSpooled > 1000, $"only {maxSpooled} readings were spooled during the outage");
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(spool.IsEmpty), TimeSpan.FromSeconds(30), () => $"{spool.Count} batches still spooled", TestContext.Current.CancellationToken);
        Assert.Empty(Directory.GetFiles(Path.Combine(ingestion.DeadLetterDir, "spool"), "spool-*.log"));
        Assert.Empty(ingestion.DeadLetters());
        Report($"published {load.Total} ({publishedDuringOutage} by the end of the 60 s outage), spooled at most {maxSpooled}, stored {load.Total}, lost 0");
    }

    [Fact]
    public async Task Mosquitto_RestartedUnderLoad_NothingLostAfterReconnection()
    {
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, mosquitto: mosquitto);
        var load = new LoadPublisher(mosquitto.Port, readingsPerStation: 3_000, samplesPerMessage: 5, pausePerMessage: TimeSpan.FromMilliseconds(5));
        Task publishing = load.RunAsync(TestContext.Current.CancellationToken);
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", 3_000);

        await mosquitto.StopAsync();
        long atStop = await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m");
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        await publishing;
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", load.Total);

        Assert.True(atStop < load.Total);
        Assert.Equal(load.Total, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m"));
        Report($"broker restarted with {atStop} of {load.Total} stored; after reconnection stored {load.Total}, lost 0");
    }

    [Fact]
    public async Task Spool_TinyLimitWhileInfluxDown_HoldsBackWithoutDroppingAndStoresAllOnceBack()
    {
        await using var influx = new InfluxServer();
        await influx.StartAsync(TestContext.Current.CancellationToken);
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, influx: influx, settings: new Dictionary<string, string?>
        {
            ["GardenCity:Spool:MaxBytes"] = "16384",
            ["GardenCity:Mqtt:BatchSize"] = "20",
        });
        FileSpool spool = ingestion.Host.Services.GetRequiredService<FileSpool>();
        influx.Kill();
        var load = new LoadPublisher(servers.Mosquitto.Port, readingsPerStation: 500, samplesPerMessage: 1);

        await load.RunAsync(TestContext.Current.CancellationToken);
        long maxBytes = 0;
        for (int i = 0; i < 20; i++)
        {
            maxBytes = Math.Max(maxBytes, spool.SizeBytes);
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        long spooledWhileDown = spool.PendingReadings;
        Assert.InRange(maxBytes, 1, 16384);
        Assert.InRange(spooledWhileDown, 1, load.Total - 1); // the rest waits, unacknowledged, at the broker
        Assert.Empty(ingestion.DeadLetters());

        await influx.StartAsync(TestContext.Current.CancellationToken);
        await ingestion.WaitForCountAsync(PointMapper.WaterLevel, "water_level_m", load.Total);
        Assert.Equal(load.Total, await ingestion.CountAsync(PointMapper.WaterLevel, "water_level_m"));
        Report($"spool limit 16384 B: held at most {maxBytes} B ({spooledWhileDown} readings) while InfluxDB was down, the other {load.Total - spooledWhileDown} stayed with the broker; stored {load.Total}, lost 0");
    }

    [Fact]
    public async Task HostileMessages_TenThousand_EachDeadLetteredWithAReasonProcessAliveGoodOnesStored()
    {
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        // Every hostile message comes from zt-wx-01: lift its dead-letter bound so each one is copied whole (the bound
        // itself is DeadLetterBoundTests').
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, mosquitto: mosquitto,
            settings: new Dictionary<string, string?> { ["GardenCity:DeadLetter:MaxBytesPerStationPerHour"] = (1L << 30).ToString(CultureInfo.InvariantCulture) });
        await using TestPublisher publisher = await TestPublisher.ConnectAsync(mosquitto.Port);
        var random = new Random(2023);
        int good = 0;
        for (int i = 0; i < 10_000; i++)
        {
            (string topic, byte[] payload) = Hostile(random, i);
            await publisher.PublishBytesAsync(topic, payload);
            if (i % 10 == 0)
            {
                await publisher.PublishAsync("gc/v1/weather/mtg-wx-01/telemetry", $$$"""{"ts":"{{{LoadPublisher.T0.AddMinutes(good):yyyy-MM-ddTHH:mm:ssZ}}}","seq":{{{good}}},"values":{"air_temp_c":21.5}}""");
                good++;
            }
        }

        try
        {
            await ingestion.WaitForCountAsync(PointMapper.Weather, "air_temp_c", good);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException(ex.Message + "\nmosquitto said:\n" + string.Join('\n', mosquitto.Output.Split('\n').TakeLast(40)));
        }

        await InfluxServer.WaitUntilAsync(() => Task.FromResult(ingestion.DeadLetters().Count >= 10_000), TimeSpan.FromSeconds(180),
            () => $"{ingestion.DeadLetters().Count} dead letters", TestContext.Current.CancellationToken);

        var letters = ingestion.DeadLetters();
        Assert.Equal(10_000, letters.Count);
        Assert.All(letters, l =>
        {
            Assert.False(string.IsNullOrEmpty(l.GetProperty("reason_code").GetString()));
            Assert.False(string.IsNullOrEmpty(l.GetProperty("reason").GetString()));
        });
        Assert.True(ingestion.Host.Services.GetRequiredService<IngestionState>().IsSubscribed, "the worker is still running and subscribed");
        await publisher.PublishAsync("gc/v1/weather/mtg-wx-01/telemetry", $$$"""{"ts":"{{{LoadPublisher.T0.AddMinutes(good):yyyy-MM-ddTHH:mm:ssZ}}}","seq":{{{good}}},"values":{"air_temp_c":22.5}}""");
        await ingestion.WaitForCountAsync(PointMapper.Weather, "air_temp_c", good + 1);
        Report("10000 hostile messages, dead letters by reason: " + string.Join(", ", letters.GroupBy(l => l.GetProperty("reason_code").GetString()).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")) + $"; {good + 1} good readings stored");
    }

    private static (string Topic, byte[] Payload) Hostile(Random random, int i)
    {
        string ts = LoadPublisher.T0.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        string valid = $$$"""{"ts":"{{{ts}}}","seq":{{{i}}},"values":{"air_temp_c":21.5,"rh_pct":60}}""";
        const string Topic = "gc/v1/weather/zt-wx-01/telemetry";
        byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
        switch (i % 12)
        {
            case 0: return (Topic, Utf8(valid[..random.Next(1, valid.Length - 1)])); // truncated JSON
            case 1:
                byte[] noise = new byte[random.Next(1, 300)];
                random.NextBytes(noise);
                noise[0] = 0xff; // never valid UTF-8
                return (Topic, noise);
            case 2: return (Topic, Utf8(i % 120 == 2 ? "{\"pad\":\"" + new string('x', 70_000) + "\"}" : new string('[', 5_000) + new string(']', 5_000)));
            case 3: return (Topic, Utf8(valid.Replace("21.5", random.Next(3) switch { 0 => "\"21.5\"", 1 => "true", _ => "[21.5]" }, StringComparison.Ordinal)));
            case 4: return (Topic, Utf8(valid.Replace("21.5", random.Next(2) == 0 ? "1e999" : "-1e999", StringComparison.Ordinal)));
            case 5: return (Topic, Utf8(valid.Replace($"\"seq\":{i}", random.Next(2) == 0 ? "\"seq\":1e30" : "\"seq\":\"x\"", StringComparison.Ordinal)));
            case 6: return (Topic, Utf8(valid.Replace("\"rh_pct\"", "\"rh_pct\\u0000\"", StringComparison.Ordinal)));
            case 7: return (Topic, Utf8(valid.Replace("60", (random.Next(2) == 0 ? -1 : 101 + random.Next(1000)).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)));
            case 8:
                string[] topics = ["gc/v1/weather/zt-wx-01/telemetry/extra", "gc/v1/Weather/zt-wx-01/telemetry", "gc/v1/weather/zt wx/telemetry", "gc/v1/weather/站点/telemetry",
                    "gc/v1/weather//telemetry", "gc/v1/weather/" + new string('a', 70) + "/telemetry", "gc/v1/weather/ghost-" + i + "/telemetry", "gc/v1/fire/zt-wx-01/telemetry", "gc/v1/weather/zt-wx-01/", "gc/v1/dead-letterx/weather/zt-wx-01"];
                return (topics[random.Next(topics.Length)], Utf8(valid));
            case 9: return (Topic, Utf8(random.Next(3) switch { 0 => "null", 1 => "42", _ => "\"text\"" }));
            case 10: return (Topic, Utf8(valid.Replace(ts, random.Next(3) switch { 0 => "2100-01-01T00:00:00Z", 1 => ts.TrimEnd('Z'), _ => "1970-01-01T00:00:00Z" }, StringComparison.Ordinal)));
            default: return (Topic, Utf8("{\"samples\":" + (random.Next(2) == 0 ? "[]" : "{}") + "}"));
        }
    }

}
