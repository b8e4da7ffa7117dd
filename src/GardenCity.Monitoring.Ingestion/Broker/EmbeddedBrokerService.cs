using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace GardenCity.Monitoring.Ingestion.Broker;

/// <summary>
/// Runs an in-process MQTTnet broker with persistent sessions. It starts in <see cref="StartAsync"/>, before the
/// ingestion worker connects. Sessions and queues are in memory: see docs for what that means for durability.
/// </summary>
public sealed class EmbeddedBrokerService(IOptions<EmbeddedBrokerOptions> options, ILogger<EmbeddedBrokerService> logger) : IHostedService, IDisposable
{
    private MqttServer? _server;
    private volatile string? _awaitedSubscriber;

    /// <summary>
    /// Holds station connections back (MQTT "server unavailable", so stations retry) until the ingestion worker
    /// <paramref name="clientId"/> of this process has subscribed: otherwise a station connecting in the first
    /// moments after start would publish to nobody and its readings would be lost.
    /// </summary>
    public void HoldConnectionsUntilSubscribed(string clientId) => _awaitedSubscriber = clientId;

    /// <summary>Whether stations may connect (no ingestion worker of this process is still awaited).</summary>
    public bool IsAcceptingStations => _server is { IsStarted: true } && _awaitedSubscriber is null;

    /// <summary>Opens the broker to every client; called by the ingestion worker once subscribed.</summary>
    public void SubscriberReady() => _awaitedSubscriber = null;

    /// <summary>The port the broker listens on, known once started (useful with port 0).</summary>
    public int Port { get; private set; }

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        EmbeddedBrokerOptions o = options.Value;
        if (!IPAddress.TryParse(o.BindAddress, out IPAddress? address))
        {
            throw new OptionsValidationException(EmbeddedBrokerOptions.SectionName, typeof(EmbeddedBrokerOptions), [$"{EmbeddedBrokerOptions.SectionName}:BindAddress '{o.BindAddress}' is not an IP address."]);
        }

        Port = o.Port == 0 ? FreePort(address) : o.Port;
        var factory = new MqttServerFactory();
        MqttServerOptions serverOptions = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointPort(Port)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(o.MaxPendingMessagesPerClient)
            .Build();
        _server = factory.CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += e =>
        {
            string? awaited = _awaitedSubscriber;
            if (awaited is not null && e.ClientId != awaited)
            {
                e.ReasonCode = MQTTnet.Protocol.MqttConnectReasonCode.ServerUnavailable;
                e.ReasonString = "the ingestion worker is starting; try again shortly";
            }

            return Task.CompletedTask;
        };
        try
        {
            await _server.StartAsync().ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new InvalidOperationException($"The embedded MQTT broker cannot listen on {address}:{Port}: {ex.Message}. Is another broker running there? Set GardenCity:Broker:Port or GardenCity:Mqtt:Host.", ex);
        }

        logger.BrokerStarted(address.ToString(), Port);
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _server?.Dispose();

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
