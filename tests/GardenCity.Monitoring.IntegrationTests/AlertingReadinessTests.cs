using System.Net;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// <c>/readyz</c> of an alerting worker (docs/alerting.md, "Readiness"), as a service manager or a script reads it, with
/// a real Mosquitto that is down, then up, then down again. Until 2026-12-04 an alerting-only worker had no readiness
/// check of its own and answered Healthy from its start, before it had restored its state and subscribed: bench/load.sh
/// stopped it then, so its persistent session never existed at the broker and the backlog case's alerting judged
/// nothing.
/// </summary>
public sealed class AlertingReadinessTests(ServersFixture servers)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Readyz_AlertingWorker_UnhealthyNamingWhyUntilSubscribed_AndAgainWhenTheBrokerGoes()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var mosquitto = new MosquittoServer(); // its port is chosen; the broker is not started yet
        using GardenCityRun run = GardenCityRun.Create(servers, "ready").WithMosquitto(mosquitto.Port);
        var settings = new Dictionary<string, string>(run.Settings) { ["GardenCity:Roles"] = "alerting" };
        string health = $"http://127.0.0.1:{run.HealthPort}/readyz";
        using GardenCityProcess worker = await GardenCityProcess.StartAsync(settings, ready: "Now listening on", healthUrl: false);

        (HttpStatusCode status, string body) = await WaitForAsync(health, r => r.Body.Contains("not connected to the broker", StringComparison.Ordinal), ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith("Unhealthy", body, StringComparison.Ordinal);
        Assert.Contains($"alerting: Unhealthy not subscribed as alerting-{run.Database}: not connected to the broker 127.0.0.1:{mosquitto.Port}", body, StringComparison.Ordinal);

        await mosquitto.StartAsync(ct);
        (status, body) = await WaitForAsync(health, r => r.Status == HttpStatusCode.OK, ct);
        Assert.StartsWith("Healthy", body, StringComparison.Ordinal);
        Assert.Contains($"alerting: Healthy subscribed as alerting-{run.Database}", body, StringComparison.Ordinal);
        Assert.Contains("Alerting connected to MQTT broker", worker.Output, StringComparison.Ordinal);

        await mosquitto.StopAsync();
        (status, body) = await WaitForAsync(health, r => r.Status != HttpStatusCode.OK, ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains($"alerting: Unhealthy not subscribed as alerting-{run.Database}", body, StringComparison.Ordinal);
    }

    private static async Task<(HttpStatusCode Status, string Body)> WaitForAsync(string url, Func<(HttpStatusCode Status, string Body), bool> done, CancellationToken ct)
    {
        (HttpStatusCode Status, string Body) last = default;
        await InfluxServer.WaitUntilAsync(async () =>
        {
            try
            {
                using HttpResponseMessage response = await Http.GetAsync(url, ct);
                last = (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            }
            catch (HttpRequestException ex)
            {
                last = (0, ex.Message);
            }

            return done(last);
        }, TimeSpan.FromSeconds(60), () => $"/readyz answered {(int)last.Status}: {last.Body}", ct);
        return last;
    }
}
