using GardenCity.Monitoring.Core.Alerts;
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
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Polly;
using Polly.Registry;

namespace GardenCity.Monitoring.Alerting;

/// <summary>
/// The alerting worker. Subscribes to station topics at QoS 1 with a persistent session of its own, feeds the rule
/// engine, and acknowledges messages only once the engine state that includes them is saved (every
/// <see cref="AckBatch"/> messages or <see cref="AckInterval"/>, and at once when an alert changes, before anyone is
/// told); a crash before that makes the broker redeliver, and processing a message again changes nothing (same
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
    private readonly IHttpClientFactory _http;
    private readonly AlertFeed _feed;
    private NotificationDispatcher? _dispatcher;
    private Outbox? _outbox;
    private readonly IReadingWriter _writer;
    private readonly InfluxReadingReader _reader;
    private readonly ResiliencePipeline _influxPipeline;
    private readonly EmbeddedBrokerService? _embeddedBroker;
    private readonly AlertStateStore _store;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IMqttClient _client;
    private readonly IMqttClient _output;
    private readonly AlertHistoryWriter? _history;
    private readonly List<(MqttApplicationMessageReceivedEventArgs Args, int Connection)> _pendingAcks = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MqttClientOptions? _outputOptions;
    private AlertEngine? _engine;
    private FileSystemWatcher? _watcher;
    private int _reloadRequested;
    private int _savedAcks;
    private bool _capChanged;

    /// <summary>At most this many messages wait for the next state save before they are acknowledged.</summary>
    internal const int AckBatch = 64;

    /// <summary>At most this long a message waits for the next state save (under load; when quiet, the next tick saves).</summary>
    internal static readonly TimeSpan AckInterval = TimeSpan.FromMilliseconds(200);
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
        IHttpClientFactory http,
        IReadingWriter writer,
        InfluxQlClient query,
        ResiliencePipelineProvider<string> pipelines,
        IEnumerable<EmbeddedBrokerService> embeddedBroker,
        CapFeed capFeed,
        AlertFeed feed,
        IDeadLetterStore deadLetters,
        ILoggerFactory loggers)
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
        _http = http;
        _writer = writer;
        _reader = new InfluxReadingReader(query, registry);
        _influxPipeline = pipelines.GetPipeline(StorageServiceCollectionExtensions.InfluxWritePipeline);
        _embeddedBroker = embeddedBroker.FirstOrDefault();
        _embeddedBroker?.HoldConnectionsUntilSubscribed(_options.ClientId);
        CapFeed = capFeed;
        _feed = feed;
        _store = new AlertStateStore(_options.StateDirectory);
        if (_options.WriteHistory)
        {
            _history = new AlertHistoryWriter(Path.Combine(_options.StateDirectory, "history"), writer, _influxPipeline, deadLetters, time, loggers);
        }
        _client = new MqttClientFactory().CreateMqttClient();
        _output = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    /// <summary>The CAP feed of emergency alerts.</summary>
    public CapFeed CapFeed { get; }

    /// <summary>Completes once the engine is running (rules loaded, state restored).</summary>
    public Task Started => _started.Task;

    /// <summary>Alerts in force, each as the notification of its latest change.</summary>
    public async Task<IReadOnlyList<AlertNotification>> ActiveAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_engine is not { } engine)
            {
                return [];
            }

            var rules = engine.Rules.Rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
            var active = new List<AlertNotification>();
            foreach (Alert alert in engine.Active)
            {
                if (rules.TryGetValue(alert.RuleId, out Rule? rule) && _registry.TryGet(alert.StationId, out Station? station))
                {
                    active.Add(alert.ToNotification(rule, station));
                }
            }

            return active;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Acknowledges an active alert on behalf of <paramref name="by"/>; null when no active alert has that id.</summary>
    public async Task<AlertNotification?> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_engine?.Acknowledge(alertId, by, _time.GetUtcNow()) is not { } change)
            {
                return null;
            }

            await DispatchAsync([change], [], cancellationToken).ConfigureAwait(false);
            return change.ToNotification();
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
                CapFeed.Restore(state.Cap ?? []);
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
        _outbox = new Outbox(_options.StateDirectory);
        _outputOptions = OutputOptions();
        var endpoints = _options.Webhooks.Select(w => NotificationDispatcher.Webhook(w, _http.CreateClient("gardencity-webhooks"))).ToList();
        if (_options.PublishMqtt)
        {
            endpoints.Add(new NotificationEndpoint("mqtt", _ => true, PublishAsync));
        }

        _dispatcher = new NotificationDispatcher(endpoints, _outbox, _options, _time, _logger, _metrics);
        foreach ((string endpoint, AlertNotification pending) in _outbox.Pending)
        {
            _dispatcher.Enqueue(endpoint, pending); // not delivered before the last stop: send again
        }

        WatchRules();
        _started.TrySetResult();
        Task ticks = TickAsync(stoppingToken);
        Task history = _history?.RunAsync(stoppingToken) ?? Task.CompletedTask;
        try
        {
            await KeepConnectedAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await ticks.ConfigureAwait(false);
            await history.ConfigureAwait(false);
            _watcher?.Dispose();
            if (_dispatcher is not null)
            {
                await _dispatcher.DisposeAsync().ConfigureAwait(false);
            }

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

            _history?.Dispose();
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
        catch (InvalidOperationException ex) when (InfluxQlClient.IsDatabaseNotFound(ex))
        {
            Log.Primed(_logger, 0, from, to); // a fresh installation: nothing stored yet
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
            _pendingAcks.Add((e, connection));
            await DispatchAsync(changes, fwi, _stopping).ConfigureAwait(false);
            if (_pendingAcks.Count >= AckBatch || _time.GetUtcNow() - _lastSave >= AckInterval)
            {
                Save(force: true);
            }
        }
        finally
        {
            _gate.Release();
        }

        await AcknowledgeSavedAsync().ConfigureAwait(false);
    }

    /// <summary>Messages whose effect is in the saved state may go: a crash before the save makes the broker redeliver them.</summary>
    private async Task AcknowledgeSavedAsync()
    {
        List<(MqttApplicationMessageReceivedEventArgs Args, int Connection)> saved;
        await _gate.WaitAsync(_stopping).ConfigureAwait(false);
        try
        {
            saved = [.. _pendingAcks.Take(_savedAcks)];
            _pendingAcks.RemoveRange(0, _savedAcks);
            _savedAcks = 0;
        }
        finally
        {
            _gate.Release();
        }

        foreach ((MqttApplicationMessageReceivedEventArgs args, int connection) in saved)
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
                    Save(force: _pendingAcks.Count > 0);
                }
                finally
                {
                    _gate.Release();
                }

                await AcknowledgeSavedAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Notifies and records changes; called under the gate.</summary>
    private Task DispatchAsync(IReadOnlyList<AlertChange> changes, IReadOnlyList<FwiDay> fwi, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        foreach (AlertChange change in changes)
        {
            _metrics.Change(change.Transition.ToString(), change.Alert.Audience.ToString());
            Log.AlertChanged(_logger, change.Transition.ToString(), change.Alert.Id, change.Alert.Severity.ToName(), change.Alert.MessageEn);
            _capChanged |= CapFeed.Add(change, _options.Cap, _time.GetUtcNow()) is not null;
        }

        // Durable before the state save below (and before the messages are acknowledged): a crash while InfluxDB is down
        // loses no history; the writer sends it when InfluxDB takes writes again.
        _history?.Append([.. changes.Select(AlertHistory.Line), .. fwi.Select(AlertHistory.Line)]);

        if (changes.Count > 0)
        {
            _metrics.SetActive(_engine!.Active.Count);
            var notifications = changes.Select(c => c.ToNotification()).ToList();
            var items = notifications.SelectMany(n => _dispatcher!.EndpointsFor(n).Select(e => (e, n))).ToList();
            _outbox!.Add(items); // durable: a crash from here on sends them after the restart
            Save(force: true); // before anyone is told and before the messages are acknowledged
            foreach ((string endpoint, AlertNotification notification) in items)
            {
                _dispatcher!.Enqueue(endpoint, notification);
            }

            notifications.ForEach(_feed.Publish);
        }

        return Task.CompletedTask;
    }

    /// <summary>Publishes one notification on its alert topic (the MQTT endpoint of the dispatcher; throws when it fails).</summary>
    private async Task PublishAsync(AlertNotification n, CancellationToken cancellationToken)
    {
        string topic = AlertNotification.Topic(n.Audience, n.RuleId, n.StationId);
        if (!_output.IsConnected)
        {
            MqttClientConnectResult connected = await _output.ConnectAsync(_outputOptions!, cancellationToken).ConfigureAwait(false);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException("the broker refused the alert publisher: " + connected.ResultCode);
            }
        }

        bool retained = n.Transition is not (Transition.Resolved or Transition.Late);
        MqttClientPublishResult result = await _output.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(n.ToJson())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retained).WithContentType("application/json").Build(), cancellationToken).ConfigureAwait(false);
        if (n.Transition == Transition.Resolved && result.IsSuccess)
        {
            // An empty retained message clears the retained alert: a new subscriber sees only alerts in force.
            result = await _output.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Array.Empty<byte>())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(true).Build(), cancellationToken).ConfigureAwait(false);
        }

        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"the broker refused {topic}: {result.ReasonCode}");
        }
    }

    /// <summary>Saves the engine state; every message processed so far may then be acknowledged. Called under the gate.</summary>
    private void Save(bool force)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (_engine is null || (!force && now - _lastSave < TimeSpan.FromSeconds(10)))
        {
            return;
        }

        _store.Save(new AlertingState(_engine.Snapshot(), _capChanged ? CapFeed.Entries : null));
        _capChanged = false;
        _lastSave = now;
        _savedAcks = _pendingAcks.Count;
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

    private Task KeepConnectedAsync(CancellationToken stoppingToken)
    {
        (string host, int port) = MqttSubscription.Endpoint(_mqtt, _embeddedBroker);
        var events = new SubscriptionEvents(
            Connecting: () => Interlocked.Increment(ref _connection),
            Refused: result => Log.ConnectRefused(_logger, host, port, result.ResultCode.ToString(), result.ReasonString),
            Subscribed: result =>
            {
                Log.Connected(_logger, host, port, _options.ClientId, result.IsSessionPresent);
                _embeddedBroker?.SubscriberReady(_options.ClientId);
            },
            Failed: (ex, delay) => Log.ConnectFailed(_logger, ex, host, port, delay));
        return MqttSubscription.KeepSubscribedAsync(_client, ClientOptions(_options.ClientId, persistent: true), WireTopic.StationFilter, _mqtt.ReconnectDelay, _mqtt.MaxReconnectDelay, _time, events, stoppingToken);
    }

    private MqttClientOptions OutputOptions() => ClientOptions(_options.ClientId + "-out", persistent: false);

    private MqttClientOptions ClientOptions(string clientId, bool persistent) =>
        MqttSubscription.ClientOptions(_mqtt, _embeddedBroker, clientId, persistent,
            _options.Username.Length > 0 ? _options.Username : _mqtt.Username, _options.Username.Length > 0 ? _options.Password : _mqtt.Password);
}
