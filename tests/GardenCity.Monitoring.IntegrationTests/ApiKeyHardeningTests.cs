using System.Globalization;
using System.Net;
using System.Text.Json;
using GardenCity.Monitoring.Api.Auth;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// API keys as an operator runs them (docs/api.md, "Keys" and "Rate limits"), over a real <c>gardencity run</c> and
/// real influxd: an expired and a revoked key are refused and told why; each caller has its own request budget (429 with
/// Retry-After beyond it, another key unaffected); the use of each key and the refusals are in the audit trail.
/// </summary>
public sealed class ApiKeyHardeningTests(ServersFixture servers)
{
    private const string Reader = "gck_reader-hardening-01", Expired = "gck_expired-hardening-02", Revoked = "gck_revoked-hardening-03",
        Admin = "gck_admin-hardening-04", Busy = "gck_busy-hardening-05";

    [Fact]
    public async Task ExpiredRevokedAndBusyKeys_AreRefusedWithTheReason_AndEveryKeysUseIsAudited()
    {
        string dir = Directory.CreateTempSubdirectory("gc-keys-").FullName;
        int api = ServerProcess.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["GardenCity:Roles"] = "ingest,alerting,api",
            ["GardenCity:Broker:Port"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["GardenCity:Api:Url"] = $"http://127.0.0.1:{api}",
            ["GardenCity:Influx:Url"] = servers.Influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = "k" + Guid.NewGuid().ToString("N")[..12],
            ["GardenCity:DeadLetter:Directory"] = Path.Combine(dir, "dlq"),
            ["GardenCity:Spool:Directory"] = Path.Combine(dir, "spool"),
            ["GardenCity:Alerting:StateDirectory"] = Path.Combine(dir, "alerting"),
            // One request a minute after a burst of 5: the sixth request of one key within the minute is over its budget.
            ["GardenCity:Api:RequestsPerMinute"] = "1",
            ["GardenCity:Api:RequestBurst"] = "5",
        };
        (string Name, string Role, string Key, string? Extra, string? Value)[] keys =
        [
            ("reader-li", "Reader", Reader, null, null),
            ("expired-wang", "Reader", Expired, "ExpiresAt", "2025-01-01T00:00:00+08:00"),
            ("revoked-zhao", "Reader", Revoked, "Revoked", "true"),
            ("admin-chen", "Admin", Admin, null, null),
            ("busy-script", "Reader", Busy, null, null),
        ];
        for (int i = 0; i < keys.Length; i++)
        {
            settings[$"GardenCity:Api:Keys:{i}:Name"] = keys[i].Name;
            settings[$"GardenCity:Api:Keys:{i}:Role"] = keys[i].Role;
            settings[$"GardenCity:Api:Keys:{i}:KeyHash"] = ApiKeys.Hash(keys[i].Key);
            if (keys[i].Extra is { } extra)
            {
                settings[$"GardenCity:Api:Keys:{i}:{extra}"] = keys[i].Value!;
            }
        }

        using GardenCityProcess process = await GardenCityProcess.StartAsync(settings, ready: "Alerting connected to MQTT broker", healthUrl: false);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };

        (HttpStatusCode expired, string expiredBody) = await GetAsync(http, "/api/v1/stations", Expired);
        Assert.Equal(HttpStatusCode.Unauthorized, expired);
        Assert.Contains("'expired-wang' expired at 2025-01-01 00:00 (Beijing time)", expiredBody, StringComparison.Ordinal);

        (HttpStatusCode revoked, string revokedBody) = await GetAsync(http, "/api/v1/stations", Revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked);
        Assert.Contains("'revoked-zhao' was revoked", revokedBody, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "/api/v1/stations", Reader)).Status);

        // The busy key: five go through, the sixth is over the budget and told when to come back; the reader is not.
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "/api/v1/stations", Busy)).Status);
        }

        using (HttpResponseMessage over = await SendAsync(http, "/api/v1/stations", Busy))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
            Assert.True(over.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {over.Headers.RetryAfter}");
            Assert.Contains("GardenCity:Api:RequestsPerMinute", await over.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "/api/v1/stations", Reader)).Status);

        // Keys that are not valid share the budget of their address: after the expired and the revoked key, three
        // guesses are refused as not valid and the fourth is over the budget, so guessing is slowed to the rate.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(http, "/api/v1/stations", $"gck_guess-{i}")).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await GetAsync(http, "/api/v1/stations", "gck_guess-3")).Status);

        (HttpStatusCode auditStatus, string audit) = await GetAsync(http, "/api/v1/audit?kind=api.", Admin);
        Assert.Equal(HttpStatusCode.OK, auditStatus);
        var entries = JsonDocument.Parse(audit).RootElement.EnumerateArray()
            .Select(e => (Kind: e.GetProperty("kind").GetString(), Who: e.GetProperty("who").GetString())).ToList();
        Assert.Contains(("api.key.used", "reader-li"), entries);
        Assert.Contains(("api.key.used", "busy-script"), entries);
        Assert.Contains(("api.key.refused", "expired-wang"), entries);
        Assert.Contains(("api.key.refused", "revoked-zhao"), entries);

        // Once a day per key and kind, however often the key was used.
        Assert.Single(entries, e => e == ("api.key.used", "busy-script"));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key);
        return await http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string path, string key) =>
        ApiCalls.SendAsync(http, HttpMethod.Get, path, key, null, TestContext.Current.CancellationToken);
}
