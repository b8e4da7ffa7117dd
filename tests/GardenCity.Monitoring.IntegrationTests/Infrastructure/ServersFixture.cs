namespace GardenCity.Monitoring.IntegrationTests.Infrastructure;

/// <summary>One real influxd and one real mosquitto for the whole test assembly; each test uses its own database.</summary>
public sealed class ServersFixture : IAsyncLifetime
{
    public InfluxServer Influx { get; } = new();

    public MosquittoServer Mosquitto { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Influx.StartAsync(CancellationToken.None), Mosquitto.StartAsync(CancellationToken.None));
    }

    public async ValueTask DisposeAsync()
    {
        await Mosquitto.DisposeAsync();
        await Influx.DisposeAsync();
    }
}
