using System.Net;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 18: the credentials path of the writer and the query client against a real influxd 1.6.7 started with
/// <c>auth-enabled = true</c>. The ingestion role, configured with <c>GardenCity:Influx:Username</c> and
/// <c>Password</c>, creates its database, stores a reading published over MQTT and reads it back; the same server
/// refuses a request without credentials (so authentication is really on). influxd 1.6.7 does not understand the
/// <c>Authorization: Token</c> scheme that InfluxDB 2.x and 3 Core take on these endpoints (it answers 401 "unable to
/// parse authentication credentials"): the token header itself is covered by the unit tests (Storage.Tests,
/// InfluxAuthTests) and documented, not run against a 2.x or 3.x server, none of which runs here.
/// </summary>
public sealed class InfluxAuthTests(ServersFixture servers)
{
    private const string Station = "bhs-wx-01";
    private const string User = "gardencity";
    private const string Password = "gc-test-influx-password";

    [Fact]
    public async Task Ingestion_InfluxWithAuthentication_StoresThroughUsernameAndPassword_AndTheTokenSchemeIsRefusedBy16()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var influx = new InfluxServer { AuthEnabled = true };
        await influx.StartAsync(ct);
        await influx.CreateAdminAsync(User, Password, ct);
        using var anonymous = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using (HttpResponseMessage refused = await anonymous.GetAsync(influx.Url + "/query?q=SHOW%20DATABASES", ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, embeddedBroker: true, influx: influx, settings: new Dictionary<string, string?>
        {
            ["GardenCity:Influx:Username"] = User,
            ["GardenCity:Influx:Password"] = Password,
        });
        await using (TestPublisher station = await TestPublisher.ConnectAsync(ingestion.BrokerPort, Station, Station, "gc-dev-" + Station))
        {
            await station.PublishAsync($"gc/v1/weather/{Station}/telemetry", """{"ts":"2024-08-01T00:00:00Z","seq":1,"values":{"air_temp_c":21.5}}""");
        }

        await ingestion.WaitForCountAsync("weather", "air_temp_c", 1);
        IReadOnlyList<InfluxSeries> stored = await ingestion.QueryAsync("SELECT air_temp_c FROM weather");
        Assert.Equal(21.5, stored[0].Number(0, "air_temp_c"));
        Assert.Empty(ingestion.DeadLetters());

        // The token scheme against 1.6.7: refused as unparsable, not as a wrong secret (1.x knows only Basic, u/p and JWT Bearer).
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GardenCity:Influx:Url"] = influx.Url,
            ["GardenCity:Retention:RawDuration"] = "36500.00:00:00", // scenarios from past years: a 90-day raw policy would refuse their points (docs/retention.md)
            ["GardenCity:Influx:Database"] = ingestion.Database,
            ["GardenCity:Influx:Token"] = Password,
            ["GardenCity:Influx:CreateDatabase"] = "false",
        }).Build();
        await using ServiceProvider provider = new ServiceCollection().AddSingleton<IConfiguration>(config).AddLogging().AddStorage().BuildServiceProvider();
        IReadingWriter tokenWriter = provider.GetRequiredService<IReadingWriter>();
        InfluxWriteException ex = await Assert.ThrowsAsync<InfluxWriteException>(() => tokenWriter.WriteLinesAsync("weather,station=x air_temp_c=1 1\n"u8.ToArray(), ct));
        Assert.Equal(401, ex.StatusCode);
        Assert.Contains("unable to parse authentication credentials", ex.Message, StringComparison.Ordinal);
    }
}
