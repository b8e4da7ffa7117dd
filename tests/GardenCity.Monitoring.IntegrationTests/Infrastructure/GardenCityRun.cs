using System.Globalization;

namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>
/// The set-up the end-to-end tests of one all-in-one <c>gardencity run --roles ingest,alerting,api</c> process share: a
/// temporary folder (dead letters, spool, alerting state, rules), free loopback ports for the API and the health
/// listener, a database of its own on the shared influxd, and the settings over them. A test says what is its own
/// (<see cref="WithEmbeddedBroker"/> or <see cref="WithMosquitto"/>, rules, keys, any other setting) and starts the
/// process with <see cref="StartAsync"/> (again after a SIGKILL, with the same settings). Disposing deletes the folder.
/// </summary>
internal sealed class GardenCityRun : IDisposable
{
    /// <summary>The log line that says the process is up: the alerting worker has its MQTT session.</summary>
    public const string Ready = "Alerting connected to MQTT broker";

    private GardenCityRun(ServersFixture servers, string prefix)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("gc-" + prefix + "-").FullName;
        Database = prefix[0] + Guid.NewGuid().ToString("N")[..12];
        ApiPort = ServerProcess.FreePort();
        HealthPort = ServerProcess.FreePort();
        Settings = new Dictionary<string, string>
        {
            ["GardenCity:Roles"] = "ingest,alerting,api",
            ["GardenCity:Api:Url"] = $"http://127.0.0.1:{ApiPort}",
            ["GardenCity:Api:AnonymousRole"] = "Reader",
            ["GardenCity:Health:Url"] = $"http://127.0.0.1:{HealthPort}",
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = Database,
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(Directory, "dlq"),
            ["GardenCity:Spool:Directory"] = Path.Combine(Directory, "spool"),
            ["GardenCity:Alerting:StateDirectory"] = Path.Combine(Directory, "alerting"),
            ["GardenCity:Alerting:AbsenceClock"] = "Watermark",
        };
    }

    /// <summary>The temporary folder of this run.</summary>
    public string Directory { get; }

    /// <summary>Its InfluxDB database (the first letter of the prefix and a random part).</summary>
    public string Database { get; }

    public int ApiPort { get; }

    public int HealthPort { get; }

    /// <summary>The rules folder, when <see cref="WithRules"/> (a test may edit its files while the process runs).</summary>
    public string RulesDirectory => Path.Combine(Directory, "rules");

    /// <summary>The port of the embedded broker, when <see cref="WithEmbeddedBroker"/>.</summary>
    public int BrokerPort { get; private set; }

    /// <summary>The <c>--set</c> settings of the process; a test may add or change any.</summary>
    public Dictionary<string, string> Settings { get; }

    /// <summary>A run of its own: folder <c>gc-{prefix}-…</c>, database named after the prefix's first letter.</summary>
    public static GardenCityRun Create(ServersFixture servers, string prefix) => new(servers, prefix);

    /// <summary>The embedded broker on a free port (stations connect to <see cref="BrokerPort"/>).</summary>
    public GardenCityRun WithEmbeddedBroker()
    {
        BrokerPort = ServerProcess.FreePort();
        Settings["GardenCity:Broker:Port"] = BrokerPort.ToString(CultureInfo.InvariantCulture);
        return this;
    }

    /// <summary>An external Mosquitto: the ingestion and alerting workers subscribe to it with client ids of their own.</summary>
    public GardenCityRun WithMosquitto(int port)
    {
        Settings["GardenCity:Mqtt:Host"] = "127.0.0.1";
        Settings["GardenCity:Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture);
        Settings["GardenCity:Mqtt:ClientId"] = "ingest-" + Database;
        Settings["GardenCity:Alerting:ClientId"] = "alerting-" + Database;
        return this;
    }

    /// <summary>A rules folder of its own holding one file (instead of the shipped rules).</summary>
    public GardenCityRun WithRules(string fileName, string yaml)
    {
        System.IO.Directory.CreateDirectory(RulesDirectory);
        File.WriteAllText(Path.Combine(RulesDirectory, fileName), yaml);
        Settings["GardenCity:Alerting:RulesDirectory"] = RulesDirectory;
        return this;
    }

    /// <summary>The first API key: a responder <paramref name="name"/> whose key is <paramref name="key"/>.</summary>
    public GardenCityRun WithResponder(string name, string key)
    {
        Settings["GardenCity:Api:Keys:0:Name"] = name;
        Settings["GardenCity:Api:Keys:0:Role"] = "Responder";
        Settings["GardenCity:Api:Keys:0:KeyHash"] = Api.Auth.ApiKeys.Hash(key);
        return this;
    }

    /// <summary>Sets (or replaces) one setting.</summary>
    public GardenCityRun With(string key, string value)
    {
        Settings[key] = value;
        return this;
    }

    /// <summary>A client of the query API.</summary>
    public HttpClient ApiClient() => new() { BaseAddress = new Uri($"http://127.0.0.1:{ApiPort}") };

    /// <summary>Starts the process and waits until it is <see cref="Ready"/>.</summary>
    public Task<GardenCityProcess> StartAsync() => GardenCityProcess.StartAsync(Settings, ready: Ready, healthUrl: false);

    public void Dispose() => ServerProcess.DeleteDirectory(Directory);
}
