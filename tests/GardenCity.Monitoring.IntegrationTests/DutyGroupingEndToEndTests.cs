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
        Dictionary<string, string> settings = StormSettings(servers, mosquitto.Port, database, dir, api, health, hooks, robot);
        settings["GardenCity:Duty:Inhibition:Enabled"] = "false"; // every raised alert goes to people (inhibition: DutyInhibitionEndToEndTests)
        settings["GardenCity:Duty:Grouping:Enabled"] = "true";
        settings["GardenCity:Duty:Grouping:Window"] = "00:00:05"; // the storm replays in seconds
        settings["GardenCity:Duty:Grouping:MaxListed"] = "100"; // every alert linked, so the test can find it
        using GardenCityProcess process = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker", healthUrl: false);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(process.Output.Contains("Connected to MQTT broker", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), () => process.Output, ct);
        try
        {
            await ReplayAsync(mosquitto.Port, hooks, ct);

            // People: wait until the raised alerts and the alerts in messages are the same, then a window more for anything extra (the last
            // station-offline alerts are raised by the absence clock after the readings stop).
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(Raised(hooks).Order(StringComparer.Ordinal).SequenceEqual(Linked(robot).Order(StringComparer.Ordinal))), TimeSpan.FromSeconds(90),
                () => $"{Linked(robot).Count} of {Raised(hooks).Count} alerts in {robot.Requests.Count} messages; not in a message: {string.Join(", ", Raised(hooks).Except(Linked(robot)).Take(10))}; in a message, not raised: {string.Join(", ", Linked(robot).Except(Raised(hooks)).Take(10))}\n" + process.Output[^Math.Min(4000, process.Output.Length)..], ct);
            await Task.Delay(TimeSpan.FromSeconds(7), ct);

            // Machines: one POST per change. The alerts raised are those with a "raised" change.
            List<string> raised = Raised(hooks);
            Assert.Equal(raised.Count, raised.Distinct(StringComparer.Ordinal).Count());
            Assert.InRange(raised.Count, expected.Count * 9 / 10, expected.Count); // the storm's alerts (a slow machine may miss an absence tick)

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
            Assert.Equal(int.Parse(head.Groups[1].Value, CultureInfo.InvariantCulture), AlertLink().Count(content));
            await process.TerminateAsync();
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    /// <summary>
    /// The storm run's settings: ingest, alerting and the API in one process on the given broker and database, a
    /// webhook per audience on <paramref name="hooks"/> (machines: one POST per change, in order per audience), the
    /// duty room on with one WeCom robot on <paramref name="robot"/> told of every raise (route <c>all-raised</c>,
    /// <c>Transitions:0</c> Raised) and links to <c>http://duty.gardencity.test/</c>.
    /// </summary>
    internal static Dictionary<string, string> StormSettings(ServersFixture servers, int broker, string database, string dir, int api, int health, ChannelReceiver hooks, ChannelReceiver robot) => new()
    {
        ["GardenCity:Roles"] = "ingest,alerting,api",
        ["GardenCity:Health:Url"] = $"http://127.0.0.1:{health}",
        ["GardenCity:Api:Url"] = $"http://127.0.0.1:{api}",
        ["GardenCity:Mqtt:Host"] = "127.0.0.1",
        ["GardenCity:Mqtt:Port"] = broker.ToString(CultureInfo.InvariantCulture),
        ["GardenCity:Mqtt:ClientId"] = "ingest-" + database,
        ["GardenCity:Influx:Url"] = servers.Influx.Url,
        ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
        ["GardenCity:Influx:Database"] = database,
        ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dlq"),
        ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
        ["GardenCity:Alerting:ClientId"] = "alerting-" + database,
        ["GardenCity:Alerting:StateDirectory"] = Path.Combine(dir, "alerting"),
        ["GardenCity:Alerting:AbsenceClock"] = "Watermark",
        ["GardenCity:Alerting:TickInterval"] = "00:00:00.200",
        ["GardenCity:Alerting:Webhooks:0:Name"] = "emergency",
        ["GardenCity:Alerting:Webhooks:0:Audience"] = "Emergency",
        ["GardenCity:Alerting:Webhooks:0:Url"] = hooks.Url + "emergency",
        ["GardenCity:Alerting:Webhooks:1:Name"] = "ecology",
        ["GardenCity:Alerting:Webhooks:1:Audience"] = "Ecology",
        ["GardenCity:Alerting:Webhooks:1:Url"] = hooks.Url + "ecology",
        ["GardenCity:Alerting:Webhooks:2:Name"] = "maintenance",
        ["GardenCity:Alerting:Webhooks:2:Audience"] = "Maintenance",
        ["GardenCity:Alerting:Webhooks:2:Url"] = hooks.Url + "maintenance",
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

    };

    /// <summary>
    /// Replays <c>rainstorm-23-7</c> (seed 5, as fast as it goes) into the broker, then waits until the alerting worker
    /// is quiet: no new machine notification for 10 s (at most 3 min).
    /// </summary>
    internal static async Task ReplayAsync(int broker, ChannelReceiver hooks, CancellationToken ct)
    {
        var (code, stdout, stderr) = await Repo.RunAsync("dotnet",
            [Repo.SimulatorDll, "--scenario", "rainstorm-23-7", "--speed", "0", "--seed", "5", "--concurrency", "1", "--port", broker.ToString(CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromMinutes(5));
        Assert.True(code == 0, stdout + stderr);
        int seen = -1;
        for (DateTime until = DateTime.UtcNow.AddMinutes(3); DateTime.UtcNow < until && (seen != hooks.Requests.Count || seen == 0);)
        {
            seen = hooks.Requests.Count;
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
        }
    }

    /// <summary>The alerts raised, as the machine endpoint heard of them (one POST per change).</summary>
    private static List<string> Raised(ChannelReceiver hooks) => hooks.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
        .Where(n => n.GetProperty("transition").GetString() == "raised")
        .Select(n => n.GetProperty("alert_id").GetString()!).ToList();

    /// <summary>The alert ids linked in every message the robot received (with repeats, one per mention).</summary>
    internal static List<string> Linked(ChannelReceiver robot) =>
        robot.Requests.SelectMany(r => AlertLink().Matches(JsonDocument.Parse(r.Body).RootElement.GetProperty("markdown").GetProperty("content").GetString()!).Select(m => Uri.UnescapeDataString(m.Groups[1].Value))).ToList();

    [GeneratedRegex(@"\]\(http://duty\.gardencity\.test/\?alert=([^)\s]+)\)")]
    internal static partial Regex AlertLink();

    [GeneratedRegex(@"^### 【.+?(\d+)条预警·最高(红色|橙色|黄色|蓝色|提示)】")]
    private static partial Regex HeadLine();
}
