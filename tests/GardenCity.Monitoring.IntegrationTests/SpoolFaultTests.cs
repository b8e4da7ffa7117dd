using System.Diagnostics;
using System.Globalization;
using System.Net;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Tests.Spool;
using GardenCity.Monitoring.Storage.Influx;
using GardenCity.Monitoring.Storage.Spool;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The spool's file system filling up for real: <c>gardencity run</c> (all-in-one) with its spool on a 1 MiB tmpfs and
/// influxd killed. The process must stay up, report not ready, withhold PUBACKs, survive a crash and restart with the
/// spool full, and store every reading once influxd is back. Figures go to the test output and
/// <c>fault-tolerance-figures.txt</c>; docs/fault-tolerance.md records a run.
/// </summary>
public sealed class SpoolFaultTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task AllInOne_SpoolFileSystemFullWhileInfluxDown_StaysUpNotReadyAndStoresEveryReadingOnceInfluxIsBack()
    {
        using Tmpfs tmpfs = Tmpfs.Mount("1m");
        await using var influx = new InfluxServer();
        await influx.StartAsync(TestContext.Current.CancellationToken);
        int brokerPort = ServerProcess.FreePort();
        string health = $"http://127.0.0.1:{ServerProcess.FreePort()}";
        string database = "full" + Guid.NewGuid().ToString("N")[..8];
        string dir = Directory.CreateTempSubdirectory("gc-full-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Broker:Port"] = brokerPort.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Health:Url"] = health,
            ["GardenCity:Influx:Url"] = influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dead-letter"),
            ["GardenCity:Spool:Directory"] = tmpfs.Path, // default SegmentBytes (8 MiB): the one segment fills the disk
        };
        var query = new InfluxQlClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, Options.Create(new InfluxOptions { Url = influx.Url, Database = database }));
        var load = new LoadPublisher(brokerPort, readingsPerStation: 2_000, samplesPerMessage: 10);
        try
        {
            influx.Kill();
            long heldAt;
            string notReady;
            using (GardenCityProcess first = await GardenCityProcess.StartAsync(settings, ready: "Embedded MQTT broker listening", healthUrl: false))
            {
                Task publishing = load.RunAsync(TestContext.Current.CancellationToken);
                (HttpStatusCode Status, string Body) ready = (0, string.Empty);
                await InfluxServer.WaitUntilAsync(async () => (ready = await ReadyAsync(health)).Body.Contains("file system full", StringComparison.Ordinal),
                    TimeSpan.FromSeconds(120), () => $"readiness never reported the full file system: {ready}\n{first.Output}", TestContext.Current.CancellationToken);
                notReady = ready.Body.Trim();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.Status);

                // Back-pressure, not a crash: the process answers, and the stations get no more PUBACKs.
                heldAt = load.Published;
                await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
                Assert.Equal(heldAt, load.Published);
                Assert.False(publishing.IsCompleted);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ReadyAsync(health)).Status);
                Assert.DoesNotContain("IOException", first.Output, StringComparison.Ordinal);
                Assert.InRange(heldAt, 1, load.Total - 1);

                // A crash with the spool full; InfluxDB comes back; the restarted process finds a full, non-empty spool.
                first.Kill();
                long spooledBytes = Directory.GetFiles(tmpfs.Path, "spool-*.log").Sum(f => new FileInfo(f).Length);
                await influx.StartAsync(TestContext.Current.CancellationToken);
                var clock = Stopwatch.StartNew();
                using GardenCityProcess second = await GardenCityProcess.StartAsync(settings, ready: "Embedded MQTT broker listening", healthUrl: false);
                await publishing; // the stations resend what was not acknowledged
                long last = 0;
                await InfluxServer.WaitUntilAsync(async () => (last = await CountAsync(query)) >= load.Total, TimeSpan.FromMinutes(3),
                    () => $"{last} of {load.Total} readings stored\n{second.Output}", TestContext.Current.CancellationToken);
                TimeSpan allStored = clock.Elapsed;
                await InfluxServer.WaitUntilAsync(async () => (await ReadyAsync(health)).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(60),
                    () => "not ready again after the spool drained\n" + second.Output, TestContext.Current.CancellationToken);

                Assert.Equal(load.Total, await CountAsync(query));
                Assert.Empty(Directory.GetFiles(tmpfs.Path, "*.corrupt"));
                Assert.DoesNotContain("IOException", second.Output, StringComparison.Ordinal);
                await second.TerminateAsync();
                Report(
                    $"spool on a 1 MiB tmpfs, influxd down: stations held at {heldAt} of {load.Total} acknowledged readings, spool {spooledBytes} B, readiness \"{notReady.Replace('\n', ' ')}\"; "
                    + $"SIGKILL, influxd back, restart with the full spool: all {load.Total} stored {allStored.TotalSeconds:F1} s after the restart began, lost 0");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Process_StartedOnADamagedSpool_ReplaysTheIntactRecordsAndReportsTheDamageUntilTheCopyIsRemoved()
    {
        await using var influx = new InfluxServer();
        await influx.StartAsync(TestContext.Current.CancellationToken);
        string health = $"http://127.0.0.1:{ServerProcess.FreePort()}";
        string database = "damaged" + Guid.NewGuid().ToString("N")[..8];
        string dir = Directory.CreateTempSubdirectory("gc-damaged-").FullName;
        string spoolDir = Path.Combine(dir, "spool");
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Broker:Port"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Health:Url"] = health,
            ["GardenCity:Influx:Url"] = influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dead-letter"),
            ["GardenCity:Spool:Directory"] = spoolDir,
        };
        var query = new InfluxQlClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, Options.Create(new InfluxOptions { Url = influx.Url, Database = database }));
        try
        {
            // 10 spooled batches of 100 readings; 4 bytes flipped in the 4th one's payload.
            long[] offsets = new long[10];
            using (var spool = new FileSpool(Options.Create(new SpoolOptions { Directory = spoolDir }), NullLogger<FileSpool>.Instance))
            {
                for (int b = 0; b < 10; b++)
                {
                    offsets[b] = spool.SizeBytes;
                    string lines = string.Concat(Enumerable.Range(0, 100).Select(i =>
                        $"water_level,station=yd-wl-01,site=yd,kind=water_level water_level_m={b}.{i:D3} {1719792000000000000L + (((b * 100) + i) * 1_000_000_000L)}\n"));
                    Assert.True(spool.TryAppend(lines, 100));
                }
            }

            string segment = Directory.GetFiles(spoolDir, "spool-*.log").Single();
            byte[] bytes = await File.ReadAllBytesAsync(segment, TestContext.Current.CancellationToken);
            for (int i = 0; i < 4; i++)
            {
                bytes[offsets[3] + 200 + i] ^= 0x5a;
            }

            await File.WriteAllBytesAsync(segment, bytes, TestContext.Current.CancellationToken);

            using GardenCityProcess process = await GardenCityProcess.StartAsync(settings, ready: "Embedded MQTT broker listening", healthUrl: false);
            long last = 0;
            await InfluxServer.WaitUntilAsync(async () => (last = await CountAsync(query)) >= 900, TimeSpan.FromSeconds(60),
                () => $"{last} of 900 readings replayed\n{process.Output}", TestContext.Current.CancellationToken);
            (HttpStatusCode Status, string Body) ready = (0, string.Empty);
            await InfluxServer.WaitUntilAsync(async () => (ready = await ReadyAsync(health)).Body.Contains("empty; spool damage", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), () => $"readiness: {ready}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, ready.Status); // Degraded: still serving, but loud
            Assert.StartsWith("Degraded", ready.Body, StringComparison.Ordinal);
            string degraded = ReadyLine(ready.Body);
            string metrics = await Http.GetStringAsync(health + "/metrics", TestContext.Current.CancellationToken);
            string[] damage = [.. metrics.Split('\n').Where(l => l.StartsWith("gardencity_spool_damaged", StringComparison.Ordinal) || l.StartsWith("gardencity_spool_quarantined", StringComparison.Ordinal))];
            Assert.NotEmpty(damage);
            Assert.Contains("is damaged from byte", process.Output, StringComparison.Ordinal);
            string copy = Assert.Single(Directory.GetFiles(spoolDir, "*.corrupt"));
            long copyBytes = new FileInfo(copy).Length;

            File.Delete(copy); // the operator has looked at it
            await InfluxServer.WaitUntilAsync(async () => (ready = await ReadyAsync(health)).Body.StartsWith("Healthy", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), () => $"readiness after removing the copy: {ready}", TestContext.Current.CancellationToken);
            Assert.Equal(900, await CountAsync(query));
            await process.TerminateAsync();
            Report($"spool of 10 batches x 100 readings, 4 bytes flipped in batch 4: 900 replayed, 1 batch ({copyBytes} B) quarantined; readiness \"{degraded}\", then \"{ReadyLine(ready.Body)}\" once the copy was removed; metrics {string.Join(", ", damage)}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string ReadyLine(string body) => body.Trim().Replace('\n', ' ');

    private static void Report(string text)
    {
        TestContext.Current.SendDiagnosticMessage(text);
        lock (FaultToleranceTests.FiguresFile)
        {
            File.AppendAllText(FaultToleranceTests.FiguresFile, $"{DateTime.UtcNow:u} {TestContext.Current.Test?.TestDisplayName}: {text}\n");
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyAsync(string health)
    {
        try
        {
            using HttpResponseMessage response = await Http.GetAsync(health + "/readyz", TestContext.Current.CancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        catch (HttpRequestException ex)
        {
            return (0, ex.Message);
        }
    }

    private static async Task<long> CountAsync(InfluxQlClient query)
    {
        try
        {
            IReadOnlyList<InfluxSeries> series = await query.QueryAsync("SELECT count(water_level_m) FROM water_level", CancellationToken.None);
            return series.Count == 0 ? 0 : series[0].Get(0, "count").GetInt64();
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException)
        {
            return 0; // the database does not exist yet, or influxd is starting
        }
    }
}
