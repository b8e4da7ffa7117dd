using System.Globalization;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;

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
        await using MosquittoServer mosquitto = await StartMosquittoAsync();
        using var scratch = new Scratch(servers, mosquitto.Port);
        (string dir, InfluxQlClient query, Dictionary<string, string> settings) = (scratch.Dir, scratch.Query, scratch.Worker("ingest"));
        var first = new LoadPublisher(mosquitto.Port, readingsPerStation: 200, samplesPerMessage: 10);
        using (GardenCityProcess process = await GardenCityProcess.StartAsync(settings))
        {
            Assert.Contains("none yet, recording this run's for the next start", process.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dir, "profile", ProfileFile)), "the profile is written when the run stops, not before");

            // A second worker with the same roles and folder does not record into the same file, and still runs.
            using (GardenCityProcess second = await GardenCityProcess.StartAsync(scratch.Worker("ingest2")))
            {
                Assert.Contains($"{ProfileFile} is in use by another gardencity run", second.Output, StringComparison.Ordinal);
                await second.TerminateAsync();
            }

            await first.RunAsync(TestContext.Current.CancellationToken);
            await WaterLevels.WaitForAsync(query, first.Total);
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
            await WaterLevels.WaitForAsync(query, backlog.Total);
            await process.TerminateAsync();
            Assert.Equal(backlog.Total, await WaterLevels.CountAsync(query));
            Assert.DoesNotContain("Exception", process.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task IngestionWorker_RunWithoutReadings_ReplaysTheDecoderAndKeepsTheRicherProfileUnlessAnotherBuildRecordedIt()
    {
        await using MosquittoServer mosquitto = await StartMosquittoAsync();
        using var scratch = new Scratch(servers, mosquitto.Port);
        (InfluxQlClient query, Dictionary<string, string> settings) = (scratch.Query, scratch.Worker("ingest"));
        string profile = Path.Combine(scratch.Dir, "profile", ProfileFile);
        using (GardenCityProcess withReadings = await GardenCityProcess.StartAsync(settings))
        {
            var load = new LoadPublisher(mosquitto.Port, readingsPerStation: 100, samplesPerMessage: 10);
            await load.RunAsync(TestContext.Current.CancellationToken);
            await WaterLevels.WaitForAsync(query, load.Total);
            await withReadings.TerminateAsync();
        }

        byte[] rich = File.ReadAllBytes(profile);

        // The runtime's own record of what it compiled: with no reading ever sent to it, the idle worker compiles the
        // decoder only because the profile says so.
        string jitLog = Path.Combine(scratch.Dir, "jit.txt");
        using (GardenCityProcess idle = await GardenCityProcess.StartAsync(settings, environment: new Dictionary<string, string> { ["DOTNET_JitStdOutFile"] = jitLog, ["DOTNET_JitDisasmSummary"] = "1" }))
        {
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(File.Exists(jitLog) && ReadShared(jitLog).Contains("WireDecoder:Decode(", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), () => "the replayed profile did not compile WireDecoder.Decode", TestContext.Current.CancellationToken);
            await idle.TerminateAsync();
            Assert.Contains("kept: this run compiled less", idle.Output, StringComparison.Ordinal);
        }

        Assert.Equal(rich, File.ReadAllBytes(profile));
        Assert.False(File.Exists(Path.ChangeExtension(profile, ".recording.jitprofile")), "the poorer recording is removed");

        // As if recorded by another build (written after this one, as an upgrade's last stop does): replaced all the same.
        Assert.True(File.Exists(profile + ".build"), "the build a profile was recorded by is written beside it");
        File.WriteAllText(profile + ".build", "gardencity 00000000000000000000000000000000");
        using (GardenCityProcess afterUpgrade = await GardenCityProcess.StartAsync(settings))
        {
            await afterUpgrade.TerminateAsync();
            Assert.Contains("saved for the next start", afterUpgrade.Output, StringComparison.Ordinal);
        }

        Assert.True(new FileInfo(profile).Length < rich.Length, "the idle run's recording replaced the profile of another build");
        Assert.NotEqual("gardencity 00000000000000000000000000000000", File.ReadAllText(profile + ".build"));
    }

    [Theory]
    [InlineData("under-a-file", "Warning: GardenCity:StartupProfileDirectory '{0}' cannot be used", "Set it to a folder this user can write, or to an empty value to turn it off.")]
    [InlineData("", "Startup profile off (GardenCity:StartupProfileDirectory is empty)", null)]
    public async Task IngestionWorker_ProfileFolderUnusableOrEmpty_StartsWithoutOneAndSaysWhy(string folder, string expected, string? advice)
    {
        await using MosquittoServer mosquitto = await StartMosquittoAsync();
        using var scratch = new Scratch(servers, mosquitto.Port);
        string dir = scratch.Dir;
        if (folder.Length > 0)
        {
            File.WriteAllText(Path.Combine(dir, "a-file"), "not a folder");
            folder = Path.Combine(dir, "a-file", "profile"); // a folder below a plain file cannot be created
        }

        Dictionary<string, string> settings = scratch.Worker("ingest");
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

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    private static async Task<MosquittoServer> StartMosquittoAsync()
    {
        var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        return mosquitto;
    }

    /// <summary>A test's temporary folder (deleted on disposal), its database and the worker settings over them.</summary>
    private sealed class Scratch(ServersFixture servers, int mqttPort) : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("gc-profile-").FullName;

        public string Database { get; } = "prof" + Guid.NewGuid().ToString("N")[..8];

        public InfluxQlClient Query => WaterLevels.Query(servers.Influx, Database);

        /// <summary>An ingestion worker's settings: its own client id, spool and dead letters; the shared profile folder.</summary>
        public Dictionary<string, string> Worker(string name) => new()
        {
            ["GardenCity:Mqtt:Host"] = "127.0.0.1",
            ["GardenCity:Mqtt:Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Mqtt:ClientId"] = name + "-" + Database,
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // readings from a past year (docs/retention.md)
            ["GardenCity:Influx:Database"] = Database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(Dir, name, "dead-letter"),
            ["GardenCity:Spool:Directory"] = Path.Combine(Dir, name, "spool"),
            ["GardenCity:StartupProfileDirectory"] = Path.Combine(Dir, "profile"),
        };

        public void Dispose() => ServerProcess.DeleteDirectory(Dir);
    }

}
