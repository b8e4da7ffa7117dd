using System.Globalization;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// The runtime's startup profile (<c>GardenCity:StartupProfileDirectory</c>, multi-core JIT) through the real entry
/// point: a run records what it compiled, the next start of the same roles replays it in the background, and the
/// worker stores a backlog that waited for it exactly as without one. A folder it cannot use, or one another process
/// records into, costs a warning or a log line, never the start.
/// </summary>
public sealed class StartupProfileTests(ServersFixture servers)
{
    private const string ProfileFile = "gardencity-run-ingest.jitprofile";

    [Fact]
    public async Task IngestionWorker_RestartedWithTheProfileOfItsLastRun_ReplaysItAndStoresTheBacklogThatWaited()
    {
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        string dir = Directory.CreateTempSubdirectory("gc-profile-").FullName;
        string database = "prof" + Guid.NewGuid().ToString("N")[..8];
        var query = new InfluxQlClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, Options.Create(new InfluxOptions { Url = servers.Influx.Url, Database = database }));
        Dictionary<string, string> settings = Worker(mosquitto.Port, dir, database, "ingest-" + database);
        try
        {
            var first = new LoadPublisher(mosquitto.Port, readingsPerStation: 200, samplesPerMessage: 10);
            using (GardenCityProcess process = await GardenCityProcess.StartAsync(settings))
            {
                Assert.Contains("none yet, recording this run's for the next start", process.Output, StringComparison.Ordinal);
                Assert.False(File.Exists(Path.Combine(dir, "profile", ProfileFile)), "the profile is written when the run stops, not before");

                // A second worker with the same roles and folder does not record into the same file, and still runs.
                using (GardenCityProcess second = await GardenCityProcess.StartAsync(Worker(mosquitto.Port, dir, database, "ingest2-" + database)))
                {
                    Assert.Contains($"{ProfileFile} is in use by another gardencity run", second.Output, StringComparison.Ordinal);
                    await second.TerminateAsync();
                }

                await first.RunAsync(TestContext.Current.CancellationToken);
                await WaitForAsync(query, first.Total);
                await process.TerminateAsync();
                Assert.Contains("saved for the next start", process.Output, StringComparison.Ordinal);
            }

            var profile = new FileInfo(Path.Combine(dir, "profile", ProfileFile));
            Assert.True(profile.Exists && profile.Length > 1024, $"no profile written at {profile.FullName}");

            // Readings 0-199 again (idempotent) and 200-399, queued at Mosquitto for the worker's session while it is down.
            var backlog = new LoadPublisher(mosquitto.Port, readingsPerStation: 400, samplesPerMessage: 10);
            await backlog.RunAsync(TestContext.Current.CancellationToken);
            using (GardenCityProcess process = await GardenCityProcess.StartAsync(settings))
            {
                Assert.Contains("compiling what the last run compiled, in the background", process.Output, StringComparison.Ordinal);
                await WaitForAsync(query, backlog.Total);
                await process.TerminateAsync();
                Assert.Equal(backlog.Total, await CountAsync(query));
                Assert.DoesNotContain("Exception", process.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Fact]
    public async Task IngestionWorker_RunWithoutReadings_KeepsTheRicherProfileUnlessThatOneIsOlderThanTheProgram()
    {
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        string dir = Directory.CreateTempSubdirectory("gc-profile-").FullName;
        string database = "prof" + Guid.NewGuid().ToString("N")[..8];
        var query = new InfluxQlClient(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, Options.Create(new InfluxOptions { Url = servers.Influx.Url, Database = database }));
        Dictionary<string, string> settings = Worker(mosquitto.Port, dir, database, "ingest-" + database);
        string profile = Path.Combine(dir, "profile", ProfileFile);
        try
        {
            using (GardenCityProcess withReadings = await GardenCityProcess.StartAsync(settings))
            {
                var load = new LoadPublisher(mosquitto.Port, readingsPerStation: 100, samplesPerMessage: 10);
                await load.RunAsync(TestContext.Current.CancellationToken);
                await WaitForAsync(query, load.Total);
                await withReadings.TerminateAsync();
            }

            byte[] rich = File.ReadAllBytes(profile);

            using (GardenCityProcess idle = await GardenCityProcess.StartAsync(settings))
            {
                await idle.TerminateAsync();
                Assert.Contains("kept: this run compiled less", idle.Output, StringComparison.Ordinal);
            }

            Assert.Equal(rich, File.ReadAllBytes(profile));
            Assert.False(File.Exists(Path.ChangeExtension(profile, ".recording.jitprofile")), "the poorer recording is removed");

            File.SetLastWriteTimeUtc(profile, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)); // as if left by an older program
            using (GardenCityProcess afterUpgrade = await GardenCityProcess.StartAsync(settings))
            {
                await afterUpgrade.TerminateAsync();
                Assert.Contains("saved for the next start", afterUpgrade.Output, StringComparison.Ordinal);
            }

            Assert.True(new FileInfo(profile).Length < rich.Length, "the idle run's recording replaced the profile older than the program");
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    [Theory]
    [InlineData("under-a-file", "Warning: GardenCity:StartupProfileDirectory '{0}' cannot be used", "Set it to a folder this user can write, or to an empty value to turn it off.")]
    [InlineData("", "Startup profile off (GardenCity:StartupProfileDirectory is empty)", null)]
    public async Task IngestionWorker_ProfileFolderUnusableOrEmpty_StartsWithoutOneAndSaysWhy(string folder, string expected, string? advice)
    {
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        string dir = Directory.CreateTempSubdirectory("gc-profile-").FullName;
        string database = "prof" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            if (folder.Length > 0)
            {
                File.WriteAllText(Path.Combine(dir, "a-file"), "not a folder");
                folder = Path.Combine(dir, "a-file", "profile"); // a folder below a plain file cannot be created
            }

            Dictionary<string, string> settings = Worker(mosquitto.Port, dir, database, "ingest-" + database);
            settings["GardenCity:StartupProfileDirectory"] = folder;
            using GardenCityProcess process = await GardenCityProcess.StartAsync(settings);
            Assert.Contains(string.Format(CultureInfo.InvariantCulture, expected, folder), process.Output, StringComparison.Ordinal);
            if (advice is not null)
            {
                Assert.Contains(advice, process.Output, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal); // no stack trace
            await process.TerminateAsync();
            Assert.Empty(Directory.GetFiles(dir, "*.jitprofile", SearchOption.AllDirectories));
        }
        finally
        {
            ServerProcess.DeleteDirectory(dir);
        }
    }

    private Dictionary<string, string> Worker(int mqttPort, string dir, string database, string clientId) => new()
    {
        ["GardenCity:Mqtt:Host"] = "127.0.0.1",
        ["GardenCity:Mqtt:Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
        ["GardenCity:Mqtt:ClientId"] = clientId,
        ["GardenCity:Influx:Url"] = servers.Influx.Url,
        ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // readings from a past year (docs/retention.md)
        ["GardenCity:Influx:Database"] = database,
        ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, clientId, "dead-letter"),
        ["GardenCity:Spool:Directory"] = Path.Combine(dir, clientId, "spool"),
        ["GardenCity:StartupProfileDirectory"] = Path.Combine(dir, "profile"),
    };

    private static async Task<long> CountAsync(InfluxQlClient query)
    {
        try
        {
            IReadOnlyList<InfluxSeries> series = await query.QueryAsync("SELECT count(water_level_m) FROM water_level", CancellationToken.None);
            return series.Count == 0 ? 0 : series[0].Get(0, "count").GetInt64();
        }
        catch (InvalidOperationException)
        {
            return 0; // the database does not exist yet
        }
    }

    private static async Task WaitForAsync(InfluxQlClient query, long count)
    {
        long last = 0;
        await InfluxServer.WaitUntilAsync(async () => (last = await CountAsync(query)) >= count, TimeSpan.FromSeconds(60),
            () => $"{last} of {count} readings stored", TestContext.Current.CancellationToken);
    }
}
