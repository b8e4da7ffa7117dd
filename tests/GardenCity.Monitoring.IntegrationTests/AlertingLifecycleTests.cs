using GardenCity.Monitoring.Core.Alerts;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// One all-in-one <c>gardencity run --roles ingest,alerting,api</c> process (embedded broker) with a rules folder of its
/// own: rule files edited while it runs, a broken edit refused, acknowledgement through the query API, and SIGKILL then
/// restart.
/// </summary>
public sealed class AlertingLifecycleTests(ServersFixture servers)
{
    private const string Station = "bhs-wx-01";
    private static readonly DateTimeOffset T0 = new(2024, 8, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A one-rule set: heavy rain, red at <paramref name="threshold"/> mm in a weather reading.</summary>
    internal static string Rule(double threshold) => $$"""
        rules:
          - id: heavy-rain
            name: { zh: 强降雨, en: Heavy rain }
            audience: emergency
            category: Met
            watch: { kinds: [weather] }
            cooldown: 10m
            levels:
              - severity: red
                when: { threshold: { field: rain_mm, at_least: {{threshold.ToString(CultureInfo.InvariantCulture)}} } }
            message: { zh: "{station_zh} {value}", en: "{station_en} {value} mm" }
        """;

    [Fact]
    public async Task RunningProcess_ReloadsRulesRefusesABrokenEditAcknowledgesAndSurvivesSigkill()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        const string LiWeiKey = "gck_test-responder-li-wei";

        // A webhook that accepts connections and never answers: its worker is mid-request when the process is told
        // to stop, so the stop takes seconds. Regression: System.CommandLine used to end the process 2 s after
        // SIGTERM with exit code 143 before the workers had drained.
        using var blackHole = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        blackHole.Start(100);
        using GardenCityRun run = GardenCityRun.Create(servers, "life").WithEmbeddedBroker().WithRules("rain.yaml", Rule(10)).WithResponder("Li Wei", LiWeiKey)
            .With("GardenCity:Alerting:Webhooks:0:Name", "black-hole")
            .With("GardenCity:Alerting:Webhooks:0:Audience", "Emergency")
            .With("GardenCity:Alerting:Webhooks:0:Url", $"http://127.0.0.1:{((System.Net.IPEndPoint)blackHole.LocalEndpoint).Port}/hook");
        string rules = run.RulesDirectory;
        int broker = run.BrokerPort, health = run.HealthPort;
        using HttpClient http = run.ApiClient();
        int seq = 0;
        async Task PublishAsync(double rain, int minute)
        {
            await using TestPublisher station = await TestPublisher.ConnectAsync(broker, Station, Station, "gc-dev-" + Station);
            await station.PublishAsync($"gc/v1/weather/{Station}/telemetry", $$$"""{"ts":"{{{T0.AddMinutes(minute):yyyy-MM-ddTHH:mm:ssZ}}}","seq":{{{++seq}}},"values":{"rain_mm":{{{rain.ToString(CultureInfo.InvariantCulture)}}}}}""");
        }

        async Task<JsonElement[]> ActiveAsync() => JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/alerts/active", UriKind.Relative), ct)).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();

        string firstId;
        using (GardenCityProcess first = await run.StartAsync())
        {
            await PublishAsync(5, 0);
            await Task.Delay(1000, ct);

            // Issue 11 finding 10: the health listener used to answer /alerts without any key (and take acks with a
            // bearer token of its own). One alert surface now, the API's, under its key policy.
            using var healthHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{health}") };
            foreach (string path in new[] { "/alerts", "/alerts/cap.atom" })
            {
                using HttpResponseMessage gone = await healthHttp.GetAsync(new Uri(path, UriKind.Relative), ct);
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            }

            using HttpResponseMessage ready = await healthHttp.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Empty(await ActiveAsync()); // 5 mm < 10 mm

            // Edit: 3 mm is enough now; the next reading raises.
            await File.WriteAllTextAsync(Path.Combine(rules, "rain.yaml"), Rule(3), ct);
            await InfluxServer.WaitUntilAsync(async () => { await PublishAsync(5, 5 * (seq + 1)); return (await ActiveAsync()).Length == 1; }, TimeSpan.FromSeconds(20), () => first.Output, ct);
            JsonElement raised = (await ActiveAsync()).Single();
            firstId = raised.GetProperty("alert_id").GetString()!;
            Assert.Equal("red", raised.GetProperty("severity").GetString());

            // A broken edit is refused, naming file, line and field; the running rule stays in force.
            await File.WriteAllTextAsync(Path.Combine(rules, "rain.yaml"), Rule(3).Replace("rain_mm", "rainfall", StringComparison.Ordinal), ct);
            await PublishAsync(5, 5 * (seq + 1));
            await InfluxServer.WaitUntilAsync(() => Task.FromResult(first.Output.Contains("Rule files refused", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), () => first.Output, ct);
            Assert.Contains("rain.yaml:10:", first.Output, StringComparison.Ordinal);
            Assert.Contains("rules[0](heavy-rain).levels[0].when.threshold.field", first.Output, StringComparison.Ordinal);
            Assert.Equal(firstId, (await ActiveAsync()).Single().GetProperty("alert_id").GetString());

            // Acknowledge through the query API (the one alert HTTP surface): refused without a responder key,
            // recorded with the key holder's name with it.
            using HttpResponseMessage anonymous = await http.PostAsync(new Uri($"/api/v1/alerts/{firstId}/ack", UriKind.Relative), null, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/alerts/{firstId}/ack", UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LiWeiKey);
            using HttpResponseMessage ack = await http.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
            Assert.Equal("Li Wei", (await ActiveAsync()).Single().GetProperty("acknowledged_by").GetString());
            using HttpResponseMessage unknown = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/alerts/no-such/ack", UriKind.Relative)) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", LiWeiKey) } }, ct);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

            first.Kill(); // SIGKILL: no shutdown code runs
        }

        await File.WriteAllTextAsync(Path.Combine(rules, "rain.yaml"), Rule(3), ct);
        using GardenCityProcess second = await run.StartAsync();
        JsonElement kept = (await ActiveAsync()).Single();
        Assert.Equal((firstId, "Li Wei"), (kept.GetProperty("alert_id").GetString(), kept.GetProperty("acknowledged_by").GetString()));

        // The same danger continues: no second incident. Then it stops raining and the incident resolves.
        await PublishAsync(6, 5 * (seq + 1));
        await Task.Delay(500, ct);
        Assert.Equal(firstId, (await ActiveAsync()).Single().GetProperty("alert_id").GetString());
        await PublishAsync(0, 5 * (seq + 1) + 30);
        await InfluxServer.WaitUntilAsync(async () => (await ActiveAsync()).Length == 0, TimeSpan.FromSeconds(20), () => second.Output, ct);
        Assert.Equal(1, CountOccurrences(second.Output, "Alert Resolved " + firstId));
        Assert.DoesNotContain("Alert Raised", second.Output, StringComparison.Ordinal);

        string atom = await http.GetStringAsync(new Uri("/api/v1/alerts/cap.atom?lang=en", UriKind.Relative), ct); // titles in English
        Assert.Equal(3, atom.Split("<entry>").Length - 1); // Alert, Update (acknowledged), Cancel — the feed survived the kill
        Assert.Contains("<title>Resolved: ", atom, StringComparison.Ordinal);
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await second.TerminateAsync(); // asserts exit code 0
        Assert.True(stopping.Elapsed > TimeSpan.FromSeconds(2), $"the stop took {stopping.Elapsed}: the black-hole webhook should have held it past 2 s");
    }

    private static int CountOccurrences(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;
}
