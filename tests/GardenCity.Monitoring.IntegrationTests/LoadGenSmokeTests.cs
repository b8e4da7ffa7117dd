using System.Globalization;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Options;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// <c>gardencity-load</c> (bench/GardenCity.Monitoring.LoadGen) through its real entry point: its own registry, a few
/// hundred readings at QoS 1 through the real Mosquitto into a real <c>gardencity run --roles ingest,alerting</c> with
/// the shipped rules and the real influxd. Every reading is stored (counted here with InfluxQL, not only by the load
/// generator), the crossings raise their alerts, and the report has its fields. No timing is asserted.
/// </summary>
public sealed class LoadGenSmokeTests(ServersFixture servers)
{
    private static string LoadGenDll => Path.Combine(Repo.Root, "bench", "GardenCity.Monitoring.LoadGen", "bin", Repo.Configuration, "net10.0", "gardencity-load.dll");

    [Fact]
    public async Task Run_FewHundredReadingsThroughMosquitto_EveryReadingStoredAndReported()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using GardenCityRun run = GardenCityRun.Create(servers, "load").WithMosquitto(servers.Mosquitto.Port).With("GardenCity:Roles", "ingest,alerting");
        string registry = Path.Combine(run.Directory, "stations.yaml");
        var (code, _, stderr) = await Repo.RunAsync("dotnet", [LoadGenDll, "registry", "--stations", "10", "--out", registry]);
        Assert.True(code == 0, stderr);
        run.Settings["GardenCity:RegistryPath"] = registry;
        using GardenCityProcess gardencity = await run.StartAsync();
        string report = Path.Combine(run.Directory, "report.json");

        (code, string stdout, stderr) = await Repo.RunAsync("dotnet", [LoadGenDll, "run", "--case", "smoke", "--port", servers.Mosquitto.Port.ToString(CultureInfo.InvariantCulture),
            "--stations", "10", "--readings", "40", "--rate", "400", "--alert-stations", "2", "--alerts", "--alert-wait-seconds", "60",
            "--influx-url", servers.Influx.Url, "--database", run.Database, "--stall-seconds", "60", "--report", report], timeout: TimeSpan.FromMinutes(3));

        Assert.True(code == 0, stdout + stderr + gardencity.Output);
        var query = new InfluxQlClient(new HttpClient(), Options.Create(new InfluxOptions { Url = servers.Influx.Url, Database = run.Database }));
        IReadOnlyList<InfluxSeries> counts = await query.QueryAsync("SELECT count(water_level_m) FROM water_level GROUP BY station", ct);
        Assert.Equal(10, counts.Count);
        Assert.All(counts, s => Assert.Equal(40, s.Get(0, "count").GetInt64()));

        using JsonDocument doc = JsonDocument.Parse(await File.ReadAllTextAsync(report, ct));
        JsonElement r = doc.RootElement;
        Assert.Equal("smoke", r.GetProperty("case").GetString());
        Assert.Equal(400, r.GetProperty("readings").GetInt64());
        Assert.Equal(400, r.GetProperty("acked").GetInt64());
        Assert.Equal(400, r.GetProperty("delivered").GetInt64());
        Assert.Equal(0, r.GetProperty("lost").GetInt64());
        Assert.Equal("complete", r.GetProperty("end").GetString());
        Assert.True(r.GetProperty("readings_per_second").GetDouble() > 0);
        JsonElement stored = r.GetProperty("stored_latency");
        Assert.Equal(400, stored.GetProperty("count").GetInt32());
        Assert.True(stored.GetProperty("p50_ms").GetDouble() <= stored.GetProperty("p99_ms").GetDouble());
        // Two stations cross the four flood levels: blue raised, then yellow, orange and red escalations, all matched.
        JsonElement alerts = r.GetProperty("alerts");
        Assert.Equal(8, alerts.GetProperty("expected").GetInt32());
        Assert.Equal(8, alerts.GetProperty("matched").GetInt32());
        Assert.Equal(8, alerts.GetProperty("latency").GetProperty("count").GetInt32());
        Assert.Equal(0, alerts.GetProperty("late").GetInt32());
    }

    [Fact]
    public async Task Run_NoBroker_ExitsTwoNamingTheBroker()
    {
        string port = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture);

        var (code, _, stderr) = await Repo.RunAsync("dotnet", [LoadGenDll, "run", "--port", port, "--stations", "2", "--readings", "5", "--sink", "none"]);

        Assert.Equal(2, code);
        Assert.Contains($"127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
