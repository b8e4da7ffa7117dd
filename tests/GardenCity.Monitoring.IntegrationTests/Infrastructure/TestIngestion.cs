using GardenCity.Monitoring.Core.Quality;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Ingestion;
using GardenCity.Monitoring.Messaging;
using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>The ingestion role (and, if asked, the embedded broker) in this process, wired to the fixture's real servers.</summary>
public sealed class TestIngestion : IAsyncDisposable
{
    private static readonly Lazy<StationRegistry> Registry = new(() => StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml")));

    private TestIngestion(IHost host, string database, string deadLetterDir, int brokerPort)
    {
        Host = host;
        Database = database;
        DeadLetterDir = deadLetterDir;
        BrokerPort = brokerPort;
        Query = host.Services.GetRequiredService<InfluxQlClient>();
    }

    public IHost Host { get; }

    public string Database { get; }

    public string DeadLetterDir { get; }

    public int BrokerPort { get; }

    public InfluxQlClient Query { get; }

    public static StationRegistry Stations => Registry.Value;

    /// <summary>Starts ingestion into a fresh database; with <paramref name="embeddedBroker"/> it also runs the broker on a free port, else it uses the fixture's Mosquitto.</summary>
    public static async Task<TestIngestion> StartAsync(ServersFixture servers, bool embeddedBroker = false, IDictionary<string, string?>? settings = null, MosquittoServer? mosquitto = null, InfluxServer? influx = null, QualityPolicy? quality = null)
    {
        string database = "t" + Guid.NewGuid().ToString("N")[..12];
        string deadLetters = Directory.CreateTempSubdirectory("gc-dlq-").FullName;
        var config = new Dictionary<string, string?>
        {
            ["GardenCity:Influx:Url"] = (influx ?? servers.Influx).Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = database,
            ["GardenCity:DeadLetter:Directory"] = deadLetters,
            ["GardenCity:Spool:Directory"] = Path.Combine(deadLetters, "spool"),
            ["GardenCity:Mqtt:ClientId"] = "ingest-" + database,
            ["GardenCity:Mqtt:BatchInterval"] = "00:00:00.100",
            ["GardenCity:Mqtt:ReconnectDelay"] = "00:00:00.200",
        };
        if (embeddedBroker)
        {
            config["GardenCity:Broker:Port"] = "0";
        }
        else
        {
            config["GardenCity:Mqtt:Host"] = "127.0.0.1";
            config["GardenCity:Mqtt:Port"] = (mosquitto ?? servers.Mosquitto).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("Polly", LogLevel.Error);
        builder.Services.AddSingleton(Registry.Value);
        if (quality is not null)
        {
            builder.Services.AddSingleton(quality);
        }
        if (embeddedBroker)
        {
            builder.Services.AddEmbeddedBroker();
        }

        builder.Services.AddIngestion(intercept: embeddedBroker);
        IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        int port = embeddedBroker ? host.Services.GetRequiredService<EmbeddedBrokerService>().Port : (mosquitto ?? servers.Mosquitto).Port;
        var ingestion = new TestIngestion(host, database, deadLetters, port);

        // The worker creates the database in the background; with Mosquitto it must also have subscribed (made its
        // persistent session) before a test publishes. The embedded broker holds stations back until then by itself.
        await InfluxServer.WaitUntilAsync(async () => (await ingestion.Query.QueryAsync("SHOW DATABASES", CancellationToken.None)).SelectMany(s => s.Values).Any(v => v[0].GetString() == database),
            TimeSpan.FromSeconds(30), () => "the ingestion worker did not create its database", TestContext.Current.CancellationToken);
        IngestionState state = host.Services.GetRequiredService<IngestionState>();
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(state.IsSubscribed), TimeSpan.FromSeconds(30), () => "the ingestion worker never became ready", TestContext.Current.CancellationToken);
        return ingestion;
    }

    /// <summary>Runs a query against this test's database.</summary>
    public Task<IReadOnlyList<InfluxSeries>> QueryAsync(string influxQl) => Query.QueryAsync(influxQl, TestContext.Current.CancellationToken);

    /// <summary>Number of points of a measurement (counting <paramref name="field"/>), 0 when there are none.</summary>
    public async Task<long> CountAsync(string measurement, string field, string where = "")
    {
        IReadOnlyList<InfluxSeries> series = await QueryAsync($"SELECT count({InfluxQl.Identifier(field)}) FROM {InfluxQl.Identifier(measurement)} {where}");
        return series.Count == 0 ? 0 : series[0].Get(0, "count").GetInt64();
    }

    /// <summary>Waits until <paramref name="measurement"/> has <paramref name="expected"/> points, or fails saying how many it has.</summary>
    public async Task WaitForCountAsync(string measurement, string field, long expected, string where = "")
    {
        long last = -1;
        await InfluxServer.WaitUntilAsync(async () => (last = await CountAsync(measurement, field, where)) >= expected, TimeSpan.FromSeconds(60),
            () => $"{measurement} has {last} points, expected {expected}", TestContext.Current.CancellationToken);
    }

    /// <summary>All dead letters written so far, parsed.</summary>
    public IReadOnlyList<System.Text.Json.JsonElement> DeadLetters() =>
        Directory.EnumerateFiles(DeadLetterDir, "*.jsonl").SelectMany(File.ReadAllLines)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.Clone()).ToList();

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
        Directory.Delete(DeadLetterDir, recursive: true);
    }
}
