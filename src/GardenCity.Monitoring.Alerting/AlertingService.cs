using System.Buffers;
using System.Text.Json;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Alerting.Notify;
using GardenCity.Monitoring.Alerting.Rules;
using GardenCity.Monitoring.Core.Readings;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Core.Wire;
using GardenCity.Monitoring.Ingestion.Broker;
using GardenCity.Monitoring.Ingestion.Mqtt;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// The alerting worker. Subscribes to station topics at QoS 1 with a persistent session of its own, feeds the rule
/// engine, and acknowledges each message only after the resulting alert changes are persisted (state file) and handed
/// to the notifiers; a crash before that makes the broker redeliver, and the engine ignores what it already has (same
/// measurement time). Absence is judged on a timer. Rule files are reloaded when they change.
/// </summary>
public sealed class AlertingService : BackgroundService
{
    private readonly AlertingOptions _options;
    private readonly MqttIngestionOptions _mqtt;
    private readonly StationRegistry _registry;
    private readonly WireDecoder _decoder;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertingService> _logger;
    private readonly AlertingMetrics _metrics;
    private readonly WebhookDispatcher _webhooks;
    private readonly IReadingWriter _writer;
    private readonly InfluxReadingReader _reader;
    private readonly ResiliencePipeline _influxPipeline;
    private readonly EmbeddedBrokerService? _embeddedBroker;
    private readonly AlertStateStore _store;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IMqttClient _client;
    private readonly IMqttClient _output;
    private readonly List<string> _pendingHistory = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MqttClientOptions? _outputOptions;
    private AlertEngine? _engine;
    private FileSystemWatcher? _watcher;
    private int _reloadRequested;
    private int _connection;
    private DateTimeOffset _lastSave;
    private CancellationToken _stopping;

    /// <summary>Creates the worker.</summary>
    public AlertingService(
        IOptions<AlertingOptions> options,
        IOptions<MqttIngestionOptions> mqtt,
        StationRegistry registry,
        WireDecoder decoder,
        TimeProvider time,
        ILogger<AlertingService> logger,
        AlertingMetrics metrics,
        WebhookDispatcher webhooks,
        IReadingWriter writer,
        InfluxQlClient query,
        ResiliencePipelineProvider<string> pipelines,
        IEnumerable<EmbeddedBrokerService> embeddedBroker,
        CapFeed capFeed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(pipelines);
        _options = options.Value;
        _mqtt = mqtt.Value;
        _registry = registry;
        _decoder = decoder;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _webhooks = webhooks;
        _writer = writer;
        _reader = new InfluxReadingReader(query, registry);
        _influxPipeline = pipelines.GetPipeline(StorageServiceCollectionExtensions.InfluxWritePipeline);
        _embeddedBroker = embeddedBroker.FirstOrDefault();
        _embeddedBroker?.HoldConnectionsUntilSubscribed(_options.ClientId);
        CapFeed = capFeed;
        _store = new AlertStateStore(_options.StateDirectory);
        _client = new MqttClientFactory().CreateMqttClient();
        _output = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>The CAP feed of emergency alerts.</summary>
    public CapFeed CapFeed { get; }

    /// <summary>Completes once the engine is running (rules loaded, state restored).</summary>
    public Task Started => _started.Task;

    /// <summary>Alerts in force.</summary>
    public async Task<IReadOnlyList<Alert>> ActiveAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _engine?.Active ?? [];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Acknowledges an active alert on behalf of <paramref name="by"/>; null when no active alert has that id.</summary>
    public async Task<Alert?> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_engine?.Acknowledge(alertId, by, _time.GetUtcNow()) is not { } change)
            {
                return null;
            }

            await DispatchAsync([change], [], cancellationToken).ConfigureAwait(false);
            return change.Alert;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        RuleSet rules = RuleLoader.LoadDirectory(_options.RulesDirectory, _registry);
        Log.RulesLoaded(_logger, rules.Rules.Count, _options.RulesDirectory);
        var engine = new AlertEngine(rules, _registry, _options.LatenessHorizon, _options.AbsenceClock, _time.GetUtcNow());
        try
        {
            if (_store.Load() is { } state)
            {
                engine.Restore(state.Engine);
                CapFeed.Restore(state.Cap);
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or NotSupportedException)
        {
            Log.StateUnreadable(_logger, _store.Path, ex.Message);
        }

        if (_options.PrimeFromInflux)
        {
            await PrimeAsync(engine, stoppingToken).ConfigureAwait(false);
        }

        _engine = engine;
        WatchRules();
        _started.TrySetResult();
        Task ticks = TickAsync(stoppingToken);
        try
        {
            await KeepConnectedAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await ticks.ConfigureAwait(false);
            _watcher?.Dispose();
            await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                Save(force: true);
            }
            finally
            {
                _gate.Release();
            }

            foreach (IMqttClient client in new[] { _client, _output })
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
                }

                client.Dispose();
            }
        }
    }

    private async Task PrimeAsync(AlertEngine engine, CancellationToken cancellationToken)
    {
        DateTimeOffset to = engine.Watermark ?? _time.GetUtcNow();
        TimeSpan lookback = engine.Rules.Rules.Select(r => r.Lookback).DefaultIfEmpty(TimeSpan.Zero).Max();
        DateTimeOffset from = to - (lookback > TimeSpan.FromDays(1) ? lookback : TimeSpan.FromDays(1));
        try
        {
            IReadOnlyList<Reading> readings = await _reader.ReadAsync(from, to, cancellationToken).ConfigureAwait(false);
            foreach (Reading reading in readings)
            {
                engine.Prime(reading);
            }

            Log.Primed(_logger, readings.Count, from, to);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.PrimeFailed(_logger, ex);
        }
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

    private async Task HandleAsync(MqttApplicationMessageReceivedEventArgs e, int connection)
    {
        DecodeResult decoded = _decoder.Decode(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), _time.GetUtcNow());
        await _gate.WaitAsync(_stopping).ConfigureAwait(false);
        try
        {
            await ReloadIfRequestedAsync().ConfigureAwait(false);
            var changes = new List<AlertChange>();
            var fwi = new List<FwiDay>();
            foreach (Reading reading in decoded.Readings)
            {
                EngineOutput output = _engine!.Process(reading, _time.GetUtcNow());
                changes.AddRange(output.Changes);
                fwi.AddRange(output.FireWeather);
            }

            _metrics.Readings(decoded.Readings.Count);
            await DispatchAsync(changes, fwi, _stopping).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        if (connection == Volatile.Read(ref _connection) && _client.IsConnected)
        {
            try
            {
                await e.AcknowledgeAsync(_stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // MQTTnet 5.2 throws NullReferenceException when the connection dropped meanwhile: the broker redelivers.
                Log.PublishFailed(_logger, ex, "(acknowledgement)");
            }
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.TickInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await _gate.WaitAsync(stoppingToken).ConfigureAwait(false);
                try
                {
                    await ReloadIfRequestedAsync().ConfigureAwait(false);
                    await DispatchAsync(_engine!.Tick(_time.GetUtcNow()), [], stoppingToken).ConfigureAwait(false);
                    Save(force: false);
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Notifies and records changes; called under the gate.</summary>
    private async Task DispatchAsync(IReadOnlyList<AlertChange> changes, IReadOnlyList<FwiDay> fwi, CancellationToken cancellationToken)
    {
        foreach (AlertChange change in changes)
        {
            _metrics.Change(change.Transition.ToString(), change.Alert.Audience.ToString());
            Log.AlertChanged(_logger, change.Transition.ToString(), change.Alert.Id, change.Alert.Severity.ToName(), change.Alert.MessageEn);
            CapFeed.Add(change, _options.Cap, _time.GetUtcNow());
            if (_options.WriteHistory)
            {
                _pendingHistory.Add(AlertHistory.Line(change));
            }
        }

        if (_options.WriteHistory)
        {
            _pendingHistory.AddRange(fwi.Select(AlertHistory.Line));
        }

        if (changes.Count > 0)
        {
            _metrics.SetActive(_engine!.Active.Count);
            Save(force: true); // Durable before anyone is told and before the message is acknowledged.
            foreach (AlertChange change in changes)
            {
                AlertNotification notification = AlertNotification.From(change);
                _webhooks.Enqueue(notification);
                if (_options.PublishMqtt)
                {
                    await PublishAsync(notification, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await FlushHistoryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishAsync(AlertNotification n, CancellationToken cancellationToken)
    {
        string topic = AlertNotification.Topic(n.Audience, n.RuleId, n.StationId);
        try
        {
            if (!_output.IsConnected && _outputOptions is not null)
            {
                await _output.ConnectAsync(_outputOptions, cancellationToken).ConfigureAwait(false);
            }

            bool retained = n.Transition is not (Transition.Resolved or Transition.Late);
            await _output.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(n.ToJson())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retained).WithContentType("application/json").Build(), cancellationToken).ConfigureAwait(false);
            if (n.Transition == Transition.Resolved)
            {
                // An empty retained message clears the retained alert: a new subscriber sees only alerts in force.
                await _output.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Array.Empty<byte>())
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(true).Build(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Log.PublishFailed(_logger, ex, topic);
        }
    }

    private async Task FlushHistoryAsync(CancellationToken cancellationToken)
    {
        if (_pendingHistory.Count == 0)
        {
            return;
        }

        string lines = string.Join('\n', _pendingHistory);
        try
        {
            await _influxPipeline.ExecuteAsync(async ct => await _writer.WriteLinesAsync(lines, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            _pendingHistory.Clear();
        }
        catch (Exception ex) when (ex is InfluxWriteException or HttpRequestException or Polly.CircuitBreaker.BrokenCircuitException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            if (_pendingHistory.Count > 100_000)
            {
                _pendingHistory.RemoveRange(0, _pendingHistory.Count - 100_000);
            }

            Log.HistoryWriteFailed(_logger, ex, _pendingHistory.Count);
        }
    }

    private void Save(bool force)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (_engine is null || (!force && now - _lastSave < TimeSpan.FromSeconds(10)))
        {
            return;
        }

        _store.Save(new AlertingState(_engine.Snapshot(), CapFeed.Entries));
        _lastSave = now;
    }

    private void WatchRules()
    {
        if (!Directory.Exists(_options.RulesDirectory))
        {
            return;
        }

        _watcher = new FileSystemWatcher(_options.RulesDirectory) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        FileSystemEventHandler changed = (_, _) => Interlocked.Exchange(ref _reloadRequested, 1);
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Deleted += changed;
        _watcher.Renamed += (_, _) => Interlocked.Exchange(ref _reloadRequested, 1);
    }

    /// <summary>Reloads the rules if a file changed; called under the gate (on the next message or tick).</summary>
    private async Task ReloadIfRequestedAsync()
    {
        if (Interlocked.Exchange(ref _reloadRequested, 0) == 0)
        {
            return;
        }

        try
        {
            RuleSet rules = RuleLoader.LoadDirectory(_options.RulesDirectory, _registry);
            IReadOnlyList<AlertChange> changes = _engine!.ReplaceRules(rules, _time.GetUtcNow());
            Log.RulesLoaded(_logger, rules.Rules.Count, _options.RulesDirectory);
            await DispatchAsync(changes, [], _stopping).ConfigureAwait(false);
        }
        catch (RuleFileException ex)
        {
            Log.RulesRefused(_logger, ex.Message);
        }
    }

    private async Task KeepConnectedAsync(CancellationToken stoppingToken)
    {
        string host = _mqtt.Host.Length > 0 ? _mqtt.Host : "127.0.0.1";
        int port = _mqtt.Host.Length > 0 || _embeddedBroker is null ? _mqtt.Port : _embeddedBroker.Port;
        MqttClientOptions options = ClientOptions(host, port, _options.ClientId, persistent: true);
        _outputOptions = ClientOptions(host, port, _options.ClientId + "-out", persistent: false);
        TimeSpan backoff = _mqtt.ReconnectDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await _client.TryPingAsync(stoppingToken).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref _connection);
                    MqttClientConnectResult result = await _client.ConnectAsync(options, stoppingToken).ConfigureAwait(false);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new InvalidOperationException("connection refused: " + result.ResultCode);
                    }

                    await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                        .WithTopicFilter(f => f.WithTopic(WireTopic.StationFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                        .Build(), stoppingToken).ConfigureAwait(false);
                    Log.Connected(_logger, host, port, _options.ClientId, result.IsSessionPresent);
                    _embeddedBroker?.SubscriberReady(_options.ClientId);
                    backoff = _mqtt.ReconnectDelay;
                }

                await Task.Delay(_mqtt.ReconnectDelay, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                Log.ConnectFailed(_logger, ex, host, port, backoff);
                try
                {
                    await Task.Delay(backoff, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _mqtt.MaxReconnectDelay.Ticks));
            }
        }
    }

    private MqttClientOptions ClientOptions(string host, int port, string clientId, bool persistent)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(!persistent)
            .WithSessionExpiryInterval(persistent ? (uint)_mqtt.SessionExpiry.TotalSeconds : 0)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (_options.Username.Length > 0)
        {
            builder = builder.WithCredentials(_options.Username, _options.Password);
        }
        else if (_mqtt.Username.Length > 0)
        {
            builder = builder.WithCredentials(_mqtt.Username, _mqtt.Password);
        }
        else if (_mqtt.Host.Length == 0 && _embeddedBroker is not null)
        {
            (string user, string password) = _embeddedBroker.InternalCredentials;
            builder = builder.WithCredentials(user, password);
        }

        return builder.Build();
    }
}
