using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The real simulator (its own process, one MQTT connection per station) → a fresh Mosquitto → the ingestion worker
/// → influxd; every reading the simulator reports is counted in InfluxDB.
/// </summary>
public sealed class SimulatorEndToEndTests(ServersFixture servers)
{
    private static readonly Dictionary<string, string> CountedField = new()
    {
        ["weather"] = "rain_mm",
        ["water_level"] = "water_level_m",
        ["fire"] = "co_ppm",
        ["fire_event"] = "confidence",
        ["camera_trap"] = "count",
        ["camera_trap_trigger"] = "detections",
        ["station_status"] = "online",
    };

    [Fact]
    public async Task Outage_EveryReadingIncludingBacklogsAndWillsIsStored()
    {
        JsonElement report = await RunScenarioAsync("outage", ["--duration", "12:00:00"], async (ingestion, r) =>
        {
            await WaitForExpectedPointsAsync(ingestion, r);
            Assert.True(r.GetProperty("backlog_messages").GetInt64() >= 5);
            Assert.True(r.GetProperty("wills").GetInt64() >= 5);
            Assert.Empty(ingestion.DeadLetters());
        });
        Assert.Equal(0, report.GetProperty("publish_failures").GetInt64());
    }

    [Fact]
    public async Task Outage_AllInOne_EveryReadingIncludingBacklogsAndWillsIsStored()
    {
        JsonElement report = await RunScenarioAsync("outage", ["--duration", "12:00:00"], async (ingestion, r) =>
        {
            await WaitForExpectedPointsAsync(ingestion, r);
            Assert.True(r.GetProperty("wills").GetInt64() >= 5);
            Assert.Empty(ingestion.DeadLetters());
        }, embedded: true);
        Assert.Equal(0, report.GetProperty("publish_failures").GetInt64());
    }

    [Fact]
    public async Task BadInputs_EveryMalformedMessageDeadLetteredWithItsReasonAndEveryGoodOneStored()
    {
        await RunScenarioAsync("bad-inputs", ["--duration", "01:00:00"], async (ingestion, r) =>
        {
            await WaitForExpectedPointsAsync(ingestion, r);
            var expected = r.GetProperty("expected_rejections").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            long total = expected.Values.Sum();
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(ingestion.DeadLetters().Count >= total), TimeSpan.FromSeconds(60),
                () => $"{ingestion.DeadLetters().Count} of {total} dead letters", TestContext.Current.CancellationToken);
            var actual = ingestion.DeadLetters().GroupBy(l => l.GetProperty("reason_code").GetString()!).ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key));
        });
    }

    private async Task<JsonElement> RunScenarioAsync(string scenario, string[] extra, Func<TestIngestion, JsonElement, Task> check, bool embedded = false)
    {
        await using var mosquitto = new MosquittoServer();
        if (!embedded)
        {
            await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        }

        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, embeddedBroker: embedded, mosquitto: embedded ? null : mosquitto);
        string reportPath = Path.Combine(ingestion.DeadLetterDir, "..", $"report-{Guid.NewGuid():N}.json");
        try
        {
            var (code, stdout, stderr) = await Repo.RunAsync("dotnet",
                [Repo.SimulatorDll, "--scenario", scenario, "--speed", "0", "--seed", "5", "--port", ingestion.BrokerPort.ToString(CultureInfo.InvariantCulture), "--report", reportPath, .. extra],
                timeout: TimeSpan.FromMinutes(5));
            Assert.True(code == 0, stdout + stderr);
            using JsonDocument report = JsonDocument.Parse(await File.ReadAllTextAsync(reportPath, TestContext.Current.CancellationToken));
            await check(ingestion, report.RootElement);
            return report.RootElement.Clone();
        }
        finally
        {
            File.Delete(reportPath);
        }
    }

    private static async Task WaitForExpectedPointsAsync(TestIngestion ingestion, JsonElement report)
    {
        foreach (JsonProperty measurement in report.GetProperty("expected_points").EnumerateObject())
        {
            await ingestion.WaitForCountAsync(measurement.Name, CountedField[measurement.Name], measurement.Value.GetInt64());
        }

        // Nothing more than expected either (no duplicates, nothing from elsewhere).
        foreach (JsonProperty measurement in report.GetProperty("expected_points").EnumerateObject())
        {
            Assert.Equal(measurement.Value.GetInt64(), await ingestion.CountAsync(measurement.Name, CountedField[measurement.Name]));
        }
    }
}
