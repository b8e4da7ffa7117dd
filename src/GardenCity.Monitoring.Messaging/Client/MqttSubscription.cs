using GardenCity.Monitoring.Messaging.Broker;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Polly;
using Polly.Retry;

namespace GardenCity.Monitoring.Messaging.Client;

/// <summary>What a supervised subscription reports.</summary>
/// <param name="Connecting">Called before each connect: messages from then on belong to the new connection.</param>
/// <param name="Refused">The broker answered CONNECT with a refusal (result code, reason).</param>
/// <param name="Subscribed">Connected and subscribed (session present or not).</param>
/// <param name="Failed">A connect or subscribe failed; the next try comes after the given delay.</param>
public sealed record SubscriptionEvents(Action Connecting, Action<MqttClientConnectResult> Refused, Action<MqttClientConnectResult> Subscribed, Action<Exception, TimeSpan> Failed);

/// <summary>
/// The one supervised connect loop of the system's MQTT workers (ingestion, alerting): MQTTnet 5 has no managed
/// client, so every <c>ReconnectDelay</c> <c>TryPingAsync</c>, and when that fails <c>ConnectAsync</c> +
/// <c>SubscribeAsync</c> at QoS 1 through the <c>mqtt-reconnect</c> pipeline (exponential back-off), never reconnecting
/// from inside <c>DisconnectedAsync</c>. Also builds the client options of a worker connection.
/// </summary>
public static class MqttSubscription
{
    /// <summary>Name of the reconnect pipeline (in Polly's telemetry; one instance per worker connection).</summary>
    public const string ReconnectPipeline = "mqtt-reconnect";

    /// <summary>Runs until <paramref name="stoppingToken"/> is cancelled.</summary>
    public static async Task KeepSubscribedAsync(
        IMqttClient client, MqttClientOptions options, string filter, TimeSpan reconnectDelay, TimeSpan maxReconnectDelay, TimeProvider time, SubscriptionEvents events, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(events);
        ResiliencePipeline reconnect = BuildReconnectPipeline(new ResiliencePipelineBuilder { TimeProvider = time }, reconnectDelay, maxReconnectDelay, events.Failed);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await reconnect.ExecuteAsync(
                    static async (state, ct) => await EnsureSubscribedAsync(state.client, state.options, state.filter, state.events, ct).ConfigureAwait(false),
                    (client, options, filter, events),
                    stoppingToken).ConfigureAwait(false);
                await Task.Delay(reconnectDelay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The <c>mqtt-reconnect</c> pipeline: a retry for as long as it takes, waiting <paramref name="reconnectDelay"/>
    /// doubling to <paramref name="maxReconnectDelay"/> (no jitter), on the builder's <see cref="TimeProvider"/>.
    /// <c>ShouldHandle</c> takes the failures a later try can cure (<see cref="IsTransient"/>), and never the worker's own
    /// stop. <paramref name="failed"/> hears each failure with the delay before the next try.
    /// </summary>
    public static ResiliencePipeline BuildReconnectPipeline(ResiliencePipelineBuilder builder, TimeSpan reconnectDelay, TimeSpan maxReconnectDelay, Action<Exception, TimeSpan> failed)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(failed);
        builder.Name = ReconnectPipeline;
        return builder
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = static args => new ValueTask<bool>(
                    args.Outcome.Exception is { } ex && !args.Context.CancellationToken.IsCancellationRequested && IsTransient(ex)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = reconnectDelay,
                MaxDelay = maxReconnectDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    failed(args.Outcome.Exception!, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>
    /// Whether a failed connect or subscribe may succeed later: the broker cannot be reached or dropped us
    /// (<see cref="MqttCommunicationException"/>, <see cref="System.Net.Sockets.SocketException"/>), an attempt timed out
    /// (<see cref="OperationCanceledException"/> not caused by the worker stopping), or the broker refused the CONNECT
    /// (<see cref="InvalidOperationException"/>: the embedded broker answers "server unavailable" until it is ready, and
    /// an operator who fixes refused credentials should not need to restart the worker). Anything else is a bug and stops
    /// the host.
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        exception is MqttCommunicationException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException;

    /// <summary>One try: ping, and when the connection is gone connect (checking the result code) and subscribe.</summary>
    private static async Task EnsureSubscribedAsync(IMqttClient client, MqttClientOptions options, string filter, SubscriptionEvents events, CancellationToken cancellationToken)
    {
        if (await client.TryPingAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        events.Connecting();
        MqttClientConnectResult result = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            events.Refused(result); // MQTTnet 5 reports a refused login in the result, not by throwing
            throw new InvalidOperationException("connection refused: " + result.ResultCode);
        }

        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build(), cancellationToken).ConfigureAwait(false);
        events.Subscribed(result);
    }

    /// <summary>
    /// Options for one worker connection (MQTT 5): a new builder per call, since MQTTnet's builder hands out the options
    /// object it mutates. The connection gathers its writes (<see cref="WriteCoalescingStream"/>). Credentials: <paramref name="username"/> if given; else, with no external broker configured,
    /// the embedded broker's internal account.
    /// </summary>
    public static MqttClientOptions ClientOptions(
        MqttConnectionOptions mqtt, EmbeddedBrokerService? embeddedBroker, string clientId, bool persistentSession, string username, string password, ushort? receiveMaximum = null)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        (string host, int port) = Endpoint(mqtt, embeddedBroker);
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithStreamProvider(CoalescingStreamProvider.Instance)
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
