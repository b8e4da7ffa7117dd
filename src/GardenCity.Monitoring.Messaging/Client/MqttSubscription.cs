using GardenCity.Monitoring.Messaging.Broker;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace GardenCity.Monitoring.Messaging.Client;

/// <summary>What a supervised subscription reports.</summary>
/// <param name="Connecting">Called before each connect: messages from then on belong to the new connection.</param>
/// <param name="Refused">The broker answered CONNECT with a refusal (result code, reason).</param>
/// <param name="Subscribed">Connected and subscribed (session present or not).</param>
/// <param name="Failed">A connect or subscribe failed; the next try comes after the given delay.</param>
public sealed record SubscriptionEvents(Action Connecting, Action<MqttClientConnectResult> Refused, Action<MqttClientConnectResult> Subscribed, Action<Exception, TimeSpan> Failed);

/// <summary>
/// The one supervised connect loop of the system's MQTT workers (ingestion, alerting): MQTTnet 5 has no managed
/// client, so <c>TryPingAsync</c> then <c>ConnectAsync</c> + <c>SubscribeAsync</c> at QoS 1, with exponential back-off,
/// never reconnecting from inside <c>DisconnectedAsync</c>. Also builds the client options of a worker connection.
/// </summary>
public static class MqttSubscription
{
    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled.</summary>
    public static async Task KeepSubscribedAsync(
        IMqttClient client, MqttClientOptions options, string filter, TimeSpan reconnectDelay, TimeSpan maxReconnectDelay, TimeProvider time, SubscriptionEvents events, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(events);
        TimeSpan backoff = reconnectDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await client.TryPingAsync(stoppingToken).ConfigureAwait(false))
                {
                    events.Connecting();
                    MqttClientConnectResult result = await client.ConnectAsync(options, stoppingToken).ConfigureAwait(false);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        events.Refused(result); // MQTTnet 5 reports a refused login in the result, not by throwing
                        throw new InvalidOperationException("connection refused: " + result.ResultCode);
                    }

                    await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                        .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                        .Build(), stoppingToken).ConfigureAwait(false);
                    events.Subscribed(result);
                    backoff = reconnectDelay;
                }

                await Task.Delay(reconnectDelay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                events.Failed(ex, backoff);
                try
                {
                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxReconnectDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// Options for one worker connection (MQTT 5): a new builder per call, since MQTTnet's builder hands out the options
    /// object it mutates. Credentials: <paramref name="username"/> if given; else, with no external broker configured,
    /// the embedded broker's internal account.
    /// </summary>
    public static MqttClientOptions ClientOptions(
        MqttConnectionOptions mqtt, EmbeddedBrokerService? embeddedBroker, string clientId, bool persistentSession, string username, string password, ushort? receiveMaximum = null)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        (string host, int port) = Endpoint(mqtt, embeddedBroker);
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(!persistentSession)
            .WithSessionExpiryInterval(persistentSession ? (uint)mqtt.SessionExpiry.TotalSeconds : 0)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (receiveMaximum is { } maximum)
        {
            builder = builder.WithReceiveMaximum(maximum);
        }

        if (username.Length > 0)
        {
            builder = builder.WithCredentials(username, password);
        }
        else if (mqtt.Host.Length == 0 && embeddedBroker is not null)
        {
            (string user, string internalPassword) = embeddedBroker.InternalCredentials;
            builder = builder.WithCredentials(user, internalPassword);
        }

        return builder.Build();
    }

    /// <summary>The broker a worker connects to: the configured host, or the embedded broker on loopback.</summary>
    public static (string Host, int Port) Endpoint(MqttConnectionOptions mqtt, EmbeddedBrokerService? embeddedBroker)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        return mqtt.Host.Length > 0 ? (mqtt.Host, mqtt.Port) : ("127.0.0.1", embeddedBroker?.Port ?? mqtt.Port);
    }
}
