using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Grouping end to end: the 23.7 storm (simulator process → Mosquitto → <c>gardencity run --roles
/// ingest,alerting,api</c> → influxd) with the duty room on, a WeCom robot receiver on loopback for people and webhook
/// receivers for machines. Machines get one POST per alert change; the robot gets grouped messages, and every alert
/// raised appears in exactly one of them.
/// </summary>
public sealed partial class DutyGroupingEndToEndTests(ServersFixture servers)
{
    [Fact]
    public async Task Rainstorm237_EveryRaisedAlertIsInExactlyOneDutyMessage_AndTheMessagesAreFewer()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        (_, List<Incident> expected) = AlertOracle.Expect("rainstorm-23-7", 5, TestIngestion.Stations);
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(ct);
        using var hooks = new ChannelReceiver("{}");
        using var robot = new ChannelReceiver();
        string database = "g" + Guid.NewGuid().ToString("N")[..12];
        string dir = Directory.CreateTempSubdirectory("gc-group-e2e-").FullName;
        int health = ServerProcess.FreePort(), api = ServerProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Roles"] = "ingest,alerting,api",
            ["GardenCity:Health:Url"] = $"http://127.0.0.1:{health}",
            ["GardenCity:Api:Url"] = $"http://127.0.0.1:{api}",
            ["GardenCity:Mqtt:Host"] = "127.0.0.1",
            ["GardenCity:Mqtt:Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Mqtt:ClientId"] = "ingest-" + database,
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Influx:Database"] = database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dlq"),
            ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
            ["GardenCity:Alerting:ClientId"] = "alerting-" + database,
            ["GardenCity:Alerting:StateDirectory"] = Path.Combine(dir, "alerting"),
            ["GardenCity:Alerting:AbsenceClock"] = "Watermark",
            ["GardenCity:Alerting:TickInterval"] = "00:00:00.200",
            ["GardenCity:Alerting:Webhooks:0:Name"] = "machines",
            ["GardenCity:Alerting:Webhooks:0:Url"] = hooks.Url + "alerts",
            ["GardenCity:Duty:Enabled"] = "true",
            ["GardenCity:Duty:DashboardBaseUrl"] = "http://duty.gardencity.test/",
            ["GardenCity:Duty:WatershedNamesZh:qingshui"] = "清水河",
            ["GardenCity:Duty:WatershedNamesZh:yongding"] = "永定河",
            ["GardenCity:Duty:Channels:0:Name"] = "wecom-district",
            ["GardenCity:Duty:Channels:0:Kind"] = "WeCom",
            ["GardenCity:Duty:Channels:0:Url"] = robot.Url + "cgi-bin/webhook/send?key=test-key",
            ["GardenCity:Duty:Routes:0:Name"] = "all-raised",
            ["GardenCity:Duty:Routes:0:Audiences:0"] = "Emergency",
            ["GardenCity:Duty:Routes:0:Audiences:1"] = "Ecology",
            ["GardenCity:Duty:Routes:0:Audiences:2"] = "Maintenance",
            ["GardenCity:Duty:Routes:0:MinSeverity"] = "info",
            ["GardenCity:Duty:Routes:0:Transitions:0"] = "Raised",
            ["GardenCity:Duty:Routes:0:Channels:0"] = "wecom-district",
            ["GardenCity:Duty:Inhibition:Enabled"] = "false", // every raised alert goes to people (inhibition: unit tests)
            ["GardenCity:Duty:Grouping:Enabled"] = "true",
            ["GardenCity:Duty:Grouping:Window"] = "00:00:05", // the storm replays in seconds
            ["GardenCity:Duty:Grouping:MaxListed"] = "100", // every alert linked, so the test can find it
        };

        using GardenCityProcess process = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker", healthUrl: false);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(process.Output.Contains("Connected to MQTT broker", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), () => process.Output, ct);
        try
        {
            var (code, stdout, stderr) = await Repo.RunAsync("dotnet",
                [Repo.SimulatorDll, "--scenario", "rainstorm-23-7", "--speed", "0", "--seed", "5", "--concurrency", "1", "--port", mosquitto.Port.ToString(CultureInfo.InvariantCulture)],
                timeout: TimeSpan.FromMinutes(5));
            Assert.True(code == 0, stdout + stderr);

            int expectedNotifications = expected.Sum(i => i.Changes);
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(hooks.Requests.Count >= expectedNotifications), TimeSpan.FromSeconds(120),
                () => $"{hooks.Requests.Count} of {expectedNotifications} webhook notifications\n" + process.Output[^Math.Min(4000, process.Output.Length)..], ct);

            // Machines: one POST per change. The alerts raised are those with a "raised" change.
            List<string> raised = hooks.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
                .Where(n => n.GetProperty("transition").GetString() == "raised")
                .Select(n => n.GetProperty("alert_id").GetString()!).ToList();
            Assert.Equal(raised.Count, raised.Distinct(StringComparer.Ordinal).Count());
            Assert.Equal(expected.Count, raised.Count);

            // People: wait until every raised alert is in a message, then a window more for anything extra.
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(Linked(robot).Count >= raised.Count), TimeSpan.FromSeconds(60),
                () => $"{Linked(robot).Count} of {raised.Count} alerts in {robot.Requests.Count} messages\n" + process.Output[^Math.Min(4000, process.Output.Length)..], ct);
            await Task.Delay(TimeSpan.FromSeconds(7), ct);

            List<string> linked = Linked(robot);
            Assert.Equal(raised.Order(StringComparer.Ordinal), linked.Order(StringComparer.Ordinal)); // each in exactly one message
            int messages = robot.Requests.Count;
            TestContext.Current.TestOutputHelper?.WriteLine($"rainstorm-23-7: {raised.Count} alerts raised, {hooks.Requests.Count} machine notifications, {messages} duty messages");
            Console.Error.WriteLine($"MEASURED rainstorm-23-7: {raised.Count} alerts raised, {hooks.Requests.Count} machine notifications, {messages} duty messages ({robot.Requests.Count(r => r.Body.Contains("条预警·最高", StringComparison.Ordinal))} grouped)");
            Assert.True(messages < raised.Count, $"{messages} messages for {raised.Count} alerts");

            // A grouped message: the count and the worst colour in Chinese, one linked line per alert.
            ChannelReceiver.Request grouped = robot.Requests.First(r => r.Body.Contains("条预警·最高", StringComparison.Ordinal));
            string content = JsonDocument.Parse(grouped.Body).RootElement.GetProperty("markdown").GetProperty("content").GetString()!;
            Match head = HeadLine().Match(content);
            Assert.True(head.Success, content);
            Assert.Equal(int.Parse(head.Groups[1].Value, CultureInfo.InvariantCulture), AlertLink().Matches(content).Count);
            await process.TerminateAsync();
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    /// <summary>The alert ids linked in every message the robot received (with repeats, one per mention).</summary>
    private static List<string> Linked(ChannelReceiver robot) =>
        robot.Requests.SelectMany(r => AlertLink().Matches(JsonDocument.Parse(r.Body).RootElement.GetProperty("markdown").GetProperty("content").GetString()!).Select(m => Uri.UnescapeDataString(m.Groups[1].Value))).ToList();

    [GeneratedRegex(@"\]\(http://duty\.gardencity\.test/\?alert=([^)\s]+)\)")]
    private static partial Regex AlertLink();

    [GeneratedRegex(@"^### 【.+?(\d+)条预警·最高(红色|橙色|黄色|蓝色|提示)】")]
    private static partial Regex HeadLine();
}
