using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using GardenCity.Monitoring.Messaging.Client;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// Publishes notifications on <c>gc/v1/alerts/{audience}/{rule}/{station}</c> (retained while the alert is in force; an
/// empty retained message clears it on resolve or close) through a connection of its own (<c>{ClientId}-out</c>, clean session).
/// The MQTT endpoint of the <see cref="NotificationDispatcher"/>, which retries it: one call at a time.
/// </summary>
internal sealed class AlertTopicPublisher : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly AlertingOptions _options;
    private readonly MqttConnectionOptions _mqtt;
    private readonly EmbeddedBrokerService? _embeddedBroker;
    private readonly SemaphoreSlim _connecting = new(1, 1); // the start's connect and the first publish

    public AlertTopicPublisher(IOptions<AlertingOptions> options, IOptions<MqttConnectionOptions> mqtt, IEnumerable<EmbeddedBrokerService> embeddedBroker)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(embeddedBroker);
        (_options, _mqtt, _embeddedBroker) = (options.Value, mqtt.Value, embeddedBroker.FirstOrDefault());
    }

    /// <summary>Publishes one notification on its alert topic; throws when the broker does not take it.</summary>
    public async Task PublishAsync(AlertNotification n, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(n);
        string topic = AlertNotification.Topic(n.Audience, n.RuleId, n.StationId);
        await ConnectAsync(cancellationToken).ConfigureAwait(false);

        bool over = n.Transition is Transition.Resolved or Transition.Closed;
        bool retained = !over && n.Transition != Transition.Late;
        MqttClientPublishResult result = await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(n.ToJson())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retained).WithContentType("application/json").Build(), cancellationToken).ConfigureAwait(false);
        if (over && result.IsSuccess)
        {
            // An empty retained message clears the retained alert: a new subscriber sees only alerts in force.
            result = await _client.PublishAsync(Clearing(topic), cancellationToken).ConfigureAwait(false);
        }

        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"the broker refused {topic}: {result.ReasonCode}");
        }
    }

    /// <summary>
    /// Connects unless connected; throws when the broker cannot be reached or refuses. Called at start too, so that the
    /// first alert does not wait for a connection (docs/alerting.md, "The first alert after a start").
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client.IsConnected)
            {
                return;
            }

            // The options are read at each connect, not when this publisher is built: the embedded broker knows its port
            // only once started, and this publisher may be built before that (it was: every alert went to 127.0.0.1:0).
            MqttClientOptions clientOptions = AlertingMqtt.ClientOptions(_options, _mqtt, _embeddedBroker, _options.ClientId + "-out", persistent: false);
            MqttClientConnectResult connected = await _client.ConnectAsync(clientOptions, cancellationToken).ConfigureAwait(false);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException("the broker refused the alert publisher: " + connected.ResultCode);
            }

            await CheckAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>The empty retained message that clears <paramref name="topic"/> (a resolve or close; the publisher's check).</summary>
    private static MqttApplicationMessage Clearing(string topic) => new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Array.Empty<byte>())
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(true).Build();

    /// <summary>
    /// The topic of the publisher's check (<see cref="CheckAsync"/>): <c>gc/v1/alerts/maintenance/publisher-check/{client id}</c>,
    /// the client id's <c>/</c>, <c>+</c> and <c>#</c> replaced by <c>-</c>.
    /// </summary>
    internal static string CheckTopic(string clientId) =>
        AlertNotification.Topic(Audience.Maintenance, "publisher-check", string.Concat(clientId.Select(c => c is '/' or '+' or '#' ? '-' : c)));

    /// <summary>
    /// Right after each connect, one empty retained message on <see cref="CheckTopic"/> (docs/alerting.md, "The alert
    /// publisher's check"): an empty retained message is what clears an alert topic, so subscribers skip it and the broker
    /// keeps nothing. It shows at once whether the broker takes this account's alert messages — a broker that does not
    /// (an ACL without <c>gc/v1/alerts/#</c>) is reported at start instead of at the first alert — and the first alert
    /// finds the publish path used once.
    /// </summary>
    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        string topic = CheckTopic(_options.ClientId);
        MqttClientPublishReasonCode answer;
        try
        {
            MqttClientPublishResult result = await _client.PublishAsync(Clearing(topic), cancellationToken).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                return;
            }

            answer = result.ReasonCode;
        }
        catch (MQTTnet.Exceptions.MqttClientDisconnectedException)
        {
            answer = MqttClientPublishReasonCode.NotAuthorized; // Mosquitto 2.0 may close the connection after refusing a publish
        }

        throw new AlertPublisherRefusedException(
            $"the broker does not take the alert publisher's messages: it answered {answer} (or closed the connection) to {topic}. " +
            "The alerting account needs write access to gc/v1/alerts/# (Mosquitto: its ACL, generated by 'gardencity registry mosquitto-acl' into deploy/mosquitto/acl)");
    }

    /// <summary>
    /// Closes the connection. Never throws: the container disposes this after the embedded broker has stopped, when the
    /// connection may be gone already (a throw here failed the whole shutdown, exit code 1 on SIGTERM).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _client.DisconnectIfConnectedAsync().ConfigureAwait(false);
        _client.Dispose();
    }
}

/// <summary>The broker accepts the alert publisher's connection but not its messages (<see cref="AlertTopicPublisher"/>'s check).</summary>
internal sealed class AlertPublisherRefusedException(string message) : InvalidOperationException(message);
