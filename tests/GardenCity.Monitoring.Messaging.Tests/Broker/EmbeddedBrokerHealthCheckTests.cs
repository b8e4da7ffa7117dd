using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet;

namespace GardenCity.Monitoring.Messaging.Tests.Broker;

/// <summary>Issue 14: <c>/readyz</c> said Healthy while the embedded broker still turned stations away.</summary>
public sealed class EmbeddedBrokerHealthCheckTests
{
    private static readonly StationRegistry Registry = StationRegistryLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "stations.yaml"));

    [Fact]
    public async Task CheckHealthAsync_WorkerNotYetSubscribed_UnhealthyWhileStationsAreTurnedAwayThenHealthy()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new BrokerMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var broker = new EmbeddedBrokerService(Options.Create(new EmbeddedBrokerOptions { Port = 0 }), Registry, metrics, TimeProvider.System, NullLogger<EmbeddedBrokerService>.Instance);
        var check = new EmbeddedBrokerHealthCheck(broker);
        var context = new HealthCheckContext();

        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(context, ct)).Status); // not started
        broker.HoldConnectionsUntilSubscribed("gardencity-alerting");
        await broker.StartAsync(ct);
        try
        {
            HealthCheckResult holding = await check.CheckHealthAsync(context, ct);
            Assert.Equal((HealthStatus.Unhealthy, "turning stations away until gardencity-alerting subscribed"), (holding.Status, holding.Description));
            Assert.Contains("ServerUnavailable", await ConnectStationAsync(broker.Port, ct), StringComparison.Ordinal);

            broker.SubscriberReady("gardencity-alerting");
            HealthCheckResult ready = await check.CheckHealthAsync(context, ct);

            Assert.Equal((HealthStatus.Healthy, $"accepting stations on port {broker.Port}"), (ready.Status, ready.Description));
            Assert.Equal("Success", await ConnectStationAsync(broker.Port, ct));
        }
        finally
        {
            await broker.StopAsync(ct);
        }
    }

    private static async Task<string> ConnectStationAsync(int port, CancellationToken ct)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("zms-wl-01")
            .WithCredentials("zms-wl-01", "gc-dev-zms-wl-01").WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build();
        try
        {
            MqttClientConnectResult result = await client.ConnectAsync(options, ct);
            await client.DisconnectAsync(cancellationToken: ct);
            return result.ResultCode.ToString();
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException ex)
        {
            return ex.Message;
        }
    }
}
