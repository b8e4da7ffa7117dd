using System.Globalization;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 18, ingestion scale-out: three real <c>gardencity run --roles ingest</c> processes in one MQTT 5 shared
/// subscription group (<c>GardenCity:Mqtt:SharedGroup</c>) on the real Mosquitto 2.0 with the shipped
/// <c>deploy/mosquitto/mosquitto.conf</c> (accounts, ACL, persistence), stations publishing at QoS 1, one worker
/// SIGKILLed (or stopped with SIGTERM) mid-stream and started again. Prints the split and what the broker held for the dead member; docs/scale-out.md records a run.
/// </summary>
public sealed partial class SharedSubscriptionTests(ServersFixture servers)
{
    private const int ReadingsPerStation = 600; // 9 stations: 5,400 readings, one per message
    private const string Group = "gc-ingest";
    private static readonly string[] Members = ["a", "b", "c"];

    /// <param name="graceful">SIGTERM (a service manager's stop, as in a rolling upgrade) instead of SIGKILL (a crash).</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ThreeWorkersInOneGroup_OneStoppedMidStream_SplitAndEveryReadingStoredExactlyOnce(bool graceful)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(ct, await MosquittoCrashTests.ShippedConfigAsync(mosquitto));
        string database = "share" + Guid.NewGuid().ToString("N")[..8];
        string dir = Directory.CreateTempSubdirectory("gc-share-").FullName;
        var query = new InfluxQlClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, Options.Create(new InfluxOptions { Url = servers.Influx.Url, Database = database }));
        var load = new LoadPublisher(mosquitto.Port, readingsPerStation: ReadingsPerStation, samplesPerMessage: 1, pausePerMessage: TimeSpan.FromMilliseconds(15));
        Worker[] workers = Members.Select(name => new Worker(name, Settings(mosquitto, database, dir, name))).ToArray();
        try
        {
            await Task.WhenAll(workers.Select(async w => w.Process = await GardenCityProcess.StartAsync(w.Settings, healthUrl: false)));
            Assert.All(workers, w => Assert.Contains($"subscribed to $share/{Group}/gc/v1/#", w.Process!.Output, StringComparison.Ordinal));
            Task publishing = load.RunAsync(ct);

            // The split: every member stores a share. Stop c once it has, while stations are still publishing.
            Worker victim = workers[2];
            long[] storedBeforeKill = new long[3];
            await InfluxServer.WaitUntilAsync(
                async () =>
                {
                    for (int i = 0; i < 3; i++)
                    {
                        storedBeforeKill[i] = await StoredAsync(workers[i]);
                    }

                    return storedBeforeKill.All(s => s > 0) && storedBeforeKill.Sum() >= load.Total / 5;
                },
                TimeSpan.FromSeconds(60), () => $"not every worker stored readings: {string.Join(", ", storedBeforeKill)}", ct);
            if (graceful)
            {
                await victim.Process!.TerminateAsync(); // exit code 0: it wrote and acknowledged what it had received
            }
            else
            {
                victim.Process!.Kill();
            }

            long publishedAtKill = load.Published;
            long storedAtKill = await WaterLevels.CountAsync(query);
            await publishing;
            Assert.True(publishedAtKill < load.Total, "the kill came in the middle of the stream");

            // What the two survivors get without the dead member: wait until InfluxDB stops growing (5 s unchanged).
            long withoutVictim = await MosquittoCrashTests.WaitSettledAsync(query, load.Total, ct, quiet: TimeSpan.FromSeconds(5), limit: TimeSpan.FromSeconds(60));
            long[] survivorsStored = [await StoredAsync(workers[0]), await StoredAsync(workers[1])];
            long heldForVictim = load.Total - withoutVictim;

            // The dead member comes back under the same client id: its session (and what the broker kept in it) is there.
            victim.Process.Dispose();
            victim.Process = await GardenCityProcess.StartAsync(victim.Settings, healthUrl: false);
            Assert.Contains("session present: True", victim.Process.Output, StringComparison.Ordinal);
            long stored = 0;
            await InfluxServer.WaitUntilAsync(async () => (stored = await WaterLevels.CountAsync(query)) >= load.Total, TimeSpan.FromSeconds(60),
                () => $"{stored} of {load.Total} readings stored after the killed worker came back", ct);
            long victimAfterReturn = await StoredAsync(victim);
            long[] survivorsAfterReturn = [await StoredAsync(workers[0]), await StoredAsync(workers[1])];

            // Exactly once: InfluxDB keeps one point per series and timestamp, so a count of ReadingsPerStation per
            // station over the stream's timestamps, with the sum of the values, means every reading is there once.
            IReadOnlyList<InfluxSeries> perStation = await query.QueryAsync("SELECT count(water_level_m), sum(water_level_m) FROM water_level GROUP BY station", ct);
            Assert.Equal(LoadPublisher.Stations.Order(), perStation.Select(s => s.Tags["station"]).Order());
            Assert.All(perStation, s =>
            {
                Assert.Equal(ReadingsPerStation, s.Get(0, "count").GetInt64());
                Assert.Equal(load.ExpectedSumPerStation, s.Get(0, "sum").GetDouble(), 3);
            });

            // Mosquitto 2.0 keeps a dead member's share in its session: what was in flight to it and what the round robin
            // gave it afterwards waits there for its return, and the survivors do not get it, then or later.
            Assert.True(heldForVictim > 0, $"the survivors stored all {load.Total} readings without the killed member");
            Assert.Equal(survivorsStored, survivorsAfterReturn);
            Assert.True(victimAfterReturn >= heldForVictim, $"c stored {victimAfterReturn} after its return, {heldForVictim} were missing");
            Report($"3 workers, group {Group}, {load.Total} readings from {LoadPublisher.Stations.Length} stations at QoS 1; " +
                $"stored before the stop a={storedBeforeKill[0]} b={storedBeforeKill[1]} c={storedBeforeKill[2]} (InfluxDB {storedAtKill}, {publishedAtKill} published); " +
                $"{(graceful ? "SIGTERM" : "SIGKILL")} c; after the stream a={survivorsStored[0]} b={survivorsStored[1]}, InfluxDB settled at {withoutVictim}: {heldForVictim} held in c's session; " +
                $"c back (session present) stored {victimAfterReturn}, {victimAfterReturn - heldForVictim} of them written before the stop and not acknowledged (written twice, the same point); " +
                $"a and b stored nothing more; InfluxDB {stored} = {load.Total}, each once");
        }
        finally
        {
            foreach (Worker w in workers)
            {
                w.Process?.Dispose();
            }

            ServerProcess.DeleteDirectory(dir);
        }
    }

    private Dictionary<string, string> Settings(MosquittoServer mosquitto, string database, string dir, string name) => new()
    {
        ["GardenCity:Roles"] = "ingest",
        ["GardenCity:Health:Url"] = $"http://127.0.0.1:{ServerProcess.FreePort()}",
        ["GardenCity:Mqtt:Host"] = "127.0.0.1",
        ["GardenCity:Mqtt:Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
        ["GardenCity:Mqtt:ClientId"] = $"ingest-{database}-{name}",
        ["GardenCity:Mqtt:SharedGroup"] = Group,
        ["GardenCity:Mqtt:Username"] = "gardencity-ingest",
        ["GardenCity:Mqtt:Password"] = "gc-dev-gardencity-ingest",
        ["GardenCity:Influx:Url"] = servers.Influx.Url,
        ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
        ["GardenCity:Influx:Database"] = database,
        ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, name, "dead-letter"),
        ["GardenCity:Spool:Directory"] = Path.Combine(dir, name, "spool"),
    };

    private static void Report(string text)
    {
        TestContext.Current.SendDiagnosticMessage(text);
        lock (FaultToleranceTests.FiguresFile)
        {
            File.AppendAllText(FaultToleranceTests.FiguresFile, $"{DateTime.UtcNow:u} {TestContext.Current.Test?.TestDisplayName}: {text}\n");
        }
    }

    /// <summary>The worker's <c>gardencity_readings_stored_total</c> from its <c>/metrics</c> (0 before its first write).</summary>
    private static async Task<long> StoredAsync(Worker worker)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string metrics = await http.GetStringAsync(worker.Settings["GardenCity:Health:Url"] + "/metrics", TestContext.Current.CancellationToken);
        return StoredLine().Matches(metrics).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"(?m)^gardencity_readings_stored_total(?:\{[^}]*\})? (\d+)")]
    private static partial Regex StoredLine();

    private sealed class Worker(string name, Dictionary<string, string> settings)
    {
        public string Name { get; } = name;

        public Dictionary<string, string> Settings { get; } = settings;

        public GardenCityProcess? Process { get; set; }
    }
}
