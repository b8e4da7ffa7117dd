using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Messaging.Broker;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using GardenCity.Monitoring.Messaging.Client;

namespace GardenCity.Monitoring.Ingestion.Mqtt;

/// <summary>
/// The ingestion worker. Subscribes at QoS 1 with a persistent session and manual acknowledgement, batches by
/// size and time (<see cref="MessageBatcher{T}"/>, lingering <c>BatchInterval</c>), writes through <see cref="IngestionBatchProcessor"/>, and acknowledges each message only after
/// all its samples are durable (stored or dead-lettered). A crash before that leaves the message with the broker,
/// which redelivers it; the rewrite of an already stored point is idempotent.
/// </summary>
internal sealed class MqttIngestionService : BackgroundService
{
    private readonly MqttIngestionOptions _options;
    private readonly MqttConnectionOptions _broker;
    private readonly IngestionBatchProcessor _processor;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttIngestionService> _logger;
    private readonly EmbeddedBrokerService? _embeddedBroker;
    private readonly Channel<Received> _queue;
    private readonly MessageBatcher<Received> _batcher;
    private readonly IMqttClient _client;
    private readonly IMqttClient _outputClient;
    private MqttClientOptions? _outputOptions;
    private readonly IngestionState _state;
    private CancellationToken _stopping;
    private int _connection;

    public MqttIngestionService(
        IOptions<MqttIngestionOptions> options,
        IOptions<MqttConnectionOptions> broker,
        IngestionBatchProcessor processor,
        TimeProvider time,
        ILogger<MqttIngestionService> logger,
        IEnumerable<EmbeddedBrokerService> embeddedBroker,
        IngestionState state)
        : this(options, broker, processor, time, logger, embeddedBroker, state, new MqttClientFactory().CreateMqttClient(), new MqttClientFactory().CreateMqttClient())
    {
    }

    /// <summary>With the receiving and the output client given (tests).</summary>
    internal MqttIngestionService(
        IOptions<MqttIngestionOptions> options,
        IOptions<MqttConnectionOptions> broker,
        IngestionBatchProcessor processor,
        TimeProvider time,
        ILogger<MqttIngestionService> logger,
        IEnumerable<EmbeddedBrokerService> embeddedBroker,
        IngestionState state,
        IMqttClient client,
        IMqttClient outputClient)
    {
        _state = state;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(broker);
        _options = options.Value;
        _broker = broker.Value;
        _processor = processor;
        _time = time;
        _logger = logger;
        _embeddedBroker = embeddedBroker.FirstOrDefault();
        _embeddedBroker?.HoldConnectionsUntilSubscribed(_options.ClientId);
        _queue = Channel.CreateBounded<Received>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _batcher = new MessageBatcher<Received>(_queue.Reader, _options.BatchSize, _options.BatchInterval, time);
        _client = client;

        // Outputs (dead letters) go out on a connection of their own, so that waiting for their PUBACKs never depends on
        // the receiving connection, whose reading stops when the queue is full (back-pressure).
        _outputClient = outputClient;
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += e =>
        {
            _state.SetSubscribed(false);
            if (e.ClientWasConnected)
            {
                _logger.Disconnected(e.Reason.ToString());
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The subscription filter, shared when a group is configured.</summary>
    internal string Filter => _options.SharedGroup.Length > 0 ? $"$share/{_options.SharedGroup}/{WireTopic.StationFilter}" : WireTopic.StationFilter;

    /// <summary>How long a stopping worker may take to write and acknowledge what it already received.</summary>
    internal static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        await _processor.InitializeStoreAsync(stoppingToken).ConfigureAwait(false);
        Task connection = KeepConnectedAsync(stoppingToken);
        try
        {
            await ProcessQueueAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await connection.ConfigureAwait(false);
            await _client.DisconnectIfConnectedAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build()).ConfigureAwait(false);
            _client.Dispose();
            await _outputClient.DisconnectIfConnectedAsync().ConfigureAwait(false);
            _outputClient.Dispose();
        }
    }

    /// <summary>The receive handler: queues a station message for the batch loop (waits while the queue is full).</summary>
    internal Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (WireTopic.IsSystemOutput(e.ApplicationMessage.Topic))
        {
            return Task.CompletedTask; // Our own outputs (alerts, dead letters): acknowledged automatically, never ingested.
        }

        e.AutoAcknowledge = false;

        // The message's trace starts at receipt (a child of the station's traceparent, if it sent one); null when untraced.
        Activity? activity = IngestionTracing.Source.HasListeners() ? IngestionTracing.StartMessage(e.ApplicationMessage.Topic, MqttTraceContext.Extract(e.ApplicationMessage)) : null;

        // A full queue makes this wait, which stops MQTTnet reading from the socket: back-pressure to the broker.
        return _queue.Writer.WriteAsync(new Received(e, Volatile.Read(ref _connection), activity), _stopping).AsTask();
    }

    private Task KeepConnectedAsync(CancellationToken stoppingToken)
    {
        (string host, int port) = MqttSubscription.Endpoint(_broker, _embeddedBroker);
        MqttClientOptions clientOptions = ClientOptions(_options.ClientId, persistentSession: true);
        _outputOptions = ClientOptions(_options.ClientId + "-out", persistentSession: false);
        var events = new SubscriptionEvents(
            Connecting: () => Interlocked.Increment(ref _connection), // messages from here on belong to the new connection
            Refused: result => _logger.ConnectRefused(host, port, result.ResultCode.ToString(), result.ReasonString),
            Subscribed: result =>
            {
                _logger.Connected(host, port, _options.ClientId, result.IsSessionPresent, Filter);
                _state.SetSubscribed(true);
                _embeddedBroker?.SubscriberReady(_options.ClientId);
            },
            Failed: (ex, delay) => _logger.ConnectFailed(ex, host, port, delay));
        return MqttSubscription.KeepSubscribedAsync(_client, clientOptions, Filter, _broker.ReconnectDelay, _broker.MaxReconnectDelay, _time, events, stoppingToken);
    }

    private async Task ProcessQueueAsync(CancellationToken stoppingToken)
    {
        while (await ProcessNextBatchAsync(stoppingToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>
    /// One turn of the batch loop: waits for a batch (<see cref="MessageBatcher{T}"/>: up to <c>BatchSize</c> messages,
    /// lingering <c>BatchInterval</c> after the first), makes it durable and acknowledges it. When stopping, writes and
    /// acknowledges what was received instead (<see cref="DrainTimeout"/>). False when the loop is over.
    /// </summary>
    internal async Task<bool> ProcessNextBatchAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Received>(_options.BatchSize);
        try
        {
            if (!await _batcher.FillAsync(batch, stoppingToken).ConfigureAwait(false))
            {
                return false;
            }
        }
        catch (OperationCanceledException)
        {
            return false; // Unacknowledged messages stay with the broker.
        }

        if (stoppingToken.IsCancellationRequested)
        {
            await DrainAsync(batch).ConfigureAwait(false);
            return false;
        }

        await FlushAsync(batch, stoppingToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Graceful stop: writes (or spools) and acknowledges what was already received, within <see cref="DrainTimeout"/>.</summary>
    private async Task DrainAsync(List<Received> batch)
    {
        while (_queue.Reader.TryRead(out Received? item))
        {
            batch.Add(item);
        }

        if (batch.Count == 0)
        {
            return;
        }

        _logger.Draining(batch.Count);
        using var drain = new CancellationTokenSource(DrainTimeout, _time);
        await FlushAsync(batch, drain.Token).ConfigureAwait(false);
    }

    private async Task FlushAsync(List<Received> batch, CancellationToken stoppingToken)
    {
        var messages = batch.Select(r => new ReceivedMessage(r.Args.ApplicationMessage.Topic, r.Args.ApplicationMessage.Payload.ToArray(), r.Activity)).ToList();
        IReadOnlyList<DeadLetter> letters;
        try
        {
            // While the spool is full nothing is acknowledged: the queue fills, MQTTnet stops reading, the broker keeps the rest.
            letters = await _processor.ProcessUntilDurableAsync(messages, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            foreach (Received r in batch)
            {
                IngestionTracing.Abandon(r.Activity);
            }

            return; // Not durable, not acknowledged: the broker redelivers after restart.
        }

        if (_options.PublishDeadLetters)
        {
            await PublishDeadLettersAsync(letters, stoppingToken).ConfigureAwait(false);
        }

        foreach (Received r in batch)
        {
            if (r.Connection != Volatile.Read(ref _connection) || !_client.IsConnected)
            {
                // Received on a connection that has since dropped: the broker redelivers it on the resumed session, and
                // writing it again is idempotent. Acknowledging it on the new connection is not possible.
                IngestionTracing.EndMessage(r.Activity, acknowledged: false);
                continue;
            }

            bool acknowledged = false;
            try
            {
                await r.Args.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
                acknowledged = true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Includes MQTTnet 5.2's NullReferenceException when the connection dropped between the check and the send.
                _logger.AckFailed(ex, r.Args.ApplicationMessage.Topic);
            }
            finally
            {
                IngestionTracing.EndMessage(r.Activity, acknowledged);
            }
        }
    }

    private MqttClientOptions ClientOptions(string clientId, bool persistentSession) =>
        MqttSubscription.ClientOptions(_broker, _embeddedBroker, clientId, persistentSession, _broker.Username, _broker.Password, (ushort)Math.Min(_options.QueueCapacity, ushort.MaxValue));

    private async Task PublishDeadLettersAsync(IReadOnlyList<DeadLetter> letters, CancellationToken stoppingToken)
    {
        if (letters.Count == 0 || _outputOptions is null)
        {
            return;
        }

        try
        {
            if (!_outputClient.IsConnected)
            {
                await _outputClient.ConnectAsync(_outputOptions, stoppingToken).ConfigureAwait(false);
            }

            // All of a batch's dead letters in flight at once; QoS 1 keeps each one's delivery acknowledged.
            await Task.WhenAll(letters.Select(letter => _outputClient.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(letter.OutputTopic)
                .WithPayload(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(letter))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .Build(), stoppingToken))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or OperationCanceledException)
        {
            _logger.DeadLetterPublishFailed(ex, letters[0].OutputTopic);
        }
    }

    /// <summary>A received message, the connection it came on (acknowledgements belong to that connection) and its span when traced.</summary>
    private sealed record Received(MqttApplicationMessageReceivedEventArgs Args, int Connection, Activity? Activity);
}
