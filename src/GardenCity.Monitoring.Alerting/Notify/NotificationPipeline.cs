using GardenCity.Monitoring.Alerting.Audit;
using GardenCity.Monitoring.Alerting.Duty;
using GardenCity.Monitoring.Alerting.Duty.Escalation;
using GardenCity.Monitoring.Alerting.Duty.Silences;
using GardenCity.Monitoring.Core.Audit;
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
/// alert topics, the duty-room channels of <see cref="DutyDispatcher"/>, those a silence covers held back by the
/// <see cref="SilenceGate"/>) and handed to in-process listeners (<see cref="AlertFeed"/>). Every change and final
/// duty-room delivery is recorded in the audit trail (<see cref="IAuditLog"/>). Not thread-safe: the engine host calls it
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
    private readonly DashboardOptions _dashboard;
    private readonly StationRegistry _registry;
    private readonly ResiliencePipelineProvider<string> _pipelines;
    private readonly DutyDeliveryLog _dutyLog;
    private DutyDispatcher? _dutyDispatcher;
    private readonly EscalationService _escalation;
    private Duty.Inhibition.DutyInhibitor? _inhibitor;
    private readonly IAuditLog _audit;
    private Task _historyTask = Task.CompletedTask;
    private readonly List<CapEntry> _capAdded = [];

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
        IOptions<DashboardOptions> dashboard,
        StationRegistry registry,
        DutyDeliveryLog dutyLog,
        EscalationService escalation,
        IAuditLog audit,
        SilenceBook silences)
    {
        _escalation = escalation;
        _audit = audit;
        Silences = new SilenceGate(options?.Value.StateDirectory ?? throw new ArgumentNullException(nameof(options)), silences, audit, time);
        ArgumentNullException.ThrowIfNull(duty);
        ArgumentNullException.ThrowIfNull(dashboard);
        _duty = duty.Value;
        _dashboard = dashboard.Value;
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

    /// <summary>Holds back the duty-room deliveries that silences cover (docs/duty-room.md, "Silences").</summary>
    public SilenceGate Silences { get; }

    /// <summary>Whether the duty-room channels are on (<c>GardenCity:Duty:Enabled</c>).</summary>
    public bool DutyEnabled => _duty.Enabled;

    /// <summary>The CAP feed of emergency alerts.</summary>
    public CapFeed Cap { get; }

    /// <summary>Opens the outbox, starts one delivery worker per endpoint and sends again what the last run left undelivered.</summary>
    public void Start(CancellationToken stoppingToken)
    {
        _outbox = new Outbox(_options.StateDirectory);
        var endpoints = _options.Webhooks.Select(w => NotificationDispatcher.Webhook(w, _http.CreateClient("gardencity-webhooks"), _time)).ToList();
        if (_options.PublishMqtt)
        {
            endpoints.Add(new NotificationEndpoint("mqtt", _ => true, _topics.PublishAsync));
            _ = ConnectTopicsAsync(stoppingToken); // the first alert does not wait for the connection
        }

        _dispatcher = new NotificationDispatcher(endpoints, _outbox, _options, _time, _logger, _metrics);
        if (_duty.Enabled)
        {
            var channels = DutyServiceCollectionExtensions.BuildChannels(_duty, _http, new DutyMessages(_duty, _dashboard, _registry), _time);
            var router = new DutyRouter(_duty, channels);
            _dutyDispatcher = new DutyDispatcher(channels, _pipelines.GetPipeline, router, _outbox, _dutyLog, _time, _logger, _metrics, RecordDelivery, _escalation.Rebuild);
            (_inhibitor, _dutyDispatcher.Grouper) = DutyDecisions.Create(_duty, _registry, router, _dutyDispatcher, _dutyLog, _options.StateDirectory, _time, _logger, _audit);
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

        _escalation.Start(_outbox, (key, n) => _dutyDispatcher?.Enqueue(key, n)); // escalation tiers (docs/duty-room.md, "Escalation")
        _dutyDispatcher?.Grouper?.ForgetUnrestored();
        _historyTask = _history?.RunAsync(stoppingToken) ?? Task.CompletedTask;
    }

    /// <summary>
    /// Takes <paramref name="specimens"/> through every step of <see cref="Record"/> that has no side effect (the CAP
    /// message, the history line, the notification with its outbox and audit lines, the annotations), and one of them
    /// through each endpoint's and the history's resilience pipelines with calls that send nothing, so that the first
    /// real alert finds their code compiled and their JSON metadata built (docs/alerting.md, "The first alert after a
    /// start"). Writes nothing and tells no one; returns the CAP entries, for the journal line's warm-up.
    /// </summary>
    public CapEntry[] WarmUp(IReadOnlyList<AlertChange> specimens)
    {
        ArgumentNullException.ThrowIfNull(specimens);
        DateTimeOffset now = _time.GetUtcNow();
        var caps = new CapEntry[specimens.Count];
        AlertNotification? notification = null;
        for (int i = 0; i < specimens.Count; i++)
        {
            AlertChange specimen = specimens[i];
            string xml = CapWriter.Write(specimen, _options.Cap, _dashboard, now, previous: null);
            _ = AlertHistory.Line(specimen);
            _ = AuditFileStore.Line(AuditTrail.Change(specimen, now));
            notification = specimen.ToNotification();
            _ = notification.ToJson();
            _ = Outbox.Line("warm-up", notification);
            _ = Annotate(notification);
            _ = Route([notification]);
            caps[i] = new CapEntry(CapWriter.Identifier(specimen), specimen.Alert.Id, now, specimen.Alert.MessageEn, xml, specimen.Alert.MessageZh);
        }

        if (notification is not null)
        {
            _dispatcher?.WarmUp(notification); // the same code whatever the change: once
        }

        _history?.WarmUpAsync(CancellationToken.None).GetAwaiter().GetResult(); // sends nothing; yields once
        return caps;
    }

    /// <summary>The CAP messages added since the last call, newest first (for the journal record of the changes that made them).</summary>
    public IReadOnlyList<CapEntry> TakeCapAdded()
    {
        CapEntry[] added = [.. _capAdded];
        _capAdded.Clear();
        return added;
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
            if (Cap.Add(change, _options.Cap, _dashboard, _time.GetUtcNow()) is { } entry)
            {
                _capAdded.Insert(0, entry); // newest first, as in the feed
            }
        }

        // Durable before the state save (and before the messages are acknowledged): a crash while InfluxDB is down
        // loses no history; the writer sends it when InfluxDB takes writes again.
        if (_history is not null && changes.Count + fwi.Count + geohazard.Count > 0) // most readings change nothing: no work for them
        {
            _history.Append([.. changes.Select(AlertHistory.Line), .. fwi.Select(AlertHistory.Line), .. geohazard.Select(AlertHistory.Line)]);
        }

        DateTimeOffset now = _time.GetUtcNow();
        foreach (AlertChange change in changes)
        {
            _audit.Record(AuditTrail.Change(change, now)); // durable before the state save, like the history
        }
        if (changes.Count == 0)
        {
            return;
        }

        _metrics.SetActive(activeCount);
        var notifications = changes.Select(c => c.ToNotification()).ToList();
        List<(string Endpoint, AlertNotification Notification)> items = Route(notifications);
        // Inhibition (docs/duty-room.md): the duty channels hear of what nothing holds back, plus releases and site alerts;
        // people are not told what a silence covers.
        IReadOnlyList<(string Key, AlertNotification Notification)> duty = _dutyDispatcher is { } d
            ? Silences.Hold([.. (_inhibitor?.Filter(notifications) ?? notifications).SelectMany(n => d.OutboxKeysFor(n).Select(k => (k, n)))])
            : [];
        _outbox!.Add([.. items, .. duty]); // durable: a crash from here on sends them after the restart
        _escalation.Observe(notifications); // escalations started, stopped or ended, durably, before the state save
        _inhibitor?.Save();
        saveState(); // before anyone is told and before the messages are acknowledged
        foreach ((string endpoint, AlertNotification notification) in items)
        {
            _dispatcher!.Enqueue(endpoint, notification);
        }

        foreach ((string key, AlertNotification notification) in duty)
        {
            _dutyDispatcher!.Enqueue(key, notification);
        }

        notifications.ForEach(n => _feed.Publish(Annotate(n)));
    }

    /// <summary>
    /// The alert as the API shows it to people (alerts in force, the live stream): with the silence that covers it
    /// (<c>silenced_by</c>), its escalation in brief (<c>escalation</c>) and the inhibition that holds it back
    /// (<c>held_back</c>), where there are any (docs/duty-room.md, "Dashboard: silences, audit, escalation and inhibition"). Any thread.
    /// </summary>
    public AlertNotification Annotate(AlertNotification notification)
    {
        AlertNotification shown = Silences.Annotate(notification);
        return shown with
        {
            Escalation = _escalation.Find(notification.AlertId) is { } e ? Summary(e) : null,
            HeldBack = _inhibitor?.HeldBackNow.GetValueOrDefault(notification.AlertId),
        };
    }

    /// <summary>
    /// The brief of an escalation: who was told on the tier reached is that tier's step (tiers 2, 3, …) or, for tier 1
    /// (the routes), the duty-room deliveries of the alert since the escalation (re)started, as the delivery log has them.
    /// </summary>
    private AlertEscalationSummary Summary(AlertEscalation e)
    {
        AlertEscalationStep? step = e.CurrentTier > 1 ? e.Steps.LastOrDefault(s => s.Kind == "tier" && s.Tier == e.CurrentTier) : null;
        IReadOnlyList<string> notified = step is not null
            ? step.Deliveries
            : [.. _dutyLog.ForAlert(e.AlertId).Where(r => r.Tier == 1 && r.Status != DutyDeliveryStatus.HeldBack && r.At >= e.StartedAt)
                .Select(r => $"{r.Channel}/{r.Recipient}").Distinct(StringComparer.Ordinal)];
        return new AlertEscalationSummary(e.Policy, e.State, e.CurrentTier, e.Tiers, step?.Name ?? (e.CurrentTier == 1 ? "routes" : null), notified,
            e.NextTier, e.NextTierName, e.NextTierDueAt, e.StoppedBy, e.StopReason, e.StoppedAt);
    }

    /// <summary>
    /// Sends the duty-room deliveries held back by silences that are now over, for alerts still active
    /// (<paramref name="isActive"/>), through the outbox; notes expired silences in the audit trail. On every tick.
    /// </summary>
    public void ReleaseSilenced(Func<string, bool> isActive) => Silences.Release(isActive, released =>
    {
        _outbox!.Add(released); // durable first; with the channels off they wait there for the next start
        foreach ((string key, AlertNotification notification) in released)
        {
            _dutyDispatcher?.Enqueue(key, notification);
        }
    });

    /// <summary>
    /// Gives queued notifications a moment to go out (the rest stay in the outbox) and waits for the history writer,
    /// whose token the host has cancelled. Once; the MQTT connection is closed by the container (<see cref="AlertTopicPublisher"/>).
    /// </summary>
    public async Task StopAsync()
    {
        _escalation.Dispose();
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

    /// <summary>Each notification with every endpoint that takes it.</summary>
    private List<(string Endpoint, AlertNotification Notification)> Route(List<AlertNotification> notifications) =>
        notifications.SelectMany(n => _dispatcher!.EndpointsFor(n).Select(e => (e, n))).ToList();

    private async Task ConnectTopicsAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _topics.ConnectAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (AlertPublisherRefusedException ex)
        {
            Log.AlertPublisherRefused(_logger, ex.Message); // each delivery tries again, and fails the same way until the ACL is mended
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Log.AlertPublisherNotConnected(_logger, ex.Message); // the first alert's delivery connects (and retries)
        }
    }

    /// <summary>A final duty-room delivery status goes into the alert history too (measurement <c>alert_delivery</c>).</summary>
    private void RecordDelivery(DutyDeliveryRecord record)
    {
        try
        {
            _audit.Record(AuditTrail.Delivery(record));
            _history?.Append([AlertHistory.Line(record)]);
        }
        catch (IOException ex)
        {
            // The disk is full: the status stays in duty-deliveries.jsonl, the metrics and the log.
            Log.DutyHistoryNotWritten(_logger, ex, record.NotificationId, record.Channel);
        }
    }
}
