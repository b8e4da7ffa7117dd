using MQTTnet;
using MQTTnet.Exceptions;

namespace GardenCity.Monitoring.Messaging.Client;

/// <summary>How every worker closes its MQTT connections when it stops.</summary>
public static class MqttClientShutdown
{
    /// <summary>
    /// Sends DISCONNECT if the client still believes it is connected. A connection the broker has already closed (the
    /// embedded broker stops in the same shutdown; a restarted Mosquitto) cannot be told anything and is not an error:
    /// the write fails (a broken pipe) and is ignored, so that closing never fails the process's shutdown.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="options">The DISCONNECT to send; a normal disconnection when null.</param>
    public static async Task DisconnectIfConnectedAsync(this IMqttClient client, MqttClientDisconnectOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            await client.DisconnectAsync(options ?? new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (MqttCommunicationException)
        {
            // Already gone: nothing to tell the broker.
        }
    }
}
