using System.Buffers;
using System.Diagnostics;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Messaging.Broker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using GardenCity.Monitoring.Messaging.Client;

namespace GardenCity.Monitoring.Alerting.Worker;

/// <summary>
/// The alerting worker's MQTT side: subscribes to station topics at QoS 1 with a persistent session of its own
/// (<see cref="AlertingOptions.ClientId"/>), hands each message's readings to the <see cref="AlertEngineHost"/>, and
/// acknowledges a message only once the full engine state that includes it is saved; a crash before that makes the
/// broker redeliver it, and a reading whose judgement a journal record already holds is not judged again
/// (docs/alerting.md, "State: snapshot and journal"). Ticks the engine on a timer (absence, rule reloads, checkpoints).
/// </summary>
internal sealed class AlertSubscriptionService : BackgroundService
{
    private readonly AlertingOptions _options;
    private readonly MqttConnectionOptions _mqtt;
    private readonly AlertEngineHost _engine;
    private readonly WireDecoder _decoder;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertSubscriptionService> _logger;
    private readonly EmbeddedBrokerService? _embeddedBroker;
    private readonly AlertingReadiness _readiness;
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly Lock _acksGate = new();
    private readonly SemaphoreSlim _ackSending = new(1, 1); // PUBACKs leave in the order the messages came
    private readonly Queue<(long Number, MqttApplicationMessageReceivedEventArgs Args, int Connection)> _unacknowledged = new();
    private int _connection;
    private CancellationToken _stopping;

    public AlertSubscriptionService(
        IOptions<AlertingOptions> options,
        IOptions<MqttConnectionOptions> mqtt,
        AlertEngineHost engine,
        WireDecoder decoder,
        TimeProvider time,
        ILogger<AlertSubscriptionService> logger,
        IEnumerable<EmbeddedBrokerService> embeddedBroker,
        AlertingReadiness readiness)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mqtt);
        _options = options.Value;
        _mqtt = mqtt.Value;
        _engine = engine;
        _decoder = decoder;
        _time = time;
        _logger = logger;
        _embeddedBroker = embeddedBroker.FirstOrDefault();
        _readiness = readiness;
        _embeddedBroker?.HoldConnectionsUntilSubscribed(_options.ClientId);
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        await _engine.StartAsync(stoppingToken).ConfigureAwait(false);
        Task ticks = TickAsync(stoppingToken);
        Task acks = AcknowledgeLoopAsync(stoppingToken);
        try
        {
            await KeepConnectedAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await ticks.ConfigureAwait(false);
            await acks.ConfigureAwait(false);
            await _engine.StopAsync().ConfigureAwait(false);
            await _client.DisconnectIfConnectedAsync().ConfigureAwait(false);
            _client.Dispose();
        }
    }

    /// <summary>One message: evaluated, then acknowledged with every earlier one whose state is saved. Exposed for tests.</summary>
    internal async Task HandleAsync(MqttApplicationMessageReceivedEventArgs e, int connection)
    {
        using Activity? activity = AlertingTracing.Source.HasListeners() ? AlertingTracing.StartEvaluate(e.ApplicationMessage.Topic, MqttTraceContext.Extract(e.ApplicationMessage)) : null;
        DecodeResult decoded = _decoder.Decode(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), _time.GetUtcNow());
        activity?.SetTag("gardencity.readings", decoded.Readings.Count);
        long number = await _engine.ProcessAsync(decoded.Readings, _stopping).ConfigureAwait(false);
        lock (_acksGate)
        {
            _unacknowledged.Enqueue((number, e, connection));
        }

        await AcknowledgeSavedAsync().ConfigureAwait(false);
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (WireTopic.IsSystemOutput(e.ApplicationMessage.Topic))
        {
            return Task.CompletedTask;
        }

        e.AutoAcknowledge = false;
        return HandleAsync(e, Volatile.Read(ref _connection));
    }

    /// <summary>Messages whose effect is in the saved state may go: a crash before the save makes the broker redeliver them.</summary>
    private async Task AcknowledgeSavedAsync()
    {
        await _ackSending.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await AcknowledgeSavedInOrderAsync().ConfigureAwait(false);
        }
        finally
        {
            _ackSending.Release();
        }
    }

    private async Task AcknowledgeSavedInOrderAsync()
    {
        long saved = _engine.SavedThrough;
        var ready = new List<(MqttApplicationMessageReceivedEventArgs Args, int Connection)>();
        lock (_acksGate)
        {
            while (_unacknowledged.TryPeek(out var next) && next.Number <= saved)
            {
                _unacknowledged.Dequeue();
                ready.Add((next.Args, next.Connection));
            }
        }

        foreach ((MqttApplicationMessageReceivedEventArgs args, int connection) in ready)
        {
            if (connection != Volatile.Read(ref _connection) || !_client.IsConnected)
            {
                continue; // The broker redelivers it on the resumed session; processing it again changes nothing.
            }

            try
            {
                await args.AcknowledgeAsync(_stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // MQTTnet 5.2 throws NullReferenceException when the connection dropped meanwhile: the broker redelivers.
                Log.PublishFailed(_logger, ex, "(acknowledgement)");
            }
        }
    }

    /// <summary>
    /// Every <see cref="AlertEngineHost.AckInterval"/>: saves and acknowledges what waited that long. Under load the
    /// messages themselves save every <see cref="AlertEngineHost.AckBatch"/>; this bounds the wait when the broker sends
    /// fewer unacknowledged messages than that, or the stream pauses.
    /// </summary>
    private async Task AcknowledgeLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(AlertEngineHost.AckInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (await _engine.SaveIfWaitingAsync(stoppingToken).ConfigureAwait(false))
                {
                    await AcknowledgeSavedAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.TickInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await _engine.TickAsync(stoppingToken).ConfigureAwait(false);
                await AcknowledgeSavedAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private Task KeepConnectedAsync(CancellationToken stoppingToken)
    {
        (string host, int port) = MqttSubscription.Endpoint(_mqtt, _embeddedBroker);
        var events = new SubscriptionEvents(
            Connecting: () =>
            {
                Interlocked.Increment(ref _connection);
                _readiness.NotSubscribed($"connecting to the broker {host}:{port}");
            },
            Refused: result =>
            {
                Log.ConnectRefused(_logger, host, port, result.ResultCode.ToString(), result.ReasonString);
                _readiness.NotSubscribed($"the broker {host}:{port} refused the connection ({result.ResultCode})");
            },
            Subscribed: result =>
            {
                Log.Connected(_logger, host, port, _options.ClientId, result.IsSessionPresent);
                _embeddedBroker?.SubscriberReady(_options.ClientId);
                _readiness.Subscribed();
            },
            Failed: (ex, delay) =>
            {
                Log.ConnectFailed(_logger, ex, host, port, delay);
                _readiness.NotSubscribed($"not connected to the broker {host}:{port} ({ex.Message}); trying again in {delay.TotalSeconds:0.#} s");
            });
        return MqttSubscription.KeepSubscribedAsync(_client, AlertingMqtt.ClientOptions(_options, _mqtt, _embeddedBroker, _options.ClientId, persistent: true, AlertEngineHost.ReceiveMaximum),
            WireTopic.StationFilter, _mqtt.ReconnectDelay, _mqtt.MaxReconnectDelay, _time, events, stoppingToken);
    }
}
