using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 11 finding 4: with the shipped <c>autosave_interval 30</c> a Mosquitto SIGKILL lost 79,767 of 200,000
/// readings the broker had acknowledged: nothing had been saved, the worker's persistent session vanished, and what
/// stations published before the worker subscribed again had no subscriber. This runs the real Mosquitto with the
/// persistence settings of <c>deploy/mosquitto/mosquitto.conf</c> as shipped (so reverting them fails the test), a real
/// <c>gardencity run --roles ingest</c> and influxd, and kills Mosquitto under load.
/// </summary>
public sealed partial class MosquittoCrashTests(ServersFixture servers)
{
    private const int ReadingsPerStation = 22_223; // 9 stations: 200,007 readings
    private const int SamplesPerMessage = 10;

    /// <summary>
    /// Messages a Mosquitto kill under load may lose besides one per station, a margin over what was seen (9 messages
    /// alone, 17 in the full suite on 2 shared cores), not a derived bound (docs/fault-tolerance.md). It was read from
    /// the shipped <c>max_inflight_messages</c> (100), which does not govern MQTT 5 clients such as the worker.
    /// </summary>
    private const int LossMargin = 100;

    [Fact]
    public async Task Mosquitto_KilledWithSigkillUnderLoad_ShippedPersistence_LosesAtMostTheMessagesOfTheKilledLoopPass()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var mosquitto = new MosquittoServer();
        string config = await ShippedConfigAsync(mosquitto);
        await mosquitto.StartAsync(ct, config);
        (string dir, Dictionary<string, string> settings, InfluxQlClient query) = Worker(mosquitto, "mqcrash");
        var load = new LoadPublisher(mosquitto.Port, readingsPerStation: ReadingsPerStation, samplesPerMessage: SamplesPerMessage);
        try
        {
            using GardenCityProcess worker = await GardenCityProcess.StartAsync(settings);
            var clock = Stopwatch.StartNew();
            Task publishing = load.RunAsync(ct);
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(load.Published >= 40_000 || publishing.IsCompleted), TimeSpan.FromMinutes(3), () => $"{load.Published} published", ct);
            long ackedAtKill = load.Published;
            long storedAtKill = await WaterLevels.CountAsync(query);
            double secondsAtKill = clock.Elapsed.TotalSeconds;
            string beforeKill = mosquitto.Output;
            mosquitto.Kill();
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            await mosquitto.StartAsync(ct, config);
            await publishing;
            double publishSeconds = clock.Elapsed.TotalSeconds;

            // Every reading was acknowledged by the broker (a station moves on only after its PUBACK); wait until all
            // are stored, or until nothing more arrives for 20 s (what is missing then was lost).
            long stored = await WaitSettledAsync(query, load.Total, ct);
            int saves = SaveLine().Count(beforeKill + mosquitto.Output);
            long lost = load.Total - stored;
            string figures = $"{Setting(config, "autosave_on_changes")}, {Setting(config, "autosave_interval")}, {Setting(config, "max_inflight_messages")}: " +
                $"SIGKILL at {secondsAtKill:F1} s with {ackedAtKill} readings acknowledged by the broker and {storedAtKill} stored; " +
                $"published {load.Total} (all acknowledged) in {publishSeconds:F1} s ({load.Total / publishSeconds:F0} readings/s, {load.Total / 10 / publishSeconds:F0} messages/s), " +
                $"stored {stored}, lost {lost}; Mosquitto saved its database {saves} times";
            Report(figures);

            // What Mosquitto 2.0 can lose here (docs/fault-tolerance.md, "What is still not guaranteed"): it sends a PUBACK
            // before the save of the same main-loop pass (one message per station: each waits for its PUBACK before the
            // next), and a message it hands straight to the connected worker's in-flight window is no "change" for
            // autosave_on_changes (src/database.c counts only queued ones), so in-flight messages the worker had not yet
            // received at the kill may be in no save. The window is the worker's Receive Maximum (QueueCapacity), which
            // Mosquitto 2 uses for MQTT 5 clients instead of max_inflight_messages, so the bound below is no window but
            // LossMargin over what was seen. The old 30 s autosave lost 26,820 readings here.
            Assert.True(ackedAtKill < load.Total, "the kill came in the middle");
            Assert.True(lost <= (LoadPublisher.Stations.Length + LossMargin) * SamplesPerMessage, figures + "\nworker:\n" + string.Join('\n', worker.Output.Split('\n').TakeLast(30)));
            Assert.Contains("session present: True", worker.Output, StringComparison.Ordinal);
            IReadOnlyList<InfluxSeries> perStation = await query.QueryAsync("SELECT count(water_level_m), sum(water_level_m) FROM water_level GROUP BY station", CancellationToken.None);
            Assert.Equal(LoadPublisher.Stations.Order(), perStation.Select(s => s.Tags["station"]).Order());
            Assert.All(perStation, s => Assert.InRange(s.Get(0, "count").GetInt64(), ReadingsPerStation - ((1 + LossMargin) * SamplesPerMessage), ReadingsPerStation));
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task Mosquitto_KilledWhileTheWorkerIsAway_ShippedPersistence_KeepsTheWorkersSessionAndItsQueue()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var mosquitto = new MosquittoServer();
        string config = await ShippedConfigAsync(mosquitto);
        await mosquitto.StartAsync(ct, config);
        (string dir, Dictionary<string, string> settings, InfluxQlClient query) = Worker(mosquitto, "mqaway");
        var load = new LoadPublisher(mosquitto.Port, readingsPerStation: 500, samplesPerMessage: 1);
        try
        {
            // The worker makes its persistent session, then is stopped (an upgrade, a long outage of its host).
            using (GardenCityProcess first = await GardenCityProcess.StartAsync(settings))
            {
                await first.TerminateAsync();
            }

            var clock = Stopwatch.StartNew();
            await load.RunAsync(ct);
            double seconds = clock.Elapsed.TotalSeconds;
            string db = Path.Combine(mosquitto.DataDirectory, "mosquitto.db");
            long dbBytes = File.Exists(db) ? new FileInfo(db).Length : 0;
            // The crash comes a second after the last message. (Killed in the very main-loop pass that acknowledged a
            // message, Mosquitto can lose that message even saving on every change: 1 of 45,000 in one run.)
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            mosquitto.Kill();
            await mosquitto.StartAsync(ct, config);

            using GardenCityProcess second = await GardenCityProcess.StartAsync(settings);
            long stored = await WaitSettledAsync(query, load.Total, ct);
            string figures = $"{Setting(config, "autosave_on_changes")}, {Setting(config, "autosave_interval")}: worker away, {load.Total} readings " +
                $"(one a message) queued for it in {seconds:F1} s ({load.Total / seconds:F0} messages/s), mosquitto.db {dbBytes} bytes at the SIGKILL; " +
                $"after the restart the worker's session was {(second.Output.Contains("session present: True", StringComparison.Ordinal) ? "present" : "gone")}, stored {stored}, lost {load.Total - stored}";
            Report(figures);

            Assert.True(stored == load.Total, figures);
            Assert.Contains("session present: True", second.Output, StringComparison.Ordinal);
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task ShippedMosquittoConfiguration_SavesOnChangesWithAShortIntervalAndBoundedQueues()
    {
        string shipped = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "mosquitto", "mosquitto.conf"), TestContext.Current.CancellationToken);

        Assert.Equal("true", Setting(shipped, "persistence")[12..]);
        Assert.Equal("autosave_on_changes true", Setting(shipped, "autosave_on_changes"));
        int interval = int.Parse(Setting(shipped, "autosave_interval")["autosave_interval ".Length..], CultureInfo.InvariantCulture);
        Assert.InRange(interval, 1, 100);
        long queued = long.Parse(Setting(shipped, "max_queued_messages")["max_queued_messages ".Length..], CultureInfo.InvariantCulture);
        Assert.True(queued is 0 or >= 1_000_000, "max_queued_messages must hold hours of backlog");
    }

    /// <summary>
    /// The shipped mosquitto.conf, with only its plain listener, paths and log destination moved for the test, and
    /// without its TLS listener for stations (its certificates are made at deployment; MosquittoTlsConfigTests starts
    /// that listener with certificates of its own).
    /// </summary>
    internal static async Task<string> ShippedConfigAsync(MosquittoServer mosquitto)
    {
        string shipped = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "deploy", "mosquitto", "mosquitto.conf"), TestContext.Current.CancellationToken);
        string config = WithoutTlsListener(shipped)
            .Replace("listener 1883", $"listener {mosquitto.Port} 127.0.0.1", StringComparison.Ordinal)
            .Replace("/mosquitto/config/", Path.Combine(Repo.Root, "deploy", "mosquitto") + "/", StringComparison.Ordinal)
            .Replace("/mosquitto/data/", mosquitto.DataDirectory + "/", StringComparison.Ordinal)
            .Replace("log_dest stdout", "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information", StringComparison.Ordinal) + MosquittoServer.RunAsRoot;
        Assert.Contains(mosquitto.DataDirectory, config, StringComparison.Ordinal);
        Assert.DoesNotContain("certfile", config, StringComparison.Ordinal);
        return config;
    }

    /// <summary>The shipped configuration without its TLS listener for stations (the tests that use the plain listener only).</summary>
    internal static string WithoutTlsListener(string shipped) => TlsListener().Replace(shipped, string.Empty);

    /// <summary>The TLS listener's block: the listener line and the certificate and TLS lines that follow it.</summary>
    [GeneratedRegex(@"^listener 8883\n(?:(?:certfile|keyfile|cafile|tls_version|require_certificate)\b[^\n]*\n)*", RegexOptions.Multiline)]
    private static partial Regex TlsListener();

    /// <summary>A worker's settings against <paramref name="mosquitto"/>, with a fresh database and folder, and a query client for that database.</summary>
    private (string Dir, Dictionary<string, string> Settings, InfluxQlClient Query) Worker(MosquittoServer mosquitto, string prefix)
    {
        string database = prefix + Guid.NewGuid().ToString("N")[..8];
        string dir = Directory.CreateTempSubdirectory($"gc-{prefix}-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Roles"] = "ingest",
            ["GardenCity:Mqtt:Host"] = "127.0.0.1",
            ["GardenCity:Mqtt:Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Mqtt:ClientId"] = "ingest-" + database,
            ["GardenCity:Mqtt:Username"] = "gardencity-ingest",
            ["GardenCity:Mqtt:Password"] = "gc-dev-gardencity-ingest",
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dead-letter"),
            ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
        };
        return (dir, settings, new InfluxQlClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, Options.Create(new InfluxOptions { Url = servers.Influx.Url, Database = database })));
    }

    private static string Setting(string config, string name) =>
        config.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal)) ?? name + " (not set)";

    /// <summary>
    /// The stored count once it reached <paramref name="expected"/>, or stayed the same for <paramref name="quiet"/>
    /// (20 s by default: what is missing then was lost), or after <paramref name="limit"/> (5 min by default).
    /// </summary>
    internal static async Task<long> WaitSettledAsync(InfluxQlClient query, long expected, CancellationToken ct, TimeSpan? quiet = null, TimeSpan? limit = null)
    {
        long last = -1;
        var still = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        while (total.Elapsed < (limit ?? TimeSpan.FromMinutes(5)))
        {
            long now = await WaterLevels.CountAsync(query);
            if (now >= expected)
            {
                return now;
            }

            if (now != last)
            {
                last = now;
                still.Restart();
            }
            else if (still.Elapsed > (quiet ?? TimeSpan.FromSeconds(20)))
            {
                return now;
            }

            await Task.Delay(250, ct);
        }

        return last;
    }

    private static void Report(string text)
    {
        TestContext.Current.SendDiagnosticMessage(text);
        lock (FaultToleranceTests.FiguresFile)
        {
            File.AppendAllText(FaultToleranceTests.FiguresFile, $"{DateTime.UtcNow:u} {TestContext.Current.Test?.TestDisplayName}: {text}\n");
        }
    }

    [GeneratedRegex("Saving in-memory database")]
    private static partial Regex SaveLine();
}
