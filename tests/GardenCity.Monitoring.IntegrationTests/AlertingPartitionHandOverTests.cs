using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using GardenCity.Monitoring.Alerting.Partitioning;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Alerting partitions handed over mid-storm (docs/scale-out.md, "Alerting partitions"): a real Mosquitto, influxd,
/// one <c>gardencity run --roles ingest</c> process and three <c>--roles alerting</c> processes. Worker A owns every
/// partition, worker B is a standby (<c>none</c>), and an oracle worker with one partition (the behaviour before
/// partitions) evaluates the same stream on its own session without publishing or writing history. Six water-level
/// gauges of the two big alerting groups (the Qingshui and Yongding watersheds) rise and fall through a storm; midway
/// the Yongding group's partition moves from A to B by the documented rolling change: stop B, restart A without it,
/// start B with it. Readings published while neither evaluates it (A down, then A up without it and B not yet
/// started) wait in the sessions. Every notification of the oracle must reach the webhooks once from A or B, the
/// taken-over incidents keep their ids and revisions, and none is raised twice.
/// </summary>
public sealed class AlertingPartitionHandOverTests(ServersFixture servers)
{
    private const int StepMinutes = 5;
    private static readonly DateTimeOffset T0 = new(2024, 7, 30, 0, 0, 0, TimeSpan.Zero);

    private const string Rule = """
        rules:
          - id: flood
            name: { zh: 洪水预警, en: Flood warning }
            audience: emergency
            category: Met
            watch: { kinds: [water-level] }
            cooldown: 10m
            levels:
              - severity: yellow
                when: { threshold: { field: water_level_m, at_least: { registry: warning_level_m } } }
              - severity: red
                when: { threshold: { field: water_level_m, at_least: { registry: guaranteed_level_m } } }
            message: { zh: "{station_zh} 水位 {value:0.00} 米", en: "{station_en} water level {value:0.00} m" }
        """;

    /// <summary>Per gauge: yellow from step to step, red from step to step (else below the warning level).</summary>
    private static readonly (string Station, int YellowFrom, int YellowTo, int RedFrom, int RedTo)[] Storm =
    [
        ("qs-wl-01", 8, 30, 15, 22),   // kept by A throughout
        ("qs-wl-02", 21, 45, 24, 38),  // kept: raised and escalated while A restarts
        ("yd-wl-01", 22, 40, 26, 32),  // moved: raised while A is down and escalated before B starts (the hand-over gap)
        ("yd-wl-02", 5, 35, 10, 18),   // moved: raised, escalated and stepped down by A, resolved by B
        ("yd-wl-03", 12, 50, 28, 45),  // moved: raised by A, escalated in the gap, resolved by B
        ("jh-wl-01", 40, 48, 0, 0),    // moved: only B sees it
    ];

    private const int HandOverStep = 20, AStartedStep = 25, BStartedStep = 30, Steps = 60;

    [Fact]
    public async Task PartitionMovedMidStorm_EveryAlertOnce_NoneLost_NoneRaisedTwice()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        StationRegistry registry = StationRegistryLoader.LoadFile(Path.Combine(Repo.Root, "deploy", "stations.yaml"));

        // The smallest partition count that puts the two watershed groups apart.
        int partitions = Enumerable.Range(2, 15).First(n => AlertingPartitionMap.PartitionOfKey("baihua-mountain", n) != AlertingPartitionMap.PartitionOfKey("heihe-gully", n));
        var map = AlertingPartitionMap.Create(registry, partitions);
        int moved = map.PartitionOf("yd-wl-01");
        Assert.All(Storm, s => Assert.Equal(s.Station.StartsWith("qs-", StringComparison.Ordinal), map.PartitionOf(s.Station) != moved));
        string all = $"0-{partitions - 1}";
        string rest = string.Join(',', Enumerable.Range(0, partitions).Where(p => p != moved));

        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(ct);
        using var hooks = new ChannelReceiver("{}");
        using GardenCityRun run = GardenCityRun.Create(servers, "part").WithMosquitto(mosquitto.Port).WithRules("flood.yaml", Rule);
        var ingest = new Dictionary<string, string>(run.Settings) { ["GardenCity:Roles"] = "ingest" };
        Dictionary<string, string> Alerting(string name, int count, string owned, bool tell = true)
        {
            var settings = new Dictionary<string, string>(run.Settings)
            {
                ["GardenCity:Roles"] = "alerting",
                ["GardenCity:Health:Url"] = $"http://127.0.0.1:{ServerProcess.FreePort()}",
                ["GardenCity:Alerting:ClientId"] = $"alerting-{name}-{run.Database}",
                ["GardenCity:Alerting:StateDirectory"] = Path.Combine(run.Directory, "alerting-" + name),
                ["GardenCity:Alerting:Partitions"] = count.ToString(CultureInfo.InvariantCulture),
                ["GardenCity:Alerting:OwnedPartitions"] = owned,
                ["GardenCity:Alerting:Webhooks:0:Name"] = name,
                ["GardenCity:Alerting:Webhooks:0:Audience"] = "Emergency",
                ["GardenCity:Alerting:Webhooks:0:Url"] = hooks.Url + name,
            };
            if (!tell)
            {
                settings["GardenCity:Alerting:PublishMqtt"] = "false";
                settings["GardenCity:Alerting:WriteHistory"] = "false";
            }

            return settings;
        }

        var publishers = new Dictionary<string, TestPublisher>(StringComparer.Ordinal);
        foreach ((string station, _, _, _, _) in Storm)
        {
            publishers[station] = await TestPublisher.ConnectAsync(mosquitto.Port, "st-" + station);
        }

        async Task PublishStepsAsync(int from, int to)
        {
            for (int step = from; step < to; step++)
            {
                foreach ((string station, int yellowFrom, int yellowTo, int redFrom, int redTo) in Storm)
                {
                    registry.TryGet(station, out Station? gauge);
                    double level = step >= redFrom && step < redTo ? gauge!.GuaranteedLevelM!.Value + 0.2
                        : step >= yellowFrom && step < yellowTo ? gauge!.WarningLevelM!.Value + 0.1
                        : gauge!.WarningLevelM!.Value - 0.5;
                    string ts = T0.AddMinutes(step * StepMinutes).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                    await publishers[station].PublishAsync($"gc/v1/water-level/{station}/telemetry", $$$"""{"ts":"{{{ts}}}","seq":{{{step + 1}}},"values":{"water_level_m":{{{level.ToString(CultureInfo.InvariantCulture)}}}}}""");
                }
            }
        }

        GardenCityProcess? a = null, b = null;
        try
        {
            using GardenCityProcess ingestion = await GardenCityProcess.StartAsync(ingest, healthUrl: false);
            using GardenCityProcess oracle = await GardenCityProcess.StartAsync(Alerting("oracle", 1, string.Empty, tell: false), ready: GardenCityRun.Ready, healthUrl: false);
            a = await GardenCityProcess.StartAsync(Alerting("a", partitions, all), ready: GardenCityRun.Ready, healthUrl: false);
            b = await GardenCityProcess.StartAsync(Alerting("b", partitions, "none"), ready: GardenCityRun.Ready, healthUrl: false);
            Assert.Contains($"Alerting partitions none of {partitions}", b.Output, StringComparison.Ordinal);

            // The storm's first part: A evaluates everything, B only follows the watermark.
            await PublishStepsAsync(0, HandOverStep);
            await SettledAsync(hooks, () => a.Output + oracle.Output, ct);
            Assert.Equal(Ids(hooks, "oracle"), Ids(hooks, "a"));
            int movedByA = Ids(hooks, "a", n => map.PartitionOf(n.Station) == moved).Count();

            // The hand-over: B stops (its session keeps what comes), A stops; readings come while neither runs.
            await b.TerminateAsync();
            b.Dispose();
            b = null;
            await a.TerminateAsync();
            a.Dispose();
            a = null;
            await PublishStepsAsync(HandOverStep, AStartedStep);

            // A comes back without the moved partition: it drops those incidents silently and evaluates the rest.
            a = await GardenCityProcess.StartAsync(Alerting("a", partitions, rest), ready: GardenCityRun.Ready, healthUrl: false);
            await PublishStepsAsync(AStartedStep, BStartedStep);
            await SettledAsync(hooks, () => a.Output + oracle.Output, ct);

            // Before B takes over, the history A wrote of the moved stations is in InfluxDB (docs/scale-out.md).
            await InfluxServer.WaitUntilAsync(async () => await CountHistoryAsync(servers.Influx.Url, run.Database, ct) >= Ids(hooks, "a").Count(), TimeSpan.FromSeconds(60), () => a.Output, ct);

            b = await GardenCityProcess.StartAsync(Alerting("b", partitions, moved.ToString(CultureInfo.InvariantCulture)), ready: GardenCityRun.Ready, healthUrl: false);
            await PublishStepsAsync(BStartedStep, Steps);
            await SettledAsync(hooks, () => a.Output + b.Output + oracle.Output, ct);

            var expected = Notifications(hooks, "oracle");
            var fromA = Notifications(hooks, "a");
            var fromB = Notifications(hooks, "b");
            string report = $"oracle:\n{string.Join('\n', expected)}\nA:\n{string.Join('\n', fromA)}\nB:\n{string.Join('\n', fromB)}\nB's log:\n{b.Output}";

            // Every change of the oracle, once, from A or B; nothing else.
            Assert.True(expected.Select(n => n.Id).Order(StringComparer.Ordinal).SequenceEqual(fromA.Concat(fromB).Select(n => n.Id).Distinct().Order(StringComparer.Ordinal)), report);
            Assert.True(fromA.Concat(fromB).GroupBy(n => n.Id).All(g => g.Select(n => n.Body).Distinct().Count() == 1), report);
            Assert.True(fromA.Concat(fromB).DistinctBy(n => n.Id).Where(n => n.Transition == "raised").GroupBy(n => n.Station).All(g => g.Count() == expected.Count(e => e.Transition == "raised" && e.Station == g.Key)), report);

            // The storm really went through all of it: every gauge raised, the gap's crossing reported by B.
            Assert.Equal(Storm.Length, expected.Where(n => n.Transition == "raised").Select(n => n.Station).Distinct().Count());
            Assert.Contains(fromB, n => n.Station == "yd-wl-01" && n.Transition == "raised"); // crossed while nobody evaluated it
            Assert.Contains(fromB, n => n.Station == "yd-wl-03" && n.Transition == "escalated");
            Assert.Contains(fromB, n => n.Station == "yd-wl-02" && n.Transition == "resolved"); // taken over from A's history
            Assert.Contains(fromA, n => n.Station == "yd-wl-02" && n.Transition == "raised");
            Assert.Contains("Took over alert flood.yd-wl-02.", b.Output, StringComparison.Ordinal);
            Assert.True(movedByA > 0);

            // After the hand-over A told nothing of the moved stations, B nothing of the others.
            Assert.DoesNotContain(fromB, n => map.PartitionOf(n.Station) != moved);
            Assert.Equal(movedByA, Ids(hooks, "a", n => map.PartitionOf(n.Station) == moved).Count());

            await b.TerminateAsync();
            await a.TerminateAsync();
            await oracle.TerminateAsync();
            await ingestion.TerminateAsync();
        }
        finally
        {
            a?.Dispose();
            b?.Dispose();
            foreach (TestPublisher publisher in publishers.Values)
            {
                await publisher.DisposeAsync();
            }
        }
    }

    private sealed record Notification(string Id, string Station, string Transition, string Body)
    {
        public override string ToString() => $"{Id} {Transition}";
    }

    private static List<Notification> Notifications(ChannelReceiver hooks, string worker) =>
        [.. hooks.Accepted.Where(r => r.RawUrl == "/" + worker).Select(r =>
        {
            JsonElement n = JsonDocument.Parse(r.Body).RootElement;
            return new Notification(n.GetProperty("notification_id").GetString()!, n.GetProperty("station_id").GetString()!, n.GetProperty("transition").GetString()!, r.Body);
        })];

    /// <summary>The distinct notification ids a worker's webhook received (a notification still in the outbox at a stop is sent again after the start: the same id).</summary>
    private static IEnumerable<string> Ids(ChannelReceiver hooks, string worker, Func<Notification, bool>? where = null) =>
        Notifications(hooks, worker).Where(where ?? (_ => true)).Select(n => n.Id).Distinct().Order(StringComparer.Ordinal);

    /// <summary>Waits until no webhook call has come for 4 s (the workers have caught up with what was published).</summary>
    private static async Task SettledAsync(ChannelReceiver hooks, Func<string> output, CancellationToken ct)
    {
        int last = -1;
        DateTimeOffset since = DateTimeOffset.UtcNow;
        await InfluxServer.WaitUntilAsync(() =>
        {
            int now = hooks.Requests.Count;
            if (now != last)
            {
                (last, since) = (now, DateTimeOffset.UtcNow);
            }

            return Task.FromResult(now > 0 && DateTimeOffset.UtcNow - since > TimeSpan.FromSeconds(4));
        }, TimeSpan.FromSeconds(90), output, ct);
    }

    private static async Task<int> CountHistoryAsync(string influx, string database, CancellationToken ct)
    {
        using var http = new HttpClient();
        JsonElement result = await http.GetFromJsonAsync<JsonElement>(new Uri($"{influx}/query?db={database}&rp=forever&q={Uri.EscapeDataString("SELECT count(\"revision\") FROM \"alert_event\"")}"), ct);
        return result.GetProperty("results")[0].TryGetProperty("series", out JsonElement series) ? series[0].GetProperty("values")[0][1].GetInt32() : 0;
    }
}
