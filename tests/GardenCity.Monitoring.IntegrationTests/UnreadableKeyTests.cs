using GardenCity.Monitoring.Ingestion;
using GardenCity.Monitoring.IntegrationTests.Infrastructure;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.DependencyInjection;

namespace GardenCity.Monitoring.IntegrationTests;

/// <summary>
/// Issue 17: a key with an unpaired UTF-16 surrogate escape (<c>"\ud800"</c>) made the decoder throw out of Decode;
/// the batch failed with it and the worker's batch loop stopped, and the broker would have redelivered the message to
/// the next worker. Now it is a dead letter like any bad sample. Real Mosquitto, InfluxDB and the real worker.
/// </summary>
public sealed class UnreadableKeyTests(ServersFixture servers)
{
    [Fact]
    public async Task KeyWithAnUnpairedSurrogateEscape_IsDeadLetteredAndTheNextReadingsAreStored()
    {
        await using var mosquitto = new MosquittoServer();
        await mosquitto.StartAsync(TestContext.Current.CancellationToken);
        await using TestIngestion ingestion = await TestIngestion.StartAsync(servers, mosquitto: mosquitto);
        await using TestPublisher publisher = await TestPublisher.ConnectAsync(mosquitto.Port);

        await publisher.PublishAsync("gc/v1/weather/zt-wx-01/telemetry", """{"ts":"2023-07-31T02:00:00Z","seq":1,"\udc00":1,"values":{"air_temp_c":21.5}}""");
        await publisher.PublishAsync("gc/v1/weather/zt-wx-01/telemetry", """{"samples":[{"ts":"2023-07-31T02:01:00Z","seq":2,"values":{"air_temp_c":21.6}},{"ts":"2023-07-31T02:02:00Z","seq":3,"values":{"\ud800":0}}]}""");
        await publisher.PublishAsync("gc/v1/weather/mtg-wx-01/telemetry", """{"ts":"2023-07-31T02:00:00Z","seq":1,"values":{"air_temp_c":22.5}}""");

        await ingestion.WaitForCountAsync(PointMapper.Weather, "air_temp_c", 2);
        await InfluxServer.WaitUntilAsync(() => Task.FromResult(ingestion.DeadLetters().Count >= 2), TimeSpan.FromSeconds(60),
            () => $"{ingestion.DeadLetters().Count} dead letters", TestContext.Current.CancellationToken);
        var letters = ingestion.DeadLetters();
        Assert.Equal(2, letters.Count);
        Assert.All(letters, l =>
        {
            Assert.Equal("invalid-structure", l.GetProperty("reason_code").GetString());
            Assert.Contains("unpaired UTF-16 surrogate escape", l.GetProperty("reason").GetString(), StringComparison.Ordinal);
        });
        Assert.True(ingestion.Host.Services.GetRequiredService<IngestionState>().IsSubscribed, "the worker is still running and subscribed");
        Assert.Equal(2, await ingestion.CountAsync(PointMapper.Weather, "air_temp_c"));
    }
}
