using GardenCity.Monitoring.Core.Alerts;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using GardenCity.Monitoring.Alerting;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using MQTTnet;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Scenarios through the whole system: the real simulator process → a fresh Mosquitto → one <c>gardencity run --roles
/// ingest,alerting,api</c> process → influxd, webhooks on loopback and retained MQTT alert topics. The alerts received
/// must be exactly the incidents <see cref="AlertOracle"/> works out from the scenario's samples, each notification once.
/// </summary>
public sealed class AlertingEndToEndTests(ServersFixture servers)
{
    [Fact]
    public async Task Rainstorm237_RaisesExactlyTheExpectedFloodRainstormAndOfflineAlerts()
    {
        Run run = await RunAsync("rainstorm-23-7");

        Assert.Contains(run.Expected, i => i.Rule == "rainstorm-cma" && i.Peak == Severity.Red);
        Assert.Contains(run.Expected, i => i.Rule == "flood-level" && i.Peak == Severity.Red);
        Assert.Contains(run.Expected, i => i.Rule == "flood-level" && i.Resolved);
        Assert.Contains(run.Expected, i => i.Rule == "debris-flow-rain" && i.Station == "heihe-gully-df" && i.Peak == Severity.Red);
        // The stations lost at the height of the storm (Qingshui and Yanchi valleys) go silent and stay offline.
        string[] lost = run.Received.Where(i => i.Rule == "station-offline").Select(i => TestIngestion.Stations.TryGet(i.Station, out var s) ? s.Site.Id : "?").Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["qingshui-river", "yanchi-jiuhe-wetland"], lost);
        Assert.All(run.Received.Where(i => i.Rule == "station-offline"), i => Assert.False(i.Resolved));
    }

    /// <summary>
    /// Issue 15: <c>gardencity rules backtest</c>, through the real entry point, over the storm the live run stored gives
    /// the same geohazard incidents as the live run raised (rule, unit, raise time, peak, resolution, number of changes).
    /// </summary>
    [Fact]
    public async Task Rainstorm237_BacktestOfTheStoredStorm_GivesTheLiveGeohazardAlerts()
    {
        Run run = await RunAsync("rainstorm-23-7");
        string[] geohazardRules = ["debris-flow-rain", "landslide-rain"];
        List<Incident> live = [.. run.Received.Where(i => geohazardRules.Contains(i.Rule))];
        Assert.Contains(live, i => i.Rule == "debris-flow-rain" && i.Station == "heihe-gully-df" && i.Peak == Severity.Red);

        DeviceSimulator.Scenarios.Scenario scenario = DeviceSimulator.Scenarios.Scenario.Create("rainstorm-23-7")!;
        DateTimeOffset from = scenario.DefaultStart!.Value - TimeSpan.FromMinutes(1), to = scenario.DefaultStart.Value + scenario.DefaultDuration + TimeSpan.FromHours(1);
        var (code, stdout, stderr) = await Repo.RunAsync("dotnet",
            [Repo.GardenCityDll, "rules", "backtest", "--from", from.ToString("O", CultureInfo.InvariantCulture), "--to", to.ToString("O", CultureInfo.InvariantCulture),
                "--influx-url", servers.Influx.Url, "--database", run.Database, "--format", "json"],
            workingDirectory: Repo.Root, timeout: TimeSpan.FromMinutes(5));
        Assert.True(code == 0, stdout + stderr);

        // The backtest's changes as incidents: one per raise of a (rule, unit), like the webhooks' alert ids.
        var backtest = new List<Incident>();
        foreach (var pair in JsonDocument.Parse(stdout).RootElement.GetProperty("changes").EnumerateArray()
            .Where(c => geohazardRules.Contains(c.GetProperty("rule").GetString()))
            .GroupBy(c => (Rule: c.GetProperty("rule").GetString()!, Station: c.GetProperty("station").GetString()!)))
        {
            List<JsonElement> changes = [];
            foreach (JsonElement c in pair.Append(default))
            {
                if (changes.Count > 0 && (c.ValueKind == JsonValueKind.Undefined || c.GetProperty("change").GetString() == "raised"))
                {
                    backtest.Add(new Incident(pair.Key.Rule, pair.Key.Station, changes[0].GetProperty("time").GetDateTimeOffset().ToUniversalTime(),
                        changes.Select(x => Enum.Parse<Severity>(x.GetProperty("severity").GetString()!, ignoreCase: true)).Max(),
                        changes.Any(x => x.GetProperty("change").GetString() == "resolved"), changes.Count(x => x.GetProperty("change").GetString() is not ("acknowledged" or "late"))));
                    changes = [];
                }

                if (c.ValueKind != JsonValueKind.Undefined && c.GetProperty("change").GetString() != "late")
                {
                    changes.Add(c);
                }
            }
        }

        Assert.Equal(live.Select(i => Show(i with { RaisedAt = i.RaisedAt.ToUniversalTime() })), backtest.OrderBy(i => i.Rule, StringComparer.Ordinal).ThenBy(i => i.Station, StringComparer.Ordinal).ThenBy(i => i.RaisedAt).Select(Show));
    }

    [Fact]
    public async Task ForestFire_RaisesSmokeThenFlameAtTheOriginAndResolvesIt()
    {
        Run run = await RunAsync("forest-fire");

        Incident fire = Assert.Single(run.Received, i => i.Rule == "fire-detection");
        Assert.Equal(("mfs-fire-02", Severity.Red, true), (fire.Station, fire.Peak, fire.Resolved));
        Assert.Contains(run.Received, i => i.Rule == "fire-co" && i.Station == "mfs-fire-02");
    }

    private sealed record Run(List<Incident> Expected, List<Incident> Received, string Database);

    private async Task<Run> RunAsync(string scenario)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        (_, List<Incident> expected) = AlertOracle.Expect(scenario, 5, TestIngestion.Stations);
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(ct);
        using var hooks = new WebhookReceiver();
        using GardenCityRun run = GardenCityRun.Create(servers, "alert").WithMosquitto(mosquitto.Port).With("GardenCity:Alerting:TickInterval", "00:00:00.200");
        string[] audiences = ["Emergency", "Ecology", "Maintenance"];
        for (int i = 0; i < audiences.Length; i++)
        {
            run.With($"GardenCity:Alerting:Webhooks:{i}:Name", audiences[i].ToLowerInvariant())
                .With($"GardenCity:Alerting:Webhooks:{i}:Audience", audiences[i])
                .With($"GardenCity:Alerting:Webhooks:{i}:Url", hooks.Url + audiences[i].ToLowerInvariant());
        }

        using GardenCityProcess process = await run.StartAsync();
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(process.Output.Contains("Connected to MQTT broker", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), () => process.Output, ct);

        // One message in flight (--concurrency 1): the fleet publishes in time order, as the oracle assumes. With
        // several in flight, a station whose PUBACK is slow falls behind the others by more than its reporting
        // interval, and judged against the watermark it is briefly "offline" (seen once in a loaded full run).
        var (code, stdout, stderr) = await Repo.RunAsync("dotnet",
            [Repo.SimulatorDll, "--scenario", scenario, "--speed", "0", "--seed", "5", "--concurrency", "1", "--port", mosquitto.Port.ToString(CultureInfo.InvariantCulture)],
            timeout: TimeSpan.FromMinutes(5));
        Assert.True(code == 0, stdout + stderr);

        int expectedNotifications = expected.Sum(i => i.Changes);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(hooks.Count >= expectedNotifications), TimeSpan.FromSeconds(120),
            () => $"{hooks.Count} of {expectedNotifications} notifications\n" + process.Output[^Math.Min(4000, process.Output.Length)..], ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct); // anything beyond the expected would arrive now

        List<Incident> received = hooks.Incidents();
        Assert.Equal(expected.Select(Show), received.Select(Show));
        foreach ((Incident e, Incident r) in expected.Zip(received).Where(p => IsAbsence(p.First.Rule)))
        {
            // Judged each minute of watermark: at or after the earliest time, within the stations' publishing skew.
            Assert.InRange(r.RaisedAt, e.RaisedAt, e.RaisedAt + TimeSpan.FromMinutes(15));
        }
        Assert.All(hooks.Deliveries.GroupBy(d => d.Key), g => Assert.Single(g)); // each notification once
        Assert.All(hooks.Deliveries, d => Assert.Equal(d.Value.GetProperty("audience").GetString(), d.Path));

        // MQTT: exactly the alerts still in force are retained.
        var retained = await RetainedAlertsAsync(mosquitto.Port, ct);
        Assert.Equal(
            received.Where(i => !i.Resolved).Select(i => $"gc/v1/alerts/{Audience(i.Rule)}/{i.Rule}/{i.Station}").Order(StringComparer.Ordinal),
            retained.Order(StringComparer.Ordinal));

        // CAP: one message per emergency change, in the feed.
        using var http = new HttpClient();
        string atom = await http.GetStringAsync(new Uri($"http://127.0.0.1:{run.ApiPort}/api/v1/alerts/cap.atom"), ct);
        int emergencyChanges = hooks.Deliveries.Count(d => d.Path == "emergency" && d.Value.GetProperty("transition").GetString() != "late");
        Assert.Equal(Math.Min(emergencyChanges, 500), atom.Split("<entry>").Length - 1);

        // History: one point per change in InfluxDB.
        var query = new Storage.Influx.InfluxQlClient(http, Microsoft.Extensions.Options.Options.Create(new Storage.Influx.InfluxOptions { Url = servers.Influx.Url, Database = run.Database }));
        await InfluxServer.WaitUntilAsync(async () => await CountAsync(query, ct) == hooks.Count, TimeSpan.FromSeconds(30), () => "alert history incomplete", ct);
        await process.TerminateAsync();
        return new Run(expected, received, run.Database);
    }

    private static async Task<long> CountAsync(Storage.Influx.InfluxQlClient query, CancellationToken ct)
    {
        var series = await query.QueryAsync("SELECT count(\"revision\") FROM \"alert_event\"", Storage.Influx.InfluxTarget.Forever, ct);
        return series.Count == 0 ? 0 : series[0].Get(0, "count").GetInt64();
    }

    private static string Audience(string rule) => rule switch
    {
        _ when rule.StartsWith("species", StringComparison.Ordinal) || rule.StartsWith("people", StringComparison.Ordinal) => "ecology",
        "station-offline" or "camera-offline" or "battery-low" or "sequence-gap" => "maintenance",
        _ => "emergency",
    };

    private static bool IsAbsence(string rule) => rule is "station-offline" or "camera-offline";

    private static string Show(Incident i) => $"{i.Rule} {i.Station} {(IsAbsence(i.Rule) ? "(tick)" : i.RaisedAt.ToString("O", CultureInfo.InvariantCulture))} {i.Peak} resolved={i.Resolved} changes={i.Changes}";

    private static async Task<List<string>> RetainedAlertsAsync(int port, CancellationToken ct)
    {
        var topics = new ConcurrentDictionary<string, bool>();
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Retain && e.ApplicationMessage.Payload.Length > 0)
            {
                topics[e.ApplicationMessage.Topic] = true;
            }

            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("retained-" + Guid.NewGuid().ToString("N")[..8]).Build(), ct);
        await client.SubscribeAsync("gc/v1/alerts/#", cancellationToken: ct);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        await client.DisconnectAsync(cancellationToken: ct);
        return topics.Keys.ToList();
    }

    /// <summary>Webhook receivers on loopback: records every POST with its Idempotency-Key.</summary>
    private sealed class WebhookReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Key, string Path, JsonElement Value)> _deliveries = new();
        private readonly Task _loop;

        public WebhookReceiver()
        {
            int port = ServerProcess.FreePort();
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public int Count => _deliveries.Count;

        public IReadOnlyList<(string Key, string Path, JsonElement Value)> Deliveries => _deliveries.ToList();

        /// <summary>Incidents as received: grouped by alert id.</summary>
        public List<Incident> Incidents() => Deliveries.Where(d => d.Value.GetProperty("transition").GetString() != "late")
            .GroupBy(d => d.Value.GetProperty("alert_id").GetString()!)
            .Select(g =>
            {
                var n = g.Select(d => d.Value).OrderBy(v => v.GetProperty("notification_id").GetString()!.Split('#')[1], Comparer<string>.Create((a, b) => int.Parse(a, CultureInfo.InvariantCulture).CompareTo(int.Parse(b, CultureInfo.InvariantCulture)))).ToList();
                return new Incident(
                    n[0].GetProperty("rule_id").GetString()!,
                    n[0].GetProperty("station_id").GetString()!,
                    n[0].GetProperty("raised_at").GetDateTimeOffset(),
                    Enum.Parse<Severity>(n[^1].GetProperty("peak_severity").GetString()!, ignoreCase: true),
                    n.Any(v => v.GetProperty("transition").GetString() == "resolved"),
                    n.Count(v => v.GetProperty("transition").GetString() != "acknowledged"));
            })
            .OrderBy(i => i.Rule, StringComparer.Ordinal).ThenBy(i => i.Station, StringComparer.Ordinal).ThenBy(i => i.RaisedAt).ToList();

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // Listener closed.
            }
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    string body = await reader.ReadToEndAsync();
                    _deliveries.Enqueue((context.Request.Headers["Idempotency-Key"] ?? string.Empty, context.Request.Url!.AbsolutePath.Trim('/'), JsonDocument.Parse(body).RootElement.Clone()));
                }

                context.Response.StatusCode = 204;
                context.Response.Close();
            }
        }
    }
}
