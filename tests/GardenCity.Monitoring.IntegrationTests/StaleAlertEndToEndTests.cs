using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using MQTTnet;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// "No data is not normal" over real sockets: a real Mosquitto, one <c>gardencity run --roles ingest,alerting,api</c>
/// process on the live clock and influxd. A rain gauge raises a warning and goes silent: the warning stays in force and
/// the API and the retained MQTT alert show it stale (lost contact); fresh data restores contact; a responder closes it
/// with a reason, which the history records.
/// </summary>
public sealed class StaleAlertEndToEndTests(ServersFixture servers)
{
    private const string Station = "bhs-wx-01";
    private const string ResponderKey = "gck_test-responder-zhang";

    /// <summary>A rainstorm-like rule that goes stale after 3 s of silence (the shipped horizon is 30 min).</summary>
    private const string Rule = """
        rules:
          - id: heavy-rain
            name: { zh: 暴雨预警, en: Rainstorm warning }
            audience: emergency
            category: Met
            watch: { kinds: [weather] }
            cooldown: 10m
            stale_after: 3s
            lost_contact: true
            levels:
              - severity: red
                when: { threshold: { field: rain_mm, at_least: 3 } }
            message: { zh: "{station_zh} {value} 毫米", en: "{station_en} {value} mm" }
        """;

    [Fact]
    public async Task SilentGaugeDuringAWarning_StaysActiveShownStaleLostContactThenRestoredAndClosedWithAReason()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(ct);
        using GardenCityRun run = GardenCityRun.Create(servers, "stale").WithMosquitto(mosquitto.Port).WithRules("rain.yaml", Rule).WithResponder("Zhang Min", ResponderKey)
            .With("GardenCity:Alerting:AbsenceClock", "WallClock").With("GardenCity:Alerting:TickInterval", "00:00:00.200");
        using HttpClient http = run.ApiClient();
        int seq = 0;
        async Task PublishAsync(double rain)
        {
            await using TestPublisher station = await TestPublisher.ConnectAsync(mosquitto.Port, "st-" + Guid.NewGuid().ToString("N")[..8]);
            await station.PublishAsync($"gc/v1/weather/{Station}/telemetry", $$$"""{"ts":"{{{DateTimeOffset.UtcNow.AddSeconds(-1):yyyy-MM-ddTHH:mm:ssZ}}}","seq":{{{++seq}}},"values":{"rain_mm":{{{rain.ToString(CultureInfo.InvariantCulture)}}}}}""");
        }

        async Task<JsonElement[]> ActiveAsync() => JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/alerts/active", UriKind.Relative), ct)).RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();

        using GardenCityProcess process = await run.StartAsync();

        // Raised live, then the gauge goes silent: after 3 s the warning is still in force, stale, "lost contact".
        await PublishAsync(12);
        await InfluxServer.WaitUntilAsync(async () => (await ActiveAsync()).Length == 1, TimeSpan.FromSeconds(20), () => process.Output, ct);
        string id = (await ActiveAsync()).Single().GetProperty("alert_id").GetString()!;
        Assert.False((await ActiveAsync()).Single().GetProperty("stale").GetBoolean());
        await InfluxServer.WaitUntilAsync(async () => (await ActiveAsync()).Single().GetProperty("stale").GetBoolean(), TimeSpan.FromSeconds(20), () => process.Output, ct);
        JsonElement stale = (await ActiveAsync()).Single();
        Assert.Equal((id, "active", "red", "lost_contact"), (stale.GetProperty("alert_id").GetString(), stale.GetProperty("status").GetString(), stale.GetProperty("severity").GetString(), stale.GetProperty("transition").GetString()));
        Assert.StartsWith("失联：", stale.GetProperty("message_zh").GetString(), StringComparison.Ordinal);
        Assert.True(stale.TryGetProperty("stale_since", out _));

        // The retained alert topic says so too (a new subscriber sees the warning in force, stale).
        await InfluxServer.WaitUntilAsync(async () => (await ApiCalls.RetainedAsync(mosquitto.Port, "gc/v1/alerts/emergency/heavy-rain/" + Station, ct)).GetProperty("stale").GetBoolean(), TimeSpan.FromSeconds(20), () => process.Output, ct);

        // Still one lost contact after more silence.
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        Assert.Equal(stale.GetProperty("notification_id").GetString(), (await ActiveAsync()).Single().GetProperty("notification_id").GetString());

        // Fresh data: contact restored; still raining, so the warning stays.
        await PublishAsync(12);
        await InfluxServer.WaitUntilAsync(async () => !(await ActiveAsync()).Single().GetProperty("stale").GetBoolean(), TimeSpan.FromSeconds(20), () => process.Output, ct);
        Assert.Equal("contact_restored", (await ActiveAsync()).Single().GetProperty("transition").GetString());

        // Closed by hand: a reason is required, the responder's name and reason are recorded.
        using HttpResponseMessage anonymous = await http.PostAsync(new Uri($"/api/v1/alerts/{id}/close", UriKind.Relative), Json("""{"reason":"x"}"""), ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using HttpResponseMessage noReason = await SendAsync(http, $"/api/v1/alerts/{id}/close", """{"reason":"  "}""", ct);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        using HttpResponseMessage unknown = await SendAsync(http, "/api/v1/alerts/no-such/close", """{"reason":"test"}""", ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using HttpResponseMessage closed = await SendAsync(http, $"/api/v1/alerts/{id}/close", """{"reason":"gauge funnel blocked by debris, checked on site"}""", ct);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        JsonElement body = JsonDocument.Parse(await closed.Content.ReadAsStringAsync(ct)).RootElement;
        Assert.Equal(("closed", "closed", "Zhang Min", "gauge funnel blocked by debris, checked on site"), (body.GetProperty("transition").GetString(), body.GetProperty("status").GetString(), body.GetProperty("closed_by").GetString(), body.GetProperty("close_reason").GetString()));
        Assert.Empty(await ActiveAsync());

        // The history has the whole story.
        string from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture));
        await InfluxServer.WaitUntilAsync(async () => (await http.GetStringAsync(new Uri($"/api/v1/alerts/history?from={from}&transition=closed", UriKind.Relative), ct)).Contains("gauge funnel blocked", StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => process.Output, ct);
        string history = await http.GetStringAsync(new Uri($"/api/v1/alerts/history?from={from}&rule=heavy-rain", UriKind.Relative), ct);
        foreach (string transition in new[] { "raised", "lostcontact", "contactrestored", "closed" })
        {
            Assert.Contains($"\"{transition}\"", history, StringComparison.Ordinal);
        }

        await process.TerminateAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string json, CancellationToken ct) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = Json(json), Headers = { Authorization = new AuthenticationHeaderValue("Bearer", ResponderKey) } }, ct);
}
