using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Engine;
using GardenCity.Monitoring.Core.Alerts;
using GardenCity.Monitoring.Core.Stations;
using GardenCity.Monitoring.Storage;
using GardenCity.Monitoring.Storage.DeadLetters;
using GardenCity.Monitoring.Storage.Influx;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace GardenCity.Monitoring.Alerting.Notify;

/// <summary>
/// Everything that happens to an alert change once the engine made it, in this order: logged and counted, added to
/// the CAP feed, its history appended durably (<see cref="AlertHistoryWriter"/>), its notifications added durably to the
/// <see cref="Outbox"/>, then — after the caller saved the engine state — queued for their endpoints (webhooks, the MQTT
/// alert topics, the duty-room channels of <see cref="DutyDispatcher"/>) and handed to in-process listeners (<see cref="AlertFeed"/>). Not thread-safe: the engine host calls it
/// under its gate.
/// </summary>
internal sealed class NotificationPipeline
{
    private readonly AlertingOptions _options;
    private readonly IHttpClientFactory _http;
    private readonly AlertTopicPublisher _topics;
    private readonly AlertFeed _feed;
    private readonly AlertingMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<NotificationPipeline> _logger;
    private readonly AlertHistoryWriter? _history;
    private Outbox? _outbox;
    private NotificationDispatcher? _dispatcher;
    private readonly DutyOptions _duty;
    private readonly StationRegistry _registry;
    private readonly ResiliencePipelineProvider<string> _pipelines;
    private readonly DutyDeliveryLog _dutyLog;
    private DutyDispatcher? _dutyDispatcher;
    private Task _historyTask = Task.CompletedTask;
    private bool _capChanged;

    public NotificationPipeline(
        IOptions<AlertingOptions> options,
        IHttpClientFactory http,
        AlertTopicPublisher topics,
        CapFeed cap,
        AlertFeed feed,
        AlertingMetrics metrics,
        IReadingWriter writer,
        ResiliencePipelineProvider<string> pipelines,
        IDeadLetterStore deadLetters,
        TimeProvider time,
        ILoggerFactory loggers,
        IOptions<DutyOptions> duty,
        StationRegistry registry,
        DutyDeliveryLog dutyLog)
    {
        ArgumentNullException.ThrowIfNull(duty);
        _duty = duty.Value;
        _registry = registry;
        _pipelines = pipelines;
        _dutyLog = dutyLog;
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipelines);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options.Value;
        _http = http;
        _topics = topics;
        Cap = cap;
        _feed = feed;
        _metrics = metrics;
        _time = time;
        _logger = loggers.CreateLogger<NotificationPipeline>();
        if (_options.WriteHistory)
        {
            _history = new AlertHistoryWriter(Path.Combine(_options.StateDirectory, "history"), writer,
                pipelines.GetPipeline(StorageServiceCollectionExtensions.InfluxWritePipeline), deadLetters, time, loggers);
        }
    }

    /// <summary>The CAP feed of emergency alerts.</summary>
    public CapFeed Cap { get; }

    /// <summary>Opens the outbox, starts one delivery worker per endpoint and sends again what the last run left undelivered.</summary>
    public void Start(CancellationToken stoppingToken)
    {
        _outbox = new Outbox(_options.StateDirectory);
        var endpoints = _options.Webhooks.Select(w => NotificationDispatcher.Webhook(w, _http.CreateClient("gardencity-webhooks"))).ToList();
        if (_options.PublishMqtt)
        {
            endpoints.Add(new NotificationEndpoint("mqtt", _ => true, _topics.PublishAsync));
        }

        _dispatcher = new NotificationDispatcher(endpoints, _outbox, _options, _time, _logger, _metrics);
        if (_duty.Enabled)
        {
            var channels = DutyServiceCollectionExtensions.BuildChannels(_duty, _http, new DutyMessages(_duty, _registry), _time);
            _dutyDispatcher = new DutyDispatcher(channels, _pipelines.GetPipeline, new DutyRouter(_duty, channels), _outbox, _dutyLog, _time, _logger, _metrics, RecordDelivery);
            Log.DutyStarted(_logger, string.Join(", ", channels.Select(c => $"{c.Options.Name} ({c.Options.Kind})")), _outbox.Pending.Count(p => p.Endpoint.StartsWith(DutyDispatcher.OutboxPrefix, StringComparison.Ordinal)));
        }

        foreach ((string endpoint, AlertNotification pending) in _outbox.Pending)
        {
            // Not delivered before the last stop: send again. Duty deliveries wait in the outbox while the channels are off.
            if (endpoint.StartsWith(DutyDispatcher.OutboxPrefix, StringComparison.Ordinal))
            {
                _dutyDispatcher?.Enqueue(endpoint, pending);
            }
            else
            {
                _dispatcher.Enqueue(endpoint, pending);
            }
        }

        _historyTask = _history?.RunAsync(stoppingToken) ?? Task.CompletedTask;
    }

    /// <summary>Whether the CAP feed changed since the last call (so the next state save must include it).</summary>
    public bool TakeCapChanged()
    {
        bool changed = _capChanged;
        _capChanged = false;
        return changed;
    }

    /// <summary>
    /// Records changes and FWI days; <paramref name="saveState"/> is called once they are durable (history, outbox) and
    /// before anyone is told, so that a crash can only repeat a notification, never lose one.
    /// </summary>
    /// <param name="changes">The alert changes.</param>
    /// <param name="fwi">Daily FWI values.</param>
    /// <param name="activeCount">Alerts in force.</param>
    /// <param name="saveState">Saves the engine state.</param>
    /// <param name="geohazard">Hourly rainfall figures of hazard units (history only), or null.</param>
    public void Record(IReadOnlyList<AlertChange> changes, IReadOnlyList<FwiDay> fwi, int activeCount, Action saveState, IReadOnlyList<GeohazardHour>? geohazard = null)
    {
        geohazard ??= [];
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(fwi);
        ArgumentNullException.ThrowIfNull(saveState);
        foreach (AlertChange change in changes)
        {
            _metrics.Change(change.Transition.ToString(), change.Alert.Audience.ToString());
            Log.AlertChanged(_logger, change.Transition.ToString(), change.Alert.Id, change.Alert.Severity.ToName(), change.Alert.MessageEn);
            _capChanged |= Cap.Add(change, _options.Cap, _time.GetUtcNow()) is not null;
        }

        // Durable before the state save (and before the messages are acknowledged): a crash while InfluxDB is down
        // loses no history; the writer sends it when InfluxDB takes writes again.
        if (_history is not null && changes.Count + fwi.Count + geohazard.Count > 0) // most readings change nothing: no work for them
        {
            _history.Append([.. changes.Select(AlertHistory.Line), .. fwi.Select(AlertHistory.Line), .. geohazard.Select(AlertHistory.Line)]);
        }
        if (changes.Count == 0)
        {
            return;
        }

        _metrics.SetActive(activeCount);
        var notifications = changes.Select(c => c.ToNotification()).ToList();
        var items = notifications.SelectMany(n => _dispatcher!.EndpointsFor(n).Select(e => (e, n))).ToList();
        var duty = _dutyDispatcher is { } d ? notifications.SelectMany(n => d.OutboxKeysFor(n).Select(k => (k, n))).ToList() : [];
        _outbox!.Add([.. items, .. duty]); // durable: a crash from here on sends them after the restart
        saveState(); // before anyone is told and before the messages are acknowledged
        foreach ((string endpoint, AlertNotification notification) in items)
        {
            _dispatcher!.Enqueue(endpoint, notification);
        }

        foreach ((string key, AlertNotification notification) in duty)
        {
            _dutyDispatcher!.Enqueue(key, notification);
        }

        notifications.ForEach(_feed.Publish);
    }

    /// <summary>
    /// Gives queued notifications a moment to go out (the rest stay in the outbox) and waits for the history writer,
    /// whose token the host has cancelled. Once; the MQTT connection is closed by the container (<see cref="AlertTopicPublisher"/>).
    /// </summary>
    public async Task StopAsync()
    {
        if (_dispatcher is { } dispatcher)
        {
            _dispatcher = null;
            await dispatcher.DisposeAsync().ConfigureAwait(false);
        }

        if (_dutyDispatcher is { } duty)
        {
            _dutyDispatcher = null;
            await duty.DisposeAsync().ConfigureAwait(false);
        }

        await _historyTask.ConfigureAwait(false);
        _history?.Dispose();
    }

    /// <summary>A final duty-room delivery status goes into the alert history too (measurement <c>alert_delivery</c>).</summary>
    private void RecordDelivery(DutyDeliveryRecord record)
    {
        try
        {
            _history?.Append([AlertHistory.Line(record)]);
        }
        catch (IOException ex)
        {
            // The history spool is full: the status stays in duty-deliveries.jsonl, the metrics and the log.
            Log.DutyHistoryNotWritten(_logger, ex, record.NotificationId, record.Channel);
        }
    }
}
