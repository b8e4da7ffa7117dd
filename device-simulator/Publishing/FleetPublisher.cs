using System.Collections.Concurrent;
using GardenCity.Monitoring.DeviceSimulator.Model;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.DeviceSimulator.Publishing;

/// <summary>Broker address and station credentials.</summary>
public sealed record BrokerSettings(string Host, int Port, MqttQualityOfServiceLevel Qos, string PasswordTemplate, TimeSpan Timeout);

/// <summary>
/// One MQTT connection per station, with the station's credentials (user name = station id) and its Last Will
/// (retained status <c>"online": false</c>). Publishes each message on its station's connection and waits for the
/// broker's acknowledgement at QoS 1 or 2.
/// </summary>
public sealed class FleetPublisher(BrokerSettings settings) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, IMqttClient> _clients = new(StringComparer.Ordinal);
    private readonly MqttClientFactory _factory = new();

    /// <summary>Connects every station, a few at a time; throws naming the first station the broker refused.</summary>
    public async Task ConnectAllAsync(IEnumerable<SimStation> stations, DateTimeOffset connectedAt, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(stations, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (station, ct) => _clients[station.Id] = await ConnectAsync(station, connectedAt, ct)).ConfigureAwait(false);

    /// <summary>Sends one simulated message; returns false when the broker did not accept it.</summary>
    public async Task<bool> SendAsync(SimMessage message, SimStation station, CancellationToken cancellationToken)
    {
        switch (message.Type)
        {
            case SimMessageType.LinkLost:
                // The link drops (no DISCONNECT packet, the socket just goes away): the broker publishes the will. The
                // client leaves the fleet: MQTTnet 5.2 still reports a disposed client as connected.
                if (_clients.TryRemove(message.StationId, out IMqttClient? lost))
                {
                    lost.Dispose();
                }

                return true;
            case SimMessageType.LinkBack:
                if (_clients.TryRemove(message.StationId, out IMqttClient? old))
                {
                    old.Dispose();
                }

                _clients[message.StationId] = await ConnectAsync(station, Simulation.WillTimeOf(message.Payload), cancellationToken).ConfigureAwait(false);
                return true;
        }

        IMqttClient client = _clients[message.StationId];
        MqttClientPublishResult result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithRetainFlag(message.Retain)
            .WithQualityOfServiceLevel(settings.Qos)
            .Build(), cancellationToken).ConfigureAwait(false);
        return result.IsSuccess;
    }

    /// <summary>Disconnects every connected station cleanly (no Last Will) and disposes the clients.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (IMqttClient client in _clients.Values)
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), CancellationToken.None).ConfigureAwait(false);
            }

            client.Dispose();
        }
    }

    private async Task<IMqttClient> ConnectAsync(SimStation station, DateTimeOffset connectedAt, CancellationToken cancellationToken)
    {
        IMqttClient client = _factory.CreateMqttClient();
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer(settings.Host, settings.Port)
            .WithClientId(station.Id)
            .WithCredentials(station.Id, settings.PasswordTemplate.Replace("{id}", Fleet.SourceId(station.Id), StringComparison.Ordinal))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithTimeout(settings.Timeout)
            .WithWillTopic(Simulation.Topic(station, "status"))
            .WithWillPayload(Simulation.WillPayload(connectedAt))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        MqttClientConnectResult result = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"the broker refused station {station.Id}: {result.ResultCode} {result.ReasonString}");
        }

        return client;
    }
}
